"""Property (issue 17, point 5): a device token works exactly while neither it nor any token
in its lineage has been revoked. Random trees of tokens (roots made by a person logged in,
children made through the service by a device, as before devices were refused that),
revocations at random points, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.errors import Unauthenticated
from tests.conftest import TEST_SECRET, _truncate_postgres, api_client
from tests.integration.world import Actor, password_hash, session_headers

# ("make", None): a person makes a token; ("make", i): the i-th token (modulo how many there
# are) makes one; ("revoke", i): the person revokes the i-th. The program starts with a root.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("make"), st.integers(0, 50)),
        st.tuples(st.just("revoke"), st.integers(0, 50)),
        st.tuples(st.just("make"), st.none()),
    ),
    min_size=2,
    max_size=14,
).map(lambda program: [("make", None), *program])


async def _run(database_url: str, tmp_dir: Any, program: list[tuple[str, int | None]]) -> None:
    from server.accounts.tables import Organisation, User
    from server.app import create_app
    from server.settings import load_settings

    settings = load_settings(
        environ={}, data_dir=str(tmp_dir), database_url=database_url, secret_key=TEST_SECRET
    )
    app = create_app(settings)
    async with api_client(app) as http:
        services = app.state["services"]
        org = Organisation(name="Fitters", kind="fitters_company")
        await org.save()
        user = User(
            organisation=org.id,
            username="fitter",
            full_name="Fitter",
            roles=["fitter"],
            password_hash=password_hash(),
        )
        await user.save()
        person = await session_headers(http, Actor("fitter", str(user.id), str(org.id), [], ""))
        tokens: list[tuple[str, str, int | None]] = []  # (id, token, parent index)
        revoked: set[int] = set()

        def dead(index: int | None) -> bool:
            while index is not None:
                if index in revoked:
                    return True
                index = tokens[index][2]
            return False

        for action, target in program:
            if action == "make" and target is None:
                made = await http.post("/api/devices", json={"name": "root"}, headers=person)
                assert made.status_code == 201, made.text
                tokens.append((made.json()["device"]["id"], made.json()["token"], None))
            elif action == "make" and target is not None:
                target %= len(tokens)
                try:
                    device = await services.accounts.principal_for_device_token(tokens[target][1])
                except Unauthenticated:
                    assert dead(target), "a live token was refused"
                    continue
                assert not dead(target), "a revoked lineage still authenticates"
                token, row = await services.accounts.create_device_token(device, "child")
                tokens.append((str(row["id"]), token, target))
            elif action == "revoke" and target is not None:
                target %= len(tokens)
                gone = await http.delete(f"/api/devices/{tokens[target][0]}", headers=person)
                assert gone.status_code == 204, gone.text
                revoked.add(target)

        listed = {
            d["id"]: d["revoked"] for d in (await http.get("/api/devices", headers=person)).json()
        }
        for index, (device_id, token, _) in enumerate(tokens):
            answer = await http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == (401 if dead(index) else 200), (index, program)
            assert listed[device_id] is dead(index)


@given(program=steps)
@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_token_works_exactly_while_its_lineage_is_unrevoked(
    program, database_url, tmp_path
) -> None:
    if database_url.startswith("postgresql"):
        _truncate_postgres(database_url)
        url = database_url
    else:
        # A fresh file per example: hypothesis runs the examples in one test's tmp_path.
        url = f"sqlite:///{tmp_path / f'tokens-{uuid.uuid4().hex}.sqlite3'}"
    asyncio.run(_run(url, tmp_path, program))

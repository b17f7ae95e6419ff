"""Schemathesis against the OpenAPI schema of a real server process: every operation, valid
and invalid input; never a 500, and every 4xx carries a message a person can act on.

Beyond what the schema describes, the generators send what issue 17 found behind 500s:
date-times without an offset or at the ends of Python's range (year 1, 9999) in bodies, query
parameters and sync mutations; bodies nested deeply or holding invalid UTF-8, on every body
route, logged in or not; and a NUL byte anywhere in an app file's path.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.formats import unregister_string_format

from server.pwa_routes import PWA_DIR
from tests.conftest import require_postgres
from tests.live_server import device_token, run_cli, running_server, server_env

# Enough examples per strategy to hit every validator, few enough to keep CI quick.
EXAMPLES_PER_OPERATION = 15
# The extra generators below: each example is one request, most of them cheap refusals.
EXTRA_EXAMPLES = 40

# Date-times as careless and hostile clients send them. First (hypothesis tries the first
# branch of one_of most): naive, overflowing in UTC, just outside Lockwork's range.
EDGE_DATE_TIMES = [
    "2026-03-10T10:00:00",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.999999Z",
    "1999-12-31T23:59:59Z",
    "2100-01-01T00:00:00Z",
]
EDGE_DATES = ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"]
OFFSETS = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
DATE_TIMES = st.one_of(
    st.sampled_from(EDGE_DATE_TIMES),
    st.datetimes().map(lambda d: d.isoformat()),  # naive, any year
    st.datetimes(timezones=OFFSETS).map(lambda d: d.isoformat()),  # any year, any offset
)
DATES = st.one_of(st.sampled_from(EDGE_DATES), st.dates().map(lambda d: d.isoformat()))
# A body the JSON decoder cannot take: nested beyond its limit, or not UTF-8.
INVALID_UTF8 = [
    b"\xff",
    b"\xfe\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\x80",
]
NESTINGS = [(b"[", b"", b"]"), (b'{"a":', b"1", b"}"), (b'{"body":[', b'"x"', b"]}")]
UNDECODABLE_BODIES = st.one_of(
    st.tuples(st.integers(1_000, 100_000), st.sampled_from(NESTINGS)).map(
        lambda t: t[1][0] * t[0] + t[1][1] + t[1][2] * t[0]
    ),
    st.tuples(
        st.sampled_from(["username", "body", "note", "name", "description", "a"]),
        st.text(max_size=10).map(str.encode),
        st.sampled_from(INVALID_UTF8),
    ).map(lambda t: b'{"' + t[0].encode() + b'": "' + t[1].replace(b'"', b"") + t[2] + b'"}'),
)


@pytest.fixture(scope="module")
def edge_formats() -> Iterator[None]:
    """Schemathesis fills every ``date-time`` and ``date`` field and parameter from these."""
    schemathesis.openapi.format("date-time", DATE_TIMES)
    schemathesis.openapi.format("date", DATES)
    yield
    unregister_string_format("date-time")
    unregister_string_format("date")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_api(request, tmp_path_factory, postgres_database):
    data_dir = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'fuzz.sqlite3'}"
    else:
        from tests.conftest import _truncate_postgres

        database = require_postgres(postgres_database)
        _truncate_postgres(database.url)
        url = database.url
    env = server_env(url, data_dir)
    seeded = run_cli(["demo-data", "--customers", "12", "--reset"], env)
    assert seeded.returncode == 0, seeded.stderr
    with running_server(env) as base_url:
        yield base_url, device_token(base_url, "admin", "fuzzer")


def _real_ids(base_url: str, headers: dict[str, str]) -> dict[str, str]:
    """Ids of existing objects, so that write routes are reached past their 404."""

    def first(path: str) -> str:
        response = httpx.get(base_url + path, headers=headers, params={"limit": 1})
        return str(response.json()["items"][0]["id"])

    return {
        "order_id": first("/api/orders"),
        "customer_id": first("/api/customers"),
        "lock_id": first("/api/locks"),
        "organisation_id": first("/api/organisations"),
        "user_id": first("/api/users"),
    }


def readable_refusal(where: str, response: httpx.Response | Any) -> str | None:
    """What is wrong with an answer: a server error, or a refusal without a message."""
    if response.status_code >= 500:
        return f"{where}: {response.status_code} {response.text[:200]}"
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            return f"{where}: {response.status_code} and no JSON body"
        if not (
            isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]
        ):
            return f"{where}: {response.status_code} without a message"
    return None


def run_examples(strategy: st.SearchStrategy[Any], check: Any) -> None:
    @given(example=strategy)
    @settings(
        max_examples=EXTRA_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(example: Any) -> None:
        check(example)

    run()


def test_no_server_errors_and_readable_refusals(live_api, edge_formats) -> None:
    base_url, token = live_api
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(base_url + "/schema/openapi.json")
    real_ids = _real_ids(base_url, headers)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/auth/logout":
            continue  # ends the fuzzer's own session; covered by the auth tests
        operations += 1
        known = {k: v for k, v in real_ids.items() if "{" + k + "}" in operation.path}
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if known:
            strategies += [
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known),
                operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known),
            ]
        for strategy in strategies:

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case) -> None:
                response = case.call(base_url=base_url, headers=headers)
                problem = readable_refusal(f"{case.method} {case.formatted_path}", response)
                if problem:
                    failures.append(problem)

            # Unsatisfiable: nothing to make invalid (an operation without parameters or body).
            with contextlib.suppress(Unsatisfiable):
                check()
    assert operations >= 20
    assert failures == []


def test_undecodable_bodies_on_every_body_route(live_api) -> None:
    base_url, token = live_api
    schema = schemathesis.openapi.from_url(base_url + "/schema/openapi.json")
    ids = _real_ids(base_url, {"Authorization": f"Bearer {token}"})
    routes = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.body:
            path = operation.path
            for name, value in ids.items():
                path = path.replace("{" + name + "}", value)
            routes.append((operation.method.upper(), path.replace("{", "").replace("}", "")))
    assert ("POST", "/api/auth/login") in routes and len(routes) >= 15
    failures: list[str] = []
    with httpx.Client(base_url=base_url) as http:

        def check(example: tuple[tuple[str, str], bytes, bool]) -> None:
            (method, path), content, logged_in = example
            headers = {"content-type": "application/json"}
            if logged_in:
                headers["Authorization"] = f"Bearer {token}"
            response = http.request(method, path, content=content, headers=headers)
            problem = readable_refusal(f"{method} {path} ({len(content)} bytes)", response)
            if problem:
                failures.append(problem)

        run_examples(st.tuples(st.sampled_from(routes), UNDECODABLE_BODIES, st.booleans()), check)
    assert failures == []


def test_a_nul_byte_anywhere_in_an_app_path(live_api) -> None:
    base_url, _ = live_api
    index = httpx.get(base_url + "/", headers={"accept": "text/html"})
    version = index.text.split("/v/")[1].split("/")[0]
    files = sorted(p.relative_to(PWA_DIR).as_posix() for p in PWA_DIR.rglob("*") if p.is_file())
    paths = st.sampled_from(
        ["/", "/sw.js", "/orders/x", "/api/orders"]
        + [f"/{f}" for f in files]
        + [f"/v/{version}/{f}" for f in files]
    )
    failures: list[str] = []
    with httpx.Client(base_url=base_url) as http:

        def check(example: tuple[str, int, str]) -> None:
            path, where, accept = example
            at = where % (len(path) + 1)
            nul_path = path[:at] + "%00" + path[at:]
            response = http.get(nul_path, headers={"accept": accept})
            problem = readable_refusal(f"GET {nul_path} ({accept})", response)
            if problem:
                failures.append(problem)

        run_examples(
            st.tuples(paths, st.integers(0, 200), st.sampled_from(["text/html", "*/*"])), check
        )
    assert failures == []


def _fitter_with_an_order(base_url: str) -> tuple[dict[str, str], str]:
    """A fitter's bearer token and an order of theirs still seeking contact, so that pushed
    mutations reach the date handling past the access checks."""
    headers = {"Authorization": f"Bearer {device_token(base_url, 'montor1', 'fuzzer-fitter')}"}
    orders = httpx.get(
        base_url + "/api/orders",
        params={"status": ["ordered", "contacting"], "limit": 1},
        headers=headers,
    )
    assert orders.status_code == 200 and orders.json()["items"], orders.text
    return headers, orders.json()["items"][0]["id"]


def test_edge_date_times_in_sync_mutations(live_api) -> None:
    base_url, _ = live_api
    headers, order_id = _fitter_with_an_order(base_url)
    versioned = {"protocol": 2, "schema": 1}
    registered = httpx.post(base_url + "/api/sync/register", json=versioned, headers=headers)
    assert registered.status_code == 201, registered.text
    client_id = registered.json()["client_id"]
    order = st.just(order_id)
    mutations = st.lists(
        st.one_of(
            st.tuples(
                st.just("contact_attempt.add"),
                st.fixed_dictionaries(
                    {
                        "order_id": order,
                        "to_whom": st.just("customer"),
                        "outcome": st.sampled_from(["no_answer", "busy"]),
                        "at": DATE_TIMES,
                    }
                ),
            ),
            st.tuples(
                st.just("order.schedule"),
                st.fixed_dictionaries({"order_id": order, "planned_start": DATE_TIMES}),
            ),
            st.tuples(
                st.just("order.put_on_hold"),
                st.fixed_dictionaries({"order_id": order, "hold_until": DATES}),
            ),
            st.tuples(
                st.just("order.complete"),
                st.fixed_dictionaries(
                    {
                        "order_id": order,
                        "completion": st.fixed_dictionaries(
                            {
                                "work_done": st.just("x"),
                                "minutes_spent": st.just(5),
                                "visit_on": DATES,
                            }
                        ),
                    }
                ),
            ),
        ),
        min_size=1,
        max_size=4,
    )
    failures: list[str] = []
    last_seq = [0]  # what the server has taken; a failed push takes nothing
    with httpx.Client(base_url=base_url, headers=headers) as http:

        def check(batch: list[tuple[str, dict[str, Any]]]) -> None:
            body = {
                **versioned,
                "client_id": client_id,
                "mutations": [
                    {"id": str(uuid.uuid4()), "seq": last_seq[0] + i, "name": name, "args": args}
                    for i, (name, args) in enumerate(batch, start=1)
                ],
            }
            response = http.post("/api/sync/push", json=body)
            problem = readable_refusal(f"push {batch}", response)
            if problem:
                failures.append(problem)
            elif response.status_code == 200:
                last_seq[0] = response.json()["last_seq"]

        run_examples(mutations, check)
    assert failures == []

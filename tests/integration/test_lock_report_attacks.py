"""Property: forged, replayed, reused-nonce, cross-lock, expired, tampered and foreign lock
reports sent through the real sync API are never accepted, and genuine ones are accepted
exactly once (a resent mutation gets its first answer, not a second report). SQLite and
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gateway.sync_client import SyncClient
from lock_protocol.crypto import SigningKey
from server.locks.visit_window import visit_window
from tests.conftest import TEST_SECRET, _truncate_postgres, api_client
from tests.integration.lock_visit import credential, push_one, transition, trusting
from tests.integration.world import World, make_world, place_order
from tests.lock_helpers import SimulatedLock

ATTACKS = [
    "valid",
    "replay",
    "reused_nonce",
    "cross_lock",
    "expired",
    "tampered",
    "forged",
    "foreign_fitter",
    "resend",
]
# The visit every credential here is issued for (booked without an estimate).
PLANNED_START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
# Past the credential's window (the visit's) by more than the protocol's clock skew (2 min).
EXPIRED_AT = datetime.fromtimestamp(visit_window(PLANNED_START, None).end + 180, UTC)


@dataclass
class Model:
    accepted: list[str] = field(default_factory=list)  # mutation ids applied
    last_args: dict[str, Any] | None = None
    last_mutation: str | None = None
    last_answer: dict[str, Any] | None = None
    last_nonce: bytes | None = None
    refused: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


async def _run(database_url: str, tmp_dir: Any, program: list[tuple[str, int]]) -> None:
    from server.app import create_app
    from server.clock import FrozenClock
    from server.locks.tables import Lock, LockReport
    from server.settings import load_settings

    factory = SigningKey(os.urandom(32))
    settings_ = trusting(
        load_settings(
            environ={}, data_dir=str(tmp_dir), database_url=database_url, secret_key=TEST_SECRET
        ),
        factory,
    )
    clock = FrozenClock(datetime(2026, 3, 10, 7, 0, tzinfo=UTC))
    async with api_client(create_app(settings_, clock=clock)) as http:
        world: World = await make_world()
        lock_a = SimulatedLock(factory, "LW-00A1")
        lock_b = SimulatedLock(factory, "LW-00A2")
        await Lock(
            serial=lock_b.serial, model="D1", state="installed", customer=world.ids["customer_a"]
        ).save()
        fitter = world["fitter_1"]
        order = await place_order(
            http, world["orderer_a"], world.ids["customer_a"], lock_id=world.ids["lock_a"]
        )
        order_id = order["id"]
        await http.post(
            f"/api/orders/{order_id}/assignment",
            json={"fitter_id": fitter.user_id},
            headers=world["planner_1"].headers,
        )
        for step in (
            {"action": "schedule", "planned_start": PLANNED_START.isoformat()},
            {"action": "confirm"},
            {"action": "start"},
        ):
            assert (await transition(http, fitter, order_id, **step)).status_code == 201

        async def nonce_for(lock: SimulatedLock) -> bytes:
            response = await credential(http, fitter, order_id, lock.serial, lock.core.certificate)
            assert response.status_code == 201, response.text
            return bytes.fromhex(response.json()["server_nonce"])

        def now() -> float:
            return clock.now().timestamp()

        gateway = SyncClient(http=http, headers=fitter.headers, device="gateway")
        colleague = SyncClient(http=http, headers=world["fitter_1b"].headers, device="other")
        model = Model()

        async def refused(kind: str, args: dict[str, Any], via: SyncClient = gateway) -> None:
            result = await push_one(via, args)
            assert result["status"] == "rejected", (kind, result)
            assert result["message"] and result["message_sv"], result
            model.refused.append((kind, result))

        for kind, seed in program:
            if kind == "valid":
                nonce = await nonce_for(lock_a)
                args = lock_a.upload_args(
                    "lock_report", lock_a.report(nonce, now()), server_nonce=nonce, ticket=None
                )
                mutation_id = gateway.enqueue("lock_report.add", args)
                (result,) = await gateway.push()
                assert result["status"] == "applied", result
                model.accepted.append(mutation_id)
                model.last_args, model.last_mutation, model.last_answer = args, mutation_id, result
                model.last_nonce = nonce
            elif kind == "replay" and model.last_args is not None:
                await refused(kind, dict(model.last_args))
            elif kind == "reused_nonce" and model.last_nonce is not None:
                nonce = model.last_nonce
                data = lock_a.report(nonce, now())
                await refused(
                    kind, lock_a.upload_args("lock_report", data, server_nonce=nonce, ticket=None)
                )
            elif kind == "cross_lock":
                nonce_b = await nonce_for(lock_b)
                data = lock_a.report(nonce_b, now())
                args = lock_a.upload_args("lock_report", data, server_nonce=nonce_b, ticket=None)
                if seed % 2:  # A's report booked on B
                    args.update(serial=lock_b.serial, lock_id=lock_b.lock_id.hex())
                await refused(kind, args)
            elif kind == "expired":
                nonce = await nonce_for(lock_a)
                during = clock.now()
                clock.set(EXPIRED_AT)
                data = lock_a.report(nonce, now())
                await refused(
                    kind, lock_a.upload_args("lock_report", data, server_nonce=nonce, ticket=None)
                )
                clock.set(during)  # back inside the visit, for the steps that follow
            elif kind == "tampered":
                nonce = await nonce_for(lock_a)
                data = bytearray(lock_a.report(nonce, now()))
                data[seed % len(data)] ^= 1 + seed % 255
                await refused(
                    kind,
                    lock_a.upload_args("lock_report", bytes(data), server_nonce=nonce, ticket=None),
                )
            elif kind == "forged":
                nonce = await nonce_for(lock_a)
                forger = SimulatedLock(SigningKey(os.urandom(32)), lock_a.serial)
                data = forger.report(nonce, now())
                args = lock_a.upload_args("lock_report", data, server_nonce=nonce, ticket=None)
                await refused(kind, args)
            elif kind == "foreign_fitter":
                nonce = await nonce_for(lock_a)
                data = lock_a.report(nonce, now())
                await refused(
                    kind,
                    lock_a.upload_args("lock_report", data, server_nonce=nonce, ticket=None),
                    via=colleague,
                )
            elif kind == "resend" and model.last_mutation is not None:
                # The answer was lost and the gateway re-registered: same mutation id.
                again = SyncClient(http=http, headers=fitter.headers, device="gateway-restarted")
                again.enqueue(
                    "lock_report.add", dict(model.last_args or {}), mutation_id=model.last_mutation
                )
                (result,) = await again.push()
                assert model.last_answer is not None
                assert result["status"] == "applied"
                assert result["change_number"] == model.last_answer["change_number"]

        stored = await LockReport.select(LockReport.counter).where(LockReport.order_id == order_id)
        assert len(stored) == len(model.accepted)
        assert len({row["counter"] for row in stored}) == len(stored)
        row = await Lock.select(Lock.report_counter).where(Lock.serial == lock_a.serial).first()
        assert row is not None
        expected = max((r["counter"] for r in stored), default=None)
        assert row["report_counter"] == expected
        other = await Lock.select(Lock.report_counter).where(Lock.serial == lock_b.serial).first()
        assert other is not None and other["report_counter"] is None


steps = st.tuples(st.sampled_from(ATTACKS), st.integers(0, 10_000))


@given(program=st.lists(steps, min_size=3, max_size=14))
@settings(
    max_examples=12,
    deadline=None,
    # Each example starts a server; shrinking would take minutes. The failing program is
    # printed as generated.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_attack_is_accepted_and_genuine_reports_once(program, database_url, tmp_path) -> None:
    if database_url.startswith("postgresql"):
        _truncate_postgres(database_url)
        url = database_url
    else:
        url = f"sqlite:///{tmp_path / (uuid.uuid4().hex + '.sqlite3')}"
    asyncio.run(_run(url, tmp_path, [("valid", 0), *program]))

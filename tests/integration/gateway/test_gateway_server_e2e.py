"""End to end: the server's ticket pairs a simulated lock through the real gateway operations
over Bumble, the gateway uploads the lock-signed receipt and battery report with
``lock_report.add``, and the installation order closes without an override.

Nothing is mocked: the server app (real database, both engines), gateway.operations over bleak
on Bumble's virtual radio, the simulator's lock firmware, the gateway's durable report queue
and the sync client. The server trusts the simulator's factory authority, which vouches for
the server's own key, as a real operator's deployment would be set up.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bumble.link import LocalLink

from firmware_sim.fleet import Fleet
from firmware_sim.radio_hub import attach_controller
from gateway import operations
from gateway.ble.radio import Radio
from gateway.operations import OperationContext, StaffAccess
from gateway.report_queue import ReportQueue
from gateway.sync_client import SyncClient
from lock_protocol.crypto import SigningKey
from server.app import create_app
from server.clock import Clock
from tests.conftest import api_client
from tests.integration.gateway.gateway_world import TEST_ANSWER_TIMEOUT_S, TEST_WAKE_TIMEOUT_S
from tests.integration.lock_visit import COMPLETION, booked_order, transition, trusting
from tests.integration.sim.sim_driver import TEST_TIMING
from tests.integration.world import make_world

pytestmark = pytest.mark.ble


async def test_ticket_pair_report_upload_complete_and_remove(
    link: LocalLink, radio: Radio, queue: ReportQueue, tmp_path: Path, settings
) -> None:
    fleet = await Fleet.start(
        tmp_path / "sim", 1, lambda name: attach_controller(link, name), timing=TEST_TIMING
    )
    try:
        app = create_app(trusting(settings, fleet.authority), clock=Clock())
        async with api_client(app) as http:
            world = await make_world()
            fitter = world["fitter_1"]
            soon = datetime.now(UTC).isoformat()  # booked for now: its window is open
            order_id = await booked_order(http, world, "installation", planned_start=soon)
            issued = await http.post(
                f"/api/orders/{order_id}/pairing-ticket", headers=fitter.headers
            )
            assert issued.status_code == 201, issued.text
            ctx = OperationContext(
                radio=radio,
                factory_authority_public_key=fleet.authority_public_key,
                queue=queue,
                wake_timeout_s=TEST_WAKE_TIMEOUT_S,
                answer_timeout_s=TEST_ANSWER_TIMEOUT_S,
            )
            lock = fleet.locks[0]
            await lock.press_button()
            pairing = await operations.pair(
                ctx, lock.serial, bytes.fromhex(issued.json()["ticket"])
            )
            assert pairing.customer_id == world.ids["customer_a"]

            sync = SyncClient(http=http, headers=fitter.headers, device="gateway-e2e")
            uploaded = await queue.upload(sync)
            assert uploaded.uploaded == [pairing.queued_id] and not uploaded.rejected

            staff = SigningKey(os.urandom(32))
            granted = await http.post(
                f"/api/orders/{order_id}/staff-credential",
                json={"staff_public_key": staff.public_key.hex(), "serial": lock.serial},
                headers=fitter.headers,
            )
            assert granted.status_code == 201, granted.text
            grant = granted.json()
            assert grant["lock_id"] == pairing.lock_id
            await lock.touch()
            reading = await operations.battery(
                ctx,
                lock.serial,
                StaffAccess(staff, bytes.fromhex(grant["credential"])),
                server_nonce=bytes.fromhex(grant["server_nonce"]),
            )
            uploaded = await queue.upload(sync)
            assert uploaded.uploaded == [reading.queued_id] and not uploaded.rejected

            listed = await http.get(
                "/api/locks",
                params={"customer_id": world.ids["customer_a"], "state": "installed"},
                headers=fitter.headers,
            )
            shown = next(i for i in listed.json()["items"] if i["serial"] == lock.serial)
            assert shown["verified_by_lock"] is True
            assert shown["battery_percent"] == reading.percent
            assert shown["battery_millivolts"] == reading.voltage_mv
            assert shown["firmware"] == reading.firmware

            done = await transition(
                http, fitter, order_id, action="complete", completion=COMPLETION
            )
            assert done.status_code == 201, done.text
            order = await http.get(f"/api/orders/{order_id}", headers=fitter.headers)
            assert order.json()["status"] == "done"
            assert order.json()["lock_id"] == shown["id"]

            # Later the lock is taken away: a removal order, an unbind token, the lock's
            # signed unpair receipt uploaded, and the server knows it is no longer paired.
            removal = await booked_order(
                http, world, "removal", lock_id=shown["id"], planned_start=soon
            )
            granted = await http.post(
                f"/api/orders/{removal}/staff-credential",
                json={"staff_public_key": staff.public_key.hex(), "serial": lock.serial},
                headers=fitter.headers,
            )
            assert "UNPAIR" in granted.json()["commands"]
            unbind = await http.post(
                f"/api/orders/{removal}/unbind-token",
                json={"serial": lock.serial},
                headers=fitter.headers,
            )
            assert unbind.status_code == 201, unbind.text
            assert unbind.json()["pairing_id"] == pairing.pairing_id
            await lock.touch()
            unpaired = await operations.unpair(
                ctx,
                lock.serial,
                StaffAccess(staff, bytes.fromhex(granted.json()["credential"])),
                bytes.fromhex(unbind.json()["token"]),
            )
            assert not lock.core.paired
            uploaded = await queue.upload(sync)
            assert uploaded.uploaded == [unpaired.queued_id] and not uploaded.rejected
            after = await http.get(f"/api/locks/{shown['id']}", headers=fitter.headers)
            assert after.json()["state"] == "removed"
            again = await http.post(
                f"/api/orders/{removal}/unbind-token",
                json={"serial": lock.serial},
                headers=fitter.headers,
            )
            assert again.status_code == 409 and again.json()["code"] == "lock_pairing_unknown"
    finally:
        await fleet.close()

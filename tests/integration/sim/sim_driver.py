"""The gateway's side of the lock protocol over real bleak, for the simulator's tests.

Built only from the gateway's own product code: `gateway.lock_client.LockSession` (over
`LockLink`, bleak over Bumble) runs the secure session; this module adds a stand-in server and
short lock timings. Nothing is mocked.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from firmware_sim.fleet import Fleet
from firmware_sim.lock import LockTiming, SimLock
from gateway.ble.connection import LockRegistry
from gateway.ble.radio import Radio
from gateway.lock_client import LockSession, open_session
from lock_protocol.client import CommandClient
from lock_protocol.codes import Command
from lock_protocol.credentials import (
    StaffCredential,
    issue_operator_certificate,
    issue_staff_credential,
)
from lock_protocol.crypto import SigningKey, lock_id_for
from lock_protocol.pairing import VerifiedPairing, issue_pairing_ticket

# Shortened so that the suite stays fast; the production values are the named constants in
# firmware_sim.lock. The beacon stays slow relative to awake advertising, as on a real lock.
TEST_TIMING = LockTiming(
    beacon_interval_ms=100.0,
    awake_interval_ms=20.0,
    wake_window_s=0.4,
    linger_after_disconnect_s=0.2,
    drop_link_outage_s=0.2,
)

StartFleet = Callable[..., Awaitable[Fleet]]

# One answer from the lock: milliseconds on the virtual radio; the bound only stops a hang.
ANSWER_TIMEOUT_S = 3.0
ALL_COMMANDS = frozenset(Command)


class TestServer:
    """Stands in for the Lockwork server: signs tickets and staff credentials."""

    __test__ = False

    def __init__(self, authority: SigningKey) -> None:
        self.key = SigningKey(os.urandom(32))
        self.authority_public_key = authority.public_key
        self.operator_certificate = issue_operator_certificate(
            authority, self.key.public_key, "Test fitters AB"
        )

    def ticket(self) -> bytes:
        return issue_pairing_ticket(
            self.key,
            operator_certificate=self.operator_certificate,
            organisation_id=str(uuid.uuid4()),
            customer_id=str(uuid.uuid4()),
            fitter_id=str(uuid.uuid4()),
            server_nonce=os.urandom(16),
            issued_at=int(time.time()),
        )

    def credential(
        self, lock_id: bytes, staff: SigningKey, commands: frozenset[Command] = ALL_COMMANDS
    ) -> bytes:
        now = int(time.time())
        return issue_staff_credential(
            self.key,
            StaffCredential(
                credential_id=os.urandom(16),
                lock_id=lock_id,
                staff_public_key=staff.public_key,
                valid_from=now - 600,
                valid_to=now + 3600,
                allowed_commands=commands,
                epoch=0,
            ),
        )


@asynccontextmanager
async def secure_session(
    radio: Radio,
    registry: LockRegistry,
    lock: SimLock,
    authority_public_key: bytes,
    *,
    touch: bool = True,
) -> AsyncIterator[LockSession]:
    """Touch the lock, connect with the gateway's LockLink, run the session handshake."""
    if touch:
        await lock.touch()
    async with open_session(
        radio,
        registry,
        address=lock.address,
        factory_authority_public_key=authority_public_key,
        answer_timeout_s=ANSWER_TIMEOUT_S,
    ) as secure:
        yield secure


async def pair(secure: LockSession, lock: SimLock, server: TestServer) -> VerifiedPairing:
    await lock.press_button()
    return (await secure.pair(server.ticket())).verified


def staff_client(secure: LockSession, server: TestServer, **kwargs: Any) -> CommandClient:
    staff = SigningKey(os.urandom(32))
    public_key = secure.certificate.public_key
    return CommandClient(
        staff,
        server.credential(lock_id_for(public_key), staff, **kwargs),
        lock_public_key=public_key,
    )

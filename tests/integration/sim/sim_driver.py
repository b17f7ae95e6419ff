"""The gateway's side of the lock protocol over real bleak, for the simulator's tests.

Built only from the gateway's own pieces: `LockLink` (bleak over Bumble) moves the bytes,
`gateway.protocol` (ClientHandshake, CommandClient, PairingClient, fragment/Reassembler) does
the protocol. Nothing is mocked. The gateway's own lock client will replace this.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from firmware_sim.fleet import Fleet
from firmware_sim.lock import LockTiming, SimLock
from gateway.ble.connection import LockLink, LockRegistry
from gateway.ble.errors import LinkLost
from gateway.ble.radio import Radio
from gateway.protocol.client import CommandClient
from gateway.protocol.codes import Command, MessageType
from gateway.protocol.credentials import (
    FactoryCertificate,
    StaffCredential,
    issue_operator_certificate,
    issue_staff_credential,
)
from gateway.protocol.crypto import SigningKey, lock_id_for
from gateway.protocol.encoding import Frame, Reassembler, fragment
from gateway.protocol.gatt import CONTROL_POINT, EVENT
from gateway.protocol.messages import Receipt
from gateway.protocol.pairing import PairingClient, VerifiedPairing, issue_pairing_ticket
from gateway.protocol.session import ClientHandshake, SecureChannel
from gateway.protocol.timing import ATT_HEADER_BYTES

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


@dataclass
class SecureLink:
    """A secure session over one `LockLink`: handshake, then sealed frames both ways."""

    link: LockLink
    authority_public_key: bytes
    channel: SecureChannel | None = None
    certificate: FactoryCertificate | None = None

    def __post_init__(self) -> None:
        self._reassembler = Reassembler()
        self._frames: asyncio.Queue[bytes] = asyncio.Queue()

    def _on_notify(self, chunk: bytes) -> None:
        frame = self._reassembler.feed(chunk)
        if frame is not None:
            self._frames.put_nowait(frame)

    async def _send(self, frame_bytes: bytes) -> None:
        for chunk in fragment(frame_bytes, self.link.mtu_size - ATT_HEADER_BYTES):
            await self.link.write(str(CONTROL_POINT), chunk)

    async def _receive(self, timeout_s: float = ANSWER_TIMEOUT_S) -> bytes:
        async with asyncio.timeout(timeout_s):
            return await _receive_or_link_lost(self.link, self._frames)

    async def open(self) -> FactoryCertificate:
        await self.link.start_notify(str(EVENT), self._on_notify)
        handshake = ClientHandshake(
            os.urandom, factory_authority_public_key=self.authority_public_key
        )
        await self._send(handshake.hello())
        self.channel, self.certificate = handshake.finish(await self._receive())
        return self.certificate

    async def exchange(self, inner: Frame, timeout_s: float = ANSWER_TIMEOUT_S) -> Frame:
        assert self.channel is not None
        await self._send(self.channel.seal(inner))
        return self.channel.open(await self._receive(timeout_s))

    async def pair(self, ticket: bytes) -> VerifiedPairing:
        client = PairingClient(
            ticket, factory_authority_public_key=self.authority_public_key, rng=os.urandom
        )
        challenge = await self.exchange(Frame(MessageType.PAIR_BEGIN, client.begin()))
        assert challenge.type is MessageType.PAIR_CHALLENGE, challenge
        finish = Frame(MessageType.PAIR_FINISH, client.on_challenge(challenge.payload))
        receipt = await self.exchange(finish)
        assert receipt.type is MessageType.PAIR_RECEIPT, receipt
        return client.on_receipt(receipt.payload, time.time())

    async def command(
        self,
        client: CommandClient,
        command: Command,
        args: bytes = b"",
        timeout_s: float = ANSWER_TIMEOUT_S,
    ) -> Receipt:
        nonce = await self.exchange(client.nonce_request(), timeout_s)
        frame, pending = client.command(nonce, command, time.time(), os.urandom, args)
        return client.verify_receipt(await self.exchange(frame, timeout_s), pending)


# How often a wait for an answer checks whether the link is still up (LockLink notices a lost
# link itself only inside its own request helper).
LINK_POLL_S = 0.01


async def _receive_or_link_lost(link: LockLink, frames: asyncio.Queue[bytes]) -> bytes:
    while True:
        try:
            return await asyncio.wait_for(frames.get(), LINK_POLL_S)
        except TimeoutError:
            if not link.is_connected:
                raise LinkLost("the link dropped while waiting for the lock's answer") from None


@asynccontextmanager
async def secure_session(
    radio: Radio,
    registry: LockRegistry,
    lock: SimLock,
    authority_public_key: bytes,
    *,
    touch: bool = True,
) -> AsyncIterator[SecureLink]:
    """Touch the lock, connect with the gateway's LockLink, run the session handshake."""
    if touch:
        await lock.touch()
    async with LockLink(radio, registry, address=lock.address) as link:
        secure = SecureLink(link, authority_public_key)
        await secure.open()
        yield secure


async def pair(secure: SecureLink, lock: SimLock, server: TestServer) -> VerifiedPairing:
    await lock.press_button()
    return await secure.pair(server.ticket())


def staff_client(secure: SecureLink, server: TestServer, **kwargs: Any) -> CommandClient:
    assert secure.certificate is not None
    staff = SigningKey(os.urandom(32))
    public_key = secure.certificate.public_key
    return CommandClient(
        staff,
        server.credential(lock_id_for(public_key), staff, **kwargs),
        lock_public_key=public_key,
    )

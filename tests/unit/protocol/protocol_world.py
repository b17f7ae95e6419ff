"""Shared test helpers: deterministic randomness and a paired lock with its server and staff."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from lock_protocol.client import CommandClient, PendingCommand, sign_command
from lock_protocol.codes import Command, MessageType
from lock_protocol.credentials import (
    StaffCredential,
    credential_hash,
    issue_operator_certificate,
    issue_staff_credential,
)
from lock_protocol.crypto import SigningKey
from lock_protocol.encoding import Frame
from lock_protocol.lock_core import Authorization, LockCore, manufacture
from lock_protocol.messages import NonceChallenge
from lock_protocol.pairing import PairingClient, VerifiedPairing, issue_pairing_ticket

T0 = 1_790_000_000.0  # a fixed "now" (2026-09-21), far from any edge
ORG_ID = "0f1e2d3c-4b5a-4978-8877-665544332211"
CUSTOMER_ID = "7d9f2c1e-3b4a-4c5d-9e8f-0a1b2c3d4e5f"
FITTER_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
ALL_COMMANDS = frozenset(Command)


class DeterministicRandom:
    """A reproducible random-bytes source (SHA-256 in counter mode over a seed)."""

    def __init__(self, seed: bytes | str) -> None:
        self._seed = seed.encode() if isinstance(seed, str) else seed
        self._counter = 0

    def __call__(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            block = self._counter.to_bytes(8, "big")
            out += hashlib.sha256(self._seed + block).digest()
            self._counter += 1
        return out[:size]


def key(name: str) -> SigningKey:
    return SigningKey(hashlib.sha256(name.encode()).digest())


@dataclass
class Store:
    """The persist callback: remembers every write; can be told to fail."""

    writes: list[bytes] = field(default_factory=list)
    fail: bool = False

    def __call__(self, data: bytes) -> None:
        if self.fail:
            raise OSError("flash write failed")
        self.writes.append(data)


class World:
    """A factory authority, a server, a staff device and one lock, optionally paired."""

    def __init__(self, name: str = "lock-1", serial: str = "LW2026A0001F", paired: bool = True):
        self.rng = DeterministicRandom(name)
        self.authority = key("factory-authority")
        self.server = key("server")
        self.staff = key("staff-" + name)
        self.store = Store()
        self.state0 = manufacture(serial, self.authority, self.rng)
        self.core = LockCore(self.state0, self.store)
        self.verified_pairing: VerifiedPairing | None = None
        if paired:
            self.pair(T0)

    @property
    def lock_id(self) -> bytes:
        return self.core.lock_id

    def ticket(
        self,
        now: float,
        server: SigningKey | None = None,
        lifetime: int = 600,
        vouched_by: SigningKey | None = None,
    ) -> bytes:
        signer = server or self.server
        return issue_pairing_ticket(
            signer,
            operator_certificate=issue_operator_certificate(
                vouched_by or self.authority, signer.public_key, "Låsmontörerna AB"
            ),
            organisation_id=ORG_ID,
            customer_id=CUSTOMER_ID,
            fitter_id=FITTER_ID,
            server_nonce=self.rng(16),
            issued_at=int(now),
            lifetime_seconds=lifetime,
        )

    def pair(self, now: float) -> VerifiedPairing:
        ticket = self.ticket(now)
        self.core.open_pairing_window(now)
        client = PairingClient(
            ticket, factory_authority_public_key=self.authority.public_key, rng=self.rng
        )
        challenge = self.core.pair_begin(client.begin(), now, self.rng)
        receipt = self.core.pair_finish(client.on_challenge(challenge.payload), now)
        self.verified_pairing = client.on_receipt(receipt.payload, now)
        return self.verified_pairing

    def credential(
        self,
        *,
        now: float = T0,
        commands: frozenset[Command] = ALL_COMMANDS,
        valid_from: float | None = None,
        valid_to: float | None = None,
        epoch: int = 0,
        lock_id: bytes | None = None,
        signer: SigningKey | None = None,
        staff: SigningKey | None = None,
    ) -> bytes:
        credential = StaffCredential(
            credential_id=self.rng(16),
            lock_id=lock_id or self.lock_id,
            staff_public_key=(staff or self.staff).public_key,
            valid_from=int(now - 3600 if valid_from is None else valid_from),
            valid_to=int(now + 3600 if valid_to is None else valid_to),
            allowed_commands=commands,
            epoch=epoch,
        )
        return issue_staff_credential(signer or self.server, credential)

    def client(self, credential: bytes, staff: SigningKey | None = None) -> CommandClient:
        return CommandClient(staff or self.staff, credential, lock_public_key=self.core.public_key)

    def request(
        self,
        credential: bytes,
        command: Command,
        now: float,
        *,
        args: bytes = b"",
        staff: SigningKey | None = None,
    ) -> tuple[Frame, PendingCommand, CommandClient]:
        """NONCE_REQUEST -> NONCE -> a signed COMMAND frame (not yet sent to the lock).

        Signs with `sign_command` directly, bypassing the client's own guards (it refuses to
        sign for a lock its credential is not for), so that tests can attack the lock.
        """
        client = self.client(credential, staff)
        nonce = self.core.handle(client.nonce_request(), now, self.rng)
        assert isinstance(nonce, Frame) and nonce.type is MessageType.NONCE
        challenge = NonceChallenge.decode(nonce.payload)
        client_nonce = self.rng(16)
        request = sign_command(
            staff or self.staff,
            credential,
            lock_id=challenge.lock_id,
            lock_nonce=challenge.lock_nonce,
            client_nonce=client_nonce,
            command=command,
            args=args,
        )
        pending = PendingCommand(
            command=command,
            lock_nonce=challenge.lock_nonce,
            client_nonce=client_nonce,
            credential_hash=credential_hash(credential),
            lock_time=challenge.lock_time,
            clock_offset=challenge.lock_time - now,
        )
        return Frame(MessageType.COMMAND, request.encode()), pending, client

    def run(
        self, credential: bytes, command: Command, now: float, *, args: bytes = b""
    ) -> Frame | Authorization:
        frame, _pending, _client = self.request(credential, command, now, args=args)
        return self.core.handle(frame, now, self.rng)

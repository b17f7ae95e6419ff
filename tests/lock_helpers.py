"""Locks for server tests: the real lock firmware core (`lock_protocol.lock_core`), in memory.

No radio here (tests/integration/gateway does that); these make genuinely signed reports and
pairing receipts, so the server's verifier is tested against what a lock really sends.
"""

from __future__ import annotations

import os

from lock_protocol.client import CommandClient
from lock_protocol.codes import Command
from lock_protocol.credentials import issue_operator_certificate
from lock_protocol.crypto import SigningKey
from lock_protocol.encoding import Frame
from lock_protocol.lock_core import Authorization, LockCore, manufacture
from lock_protocol.pairing import PairingClient
from lock_protocol.reports import ReportValues

OPERATOR_NAME = "Test fitters AB"


def operator_certificate(authority: SigningKey, server_public_key: bytes) -> bytes:
    return issue_operator_certificate(authority, server_public_key, OPERATOR_NAME)


class SimulatedLock:
    """One lock from a factory authority: pair it with a ticket, ask it for signed reports."""

    def __init__(self, authority: SigningKey, serial: str) -> None:
        self.authority = authority
        self.serial = serial
        self.writes: list[bytes] = []
        self.core = LockCore(manufacture(serial, authority, os.urandom), self.writes.append)

    @property
    def lock_id(self) -> bytes:
        return self.core.lock_id

    @property
    def public_key(self) -> bytes:
        return self.core.public_key

    def pair(self, ticket: bytes, now: float) -> bytes:
        """Press the button and pair under `ticket`; returns the signed pairing receipt."""
        self.core.open_pairing_window(now)
        client = PairingClient(
            ticket, factory_authority_public_key=self.authority.public_key, rng=os.urandom
        )
        challenge = self.core.pair_begin(client.begin(), now, os.urandom)
        receipt = self.core.pair_finish(client.on_challenge(challenge.payload), now)
        client.on_receipt(receipt.payload, now)
        return receipt.payload

    def report(
        self, server_nonce: bytes, now: float, *, percent: int = 80, firmware: str = "2.1.0"
    ) -> bytes:
        """A signed report (what READ_REPORT returns); its counter grows with every call."""
        millivolts = 2600 + 10 * percent
        return self.core.make_report(server_nonce, now, ReportValues(millivolts, percent, firmware))

    def unpair(self, staff: SigningKey, credential: bytes, token: bytes, now: float) -> bytes:
        """Run UNPAIR with a staff credential and unbind token; returns the signed receipt."""
        client = CommandClient(staff, credential, lock_public_key=self.public_key)
        nonce = self.core.handle(client.nonce_request(), now, os.urandom)
        assert isinstance(nonce, Frame)
        request, _pending = client.command(nonce, Command.UNPAIR, now, os.urandom, token)
        auth = self.core.handle(request, now, os.urandom)
        assert isinstance(auth, Authorization), auth
        return self.core.complete(auth, now).payload

    def upload_args(
        self, kind: str, data: bytes, *, server_nonce: bytes | None = None, ticket: bytes | None
    ) -> dict[str, object]:
        """The `lock_report.add` arguments a gateway sends (gateway.report_queue)."""
        return {
            "kind": kind,
            "serial": self.serial,
            "lock_id": self.lock_id.hex(),
            "data": data.hex(),
            "server_nonce": server_nonce.hex() if server_nonce is not None else None,
            "ticket": ticket.hex() if ticket is not None else None,
            "queued_at": 0.0,
        }

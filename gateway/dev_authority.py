"""DEVELOPMENT ONLY: a stand-in for the Lockwork server's signing key, for tests and the demo.

In production the server issues pairing tickets, staff credentials and unbind tokens for the
orders assigned to a fitter (issue 5). Until that exists, this module signs them from a key kept
in a folder, so that the gateway can be exercised against the simulator:

    python -m gateway.dev_authority init --dir var/dev-authority
        -> prints the development server's public key (hex)
    lockwork-sim operator-cert --server-public-key <that hex> > var/dev-authority/operator.cert
        (the simulator's factory authority vouches for the key, so its locks accept tickets)
    python -m gateway.dev_authority ticket --dir var/dev-authority > ticket.hex
    python -m gateway.dev_authority credential --dir var/dev-authority \\
        --lock-id <hex, from lockwork-gateway pair> --staff-public-key <lockwork-gateway key>
    python -m gateway.dev_authority unbind --dir var/dev-authority --lock-id .. --pairing-id ..

Never use it for real locks: the key sits in a plain file and everything is allowed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from lock_protocol.codes import Command
from lock_protocol.credentials import (
    StaffCredential,
    issue_staff_credential,
    issue_unbind_token,
)
from lock_protocol.crypto import NONCE_BYTES, PRIVATE_KEY_BYTES, SigningKey
from lock_protocol.pairing import issue_pairing_ticket

KEY_FILE: Final = "server.key"
OPERATOR_CERT_FILE: Final = "operator.cert"
ALL_COMMANDS: Final = frozenset(Command)
# A development credential covers a working day from an hour ago (clock differences between
# laptop and simulator are then harmless); the protocol's maximum is 24 h.
CREDENTIAL_BACKDATE_S: Final = 3600
CREDENTIAL_LIFETIME_S: Final = 8 * 3600
# Tickets and unbind tokens get the protocol's maximum lifetime, 10 minutes.
TOKEN_LIFETIME_S: Final = 600


@dataclass(frozen=True)
class DevAuthority:
    """A development server key and the operator certificate that vouches for it."""

    key: SigningKey
    operator_certificate: bytes

    @property
    def public_key(self) -> bytes:
        return self.key.public_key

    @staticmethod
    def load_or_create_key(folder: Path) -> SigningKey:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / KEY_FILE
        if path.exists():
            return SigningKey(bytes.fromhex(path.read_text().strip()))
        key = SigningKey(os.urandom(PRIVATE_KEY_BYTES))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(key.seed.hex() + "\n")
        return key

    @classmethod
    def load(cls, folder: Path) -> DevAuthority:
        key = cls.load_or_create_key(folder)
        cert_path = folder / OPERATOR_CERT_FILE
        if not cert_path.exists():
            raise SystemExit(
                f"No operator certificate in {cert_path}. Run: lockwork-sim operator-cert "
                f"--server-public-key {key.public_key.hex()} > {cert_path}"
            )
        return cls(key, bytes.fromhex(cert_path.read_text().strip()))

    def ticket(
        self,
        *,
        organisation_id: str | None = None,
        customer_id: str | None = None,
        fitter_id: str | None = None,
        server_nonce: bytes | None = None,
        issued_at: int | None = None,
        lifetime_s: int = TOKEN_LIFETIME_S,
    ) -> bytes:
        return issue_pairing_ticket(
            self.key,
            operator_certificate=self.operator_certificate,
            organisation_id=organisation_id or str(uuid.uuid4()),
            customer_id=customer_id or str(uuid.uuid4()),
            fitter_id=fitter_id or str(uuid.uuid4()),
            server_nonce=server_nonce or os.urandom(NONCE_BYTES),
            issued_at=int(time.time()) if issued_at is None else issued_at,
            lifetime_seconds=lifetime_s,
        )

    def credential(
        self,
        lock_id: bytes,
        staff_public_key: bytes,
        commands: frozenset[Command] = ALL_COMMANDS,
        *,
        valid_from: int | None = None,
        valid_to: int | None = None,
        epoch: int = 0,
    ) -> bytes:
        now = int(time.time())
        start = now - CREDENTIAL_BACKDATE_S if valid_from is None else valid_from
        return issue_staff_credential(
            self.key,
            StaffCredential(
                credential_id=os.urandom(16),
                lock_id=lock_id,
                staff_public_key=staff_public_key,
                valid_from=start,
                valid_to=start + CREDENTIAL_LIFETIME_S if valid_to is None else valid_to,
                allowed_commands=commands,
                epoch=epoch,
            ),
        )

    def unbind_token(self, lock_id: bytes, pairing_id: bytes) -> bytes:
        return issue_unbind_token(self.key, lock_id, pairing_id, int(time.time()), TOKEN_LIFETIME_S)


def _hex(value: str) -> bytes:
    try:
        return bytes.fromhex(value.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected hex") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gateway.dev_authority",
        description="DEVELOPMENT ONLY: sign tickets, credentials and unbind tokens for the "
        "simulator with a development server key.",
    )
    parser.add_argument("--dir", type=Path, required=True, help="folder of the dev server key")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create the key (once) and print its public key")
    commands.add_parser("ticket", help="print a pairing ticket (hex), valid 10 minutes")
    credential = commands.add_parser("credential", help="print a staff credential (hex)")
    credential.add_argument("--lock-id", type=_hex, required=True)
    credential.add_argument("--staff-public-key", type=_hex, required=True)
    credential.add_argument(
        "--commands",
        default=",".join(sorted(c.name for c in ALL_COMMANDS)),
        help="comma-separated command names (default: all)",
    )
    unbind = commands.add_parser("unbind", help="print an unbind token (hex), valid 10 minutes")
    unbind.add_argument("--lock-id", type=_hex, required=True)
    unbind.add_argument("--pairing-id", type=_hex, required=True)
    args = parser.parse_args(argv)
    if args.command == "init":
        print(DevAuthority.load_or_create_key(args.dir).public_key.hex())
        return 0
    authority = DevAuthority.load(args.dir)
    if args.command == "ticket":
        print(authority.ticket().hex())
    elif args.command == "credential":
        names = [n.strip().upper() for n in args.commands.split(",") if n.strip()]
        unknown = [n for n in names if n not in Command.__members__]
        if unknown:
            parser.error(f"unknown commands {unknown}; known: {sorted(Command.__members__)}")
        chosen = frozenset(Command[n] for n in names)
        print(authority.credential(args.lock_id, args.staff_public_key, chosen).hex())
    else:
        print(authority.unbind_token(args.lock_id, args.pairing_id).hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())

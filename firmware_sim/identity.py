"""Factory identity of the simulated fleet: the factory authority key and lock serials.

The authority's Ed25519 seed is created once per data folder and kept in a file only its
owner can read (a real factory keeps it in an HSM). Its public key is exported as hex for the
server, which trusts lock certificates and operator certificates signed by it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from firmware_sim.errors import StoreCorruptError
from firmware_sim.store import atomic_write
from lock_protocol.credentials import issue_operator_certificate
from lock_protocol.crypto import PRIVATE_KEY_BYTES, SigningKey
from lock_protocol.errors import MalformedError

AUTHORITY_KEY_FILE: Final = "factory_authority.key"
AUTHORITY_PUBLIC_FILE: Final = "factory_authority.pub"
# Serials: "LWS" + 9 characters of the RFC 4648 base32 alphabet (no 0/1/8/9, so no O/I/B
# look-alikes on a label). The last six are the short serial in the advert.
SERIAL_PREFIX: Final = "LWS"
SERIAL_RANDOM_CHARS: Final = 9
_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def load_or_create_authority(data_dir: Path) -> SigningKey:
    """The fleet's factory authority; created on first use, then always the same."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_path = data_dir / AUTHORITY_KEY_FILE
    if key_path.exists():
        try:
            seed = bytes.fromhex(key_path.read_text().strip())
            authority = SigningKey(seed)
        except (ValueError, OSError, MalformedError) as exc:
            raise StoreCorruptError(f"{key_path} is not a hex 32-byte Ed25519 seed") from exc
    else:
        authority = SigningKey(os.urandom(PRIVATE_KEY_BYTES))
        atomic_write(key_path, authority.seed.hex().encode() + b"\n", mode=0o600)
    atomic_write(data_dir / AUTHORITY_PUBLIC_FILE, authority.public_key.hex().encode() + b"\n")
    return authority


def new_serial(taken: set[str]) -> str:
    """A fresh serial whose short serial (last six characters) is unique in the fleet."""
    taken_short = {s[-6:] for s in taken}
    while True:
        tail = "".join(_ALPHABET[b % len(_ALPHABET)] for b in os.urandom(SERIAL_RANDOM_CHARS))
        serial = SERIAL_PREFIX + tail
        if serial[-6:] not in taken_short:
            return serial


def operator_certificate(authority: SigningKey, server_public_key: bytes, operator: str) -> bytes:
    """Vouch for a server key so that it may pair this fleet's locks (for the demo server)."""
    return issue_operator_certificate(authority, server_public_key, operator)

"""The server as the locks' authority: its signing key, the factories it trusts, its voucher.

The signing key is derived from the server's secret key with HKDF (``SecretBox.derive``), not
generated and stored in the database like the VAPID keys. Why: the factory authority must sign
an operator certificate for exactly this key before any lock accepts a ticket, so the operator
needs the public key before the first start and it must never change behind their back. A
derived key is known from the configuration alone (every instance agrees without a race, no
database row can be lost or restored to an old one), and it changes only with the secret key,
which is not rotated casually because it also seals the personal identity numbers.

Settings (README): ``LOCKWORK_LOCK_FACTORY_AUTHORITIES`` (comma-separated public keys) and
``LOCKWORK_LOCK_OPERATOR_CERTIFICATE``; each value is hex or the path of a file holding hex.
A certificate that does not vouch for this server's key stops the start with the key to use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from lock_protocol.credentials import OperatorCertificate, verify_operator_certificate
from lock_protocol.crypto import PUBLIC_KEY_BYTES, SigningKey, constant_time_equal
from lock_protocol.errors import ProtocolError
from server.errors import ConfigurationError
from server.secrets_box import SecretBox
from server.settings import Settings

SIGNING_KEY_PURPOSE: Final = b"lockwork/lock-statement-signing-key/v1"
SEED_BYTES: Final = 32


@dataclass(frozen=True)
class LockAuthority:
    key: SigningKey
    factory_authorities: tuple[bytes, ...]
    operator_certificate: bytes | None
    operator: str | None

    @property
    def public_key(self) -> bytes:
        return self.key.public_key


def server_signing_key(box: SecretBox) -> SigningKey:
    return SigningKey(box.derive(SIGNING_KEY_PURPOSE, SEED_BYTES))


def _hex_or_file(value: str, setting: str) -> bytes:
    text = value.strip()
    try:
        return bytes.fromhex(text)
    except ValueError:
        pass
    path = Path(text)
    if not path.is_file():
        raise ConfigurationError(
            f"{setting}: '{text}' is neither hex nor a readable file. Give the value in hex or "
            "the path of a file that holds it."
        )
    try:
        return bytes.fromhex(path.read_text().strip())
    except ValueError:
        raise ConfigurationError(f"{setting}: the file {path} does not hold hex.") from None


def load_lock_authority(settings: Settings, box: SecretBox) -> LockAuthority:
    """Read and check the lock settings; refuses to start on anything inconsistent."""
    key = server_signing_key(box)
    authorities: list[bytes] = []
    for part in settings.lock_factory_authorities.split(","):
        if not part.strip():
            continue
        raw = _hex_or_file(part, "LOCKWORK_LOCK_FACTORY_AUTHORITIES")
        if len(raw) != PUBLIC_KEY_BYTES:
            raise ConfigurationError(
                "LOCKWORK_LOCK_FACTORY_AUTHORITIES: each factory authority is an Ed25519 public "
                f"key of {PUBLIC_KEY_BYTES} bytes ({2 * PUBLIC_KEY_BYTES} hex characters)."
            )
        authorities.append(raw)
    certificate: bytes | None = None
    vouched: OperatorCertificate | None = None
    if settings.lock_operator_certificate.strip():
        certificate = _hex_or_file(
            settings.lock_operator_certificate, "LOCKWORK_LOCK_OPERATOR_CERTIFICATE"
        )
        vouched = _vouching(certificate, authorities)
        if not constant_time_equal(vouched.server_public_key, key.public_key):
            raise ConfigurationError(
                "LOCKWORK_LOCK_OPERATOR_CERTIFICATE vouches for another server key "
                f"({vouched.server_public_key.hex()}), not this server's "
                f"({key.public_key.hex()}; it follows from LOCKWORK_SECRET_KEY). Ask the lock "
                "factory for an operator certificate for this key."
            )
    return LockAuthority(
        key=key,
        factory_authorities=tuple(authorities),
        operator_certificate=certificate,
        operator=vouched.operator if vouched else None,
    )


def _vouching(certificate: bytes, authorities: list[bytes]) -> OperatorCertificate:
    if not authorities:
        raise ConfigurationError(
            "LOCKWORK_LOCK_OPERATOR_CERTIFICATE is set but LOCKWORK_LOCK_FACTORY_AUTHORITIES is "
            "empty: name the factory authority that signed the certificate."
        )
    for authority in authorities:
        try:
            return verify_operator_certificate(certificate, authority)
        except ProtocolError:
            continue
    raise ConfigurationError(
        "LOCKWORK_LOCK_OPERATOR_CERTIFICATE is not signed by any of "
        "LOCKWORK_LOCK_FACTORY_AUTHORITIES (or it is damaged). Check both values."
    )

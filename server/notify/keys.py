"""The server's VAPID key pair: made on first start, kept in the database, shared by instances.

Several instances may start at once on one PostgreSQL database: each tries to insert a fresh
pair with ``ON CONFLICT DO NOTHING`` and then everyone reads the one that won, so all
instances sign with the same key and browsers' subscriptions stay valid.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.notify.tables import ServerKey
from server.secrets_box import SecretBox

VAPID_KEY_NAME = "vapid"
_SEAL_PURPOSE = b"lockwork/vapid-private-key/v1"
_NONCE_BYTES = 12


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    private_key: ec.EllipticCurvePrivateKey
    public_key_b64: str  # the uncompressed P-256 point, base64url: applicationServerKey

    @property
    def private_key_b64(self) -> str:
        """The raw private scalar, base64url (what py_vapid's ``from_string`` reads)."""
        number = self.private_key.private_numbers().private_value
        return b64url(number.to_bytes(32, "big"))


def _public_b64(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def _sealer(box: SecretBox) -> AESGCM:
    return AESGCM(box.derive(_SEAL_PURPOSE, 32))


async def ensure_vapid_keys(box: SecretBox) -> VapidKeys:
    """The stored key pair, created first if there is none."""
    row = await ServerKey.select().where(ServerKey.name == VAPID_KEY_NAME).first()
    if row is None:
        key = ec.generate_private_key(ec.SECP256R1())
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        nonce = os.urandom(_NONCE_BYTES)
        sealed = nonce + _sealer(box).encrypt(nonce, der, VAPID_KEY_NAME.encode())
        await ServerKey.insert(
            ServerKey(
                name=VAPID_KEY_NAME,
                public_key=_public_b64(key),
                private_key_sealed=base64.b64encode(sealed).decode(),
            )
        ).on_conflict(target=ServerKey.name, action="DO NOTHING")
        row = await ServerKey.select().where(ServerKey.name == VAPID_KEY_NAME).first()
        assert row is not None
    raw = base64.b64decode(row["private_key_sealed"])
    der = _sealer(box).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], VAPID_KEY_NAME.encode())
    private_key = serialization.load_der_private_key(der, password=None)
    assert isinstance(private_key, ec.EllipticCurvePrivateKey)
    return VapidKeys(private_key=private_key, public_key_b64=row["public_key"])

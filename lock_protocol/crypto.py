"""Thin wrappers over `cryptography` that raise `ProtocolError`s and take injected randomness.

Primitives: Ed25519 (identity and statements), X25519 (ephemeral key agreement),
HKDF-SHA256 (key derivation over transcript hashes), ChaCha20-Poly1305 (link encryption),
HMAC-SHA256 (pairing key confirmation), SHA-256 (hashes with domain tags).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lock_protocol.encoding import Tag, signing_input
from lock_protocol.errors import CryptoError, MalformedError

# The randomness source, injected so that the pure code never reads the OS and tests are
# reproducible. Production passes `os.urandom`.
RandomBytes = Callable[[int], bytes]

PUBLIC_KEY_BYTES: Final = 32
PRIVATE_KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64
NONCE_BYTES: Final = 16
HASH_BYTES: Final = 32
LOCK_ID_BYTES: Final = 16
AEAD_KEY_BYTES: Final = 32
AEAD_TAG_BYTES: Final = 16


def take_random(rng: RandomBytes, size: int) -> bytes:
    """Draw `size` bytes and check the source honoured the request."""
    value = rng(size)
    if len(value) != size:
        raise CryptoError(f"random source returned {len(value)} bytes, wanted {size}")
    return value


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def tagged_hash(tag: bytes, body: bytes) -> bytes:
    return sha256(signing_input(tag, body))


def lock_id_for(public_key: bytes) -> bytes:
    """A lock's id: a fingerprint of its factory public key, never of its serial or MAC."""
    return tagged_hash(Tag.LOCK_ID, public_key)[:LOCK_ID_BYTES]


class SigningKey:
    """An Ed25519 private key held as its 32-byte seed."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != PRIVATE_KEY_BYTES:
            raise MalformedError("Ed25519 seed must be 32 bytes")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.seed = bytes(seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @classmethod
    def generate(cls, rng: RandomBytes) -> SigningKey:
        return cls(take_random(rng, PRIVATE_KEY_BYTES))

    def sign(self, tag: bytes, body: bytes) -> bytes:
        return self._key.sign(signing_input(tag, body))


def verify_signature(public_key: bytes, signature: bytes, tag: bytes, body: bytes) -> None:
    """Raise `CryptoError` unless `signature` is `public_key`'s over (tag, body)."""
    if len(public_key) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        raise CryptoError("bad key or signature length")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, signing_input(tag, body))
    except (InvalidSignature, ValueError) as exc:
        raise CryptoError("signature does not verify") from exc


class EphemeralKey:
    """An X25519 key pair for one handshake; never persisted."""

    def __init__(self, private: bytes) -> None:
        if len(private) != PRIVATE_KEY_BYTES:
            raise MalformedError("X25519 private key must be 32 bytes")
        self._key = X25519PrivateKey.from_private_bytes(private)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @classmethod
    def generate(cls, rng: RandomBytes) -> EphemeralKey:
        return cls(take_random(rng, PRIVATE_KEY_BYTES))

    def exchange(self, peer_public: bytes) -> bytes:
        """Shared secret; refuses low-order peer points (all-zero output)."""
        if len(peer_public) != PUBLIC_KEY_BYTES:
            raise MalformedError("X25519 public key must be 32 bytes")
        try:
            shared = self._key.exchange(X25519PublicKey.from_public_bytes(peer_public))
        except ValueError as exc:
            raise CryptoError("key agreement failed (low-order point)") from exc
        if not any(shared):
            raise CryptoError("key agreement produced an all-zero secret")
        return shared


def hkdf(secret: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def hmac_sha256(key: bytes, tag: bytes, body: bytes) -> bytes:
    return hmac.new(key, signing_input(tag, body), hashlib.sha256).digest()


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def aead_seal(key: bytes, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    return ChaCha20Poly1305(key).encrypt(nonce, plaintext, associated_data)


def aead_open(key: bytes, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
    if len(ciphertext) < AEAD_TAG_BYTES:
        raise CryptoError("ciphertext shorter than its tag")
    try:
        return ChaCha20Poly1305(key).decrypt(nonce, ciphertext, associated_data)
    except InvalidTag as exc:
        raise CryptoError("AEAD tag does not verify") from exc

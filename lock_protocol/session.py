"""The encrypted link: a signed ephemeral handshake, then ChaCha20-Poly1305 frames.

    client -> lock  HELLO      {client X25519 public key, client random (16)}
    lock -> client  HELLO_ACK  {lock X25519 public key, lock random (16), factory certificate,
                                lock Ed25519 signature over the transcript hash}
    th   = H(tag, client eph || client random || lock eph || lock random || certificate)
    keys = HKDF-SHA256(X25519(eph, eph), salt=th, info=tag, 64) -> client->lock | lock->client

Then every frame is SEALED: payload = counter (8, BE) || ChaCha20-Poly1305(key of direction,
nonce = 4 zero bytes || counter, plaintext = inner frame bytes, AD = th || counter).
Counters start at 0 in each direction and must arrive strictly in order (received counter ==
expected), so a replayed, reordered, dropped-then-injected or cross-session frame fails.
Keys differ per direction and per session, so a (key, nonce) pair is never used twice.
Any failure closes the channel for good: the peer has to reconnect and handshake again.
The lock's signature lets the client refuse a man in the middle; the client is authenticated
per command by its staff credential, not here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import Enum
from typing import Final, Self

from lock_protocol.codes import MessageType
from lock_protocol.credentials import FactoryCertificate, verify_factory_certificate
from lock_protocol.crypto import (
    AEAD_KEY_BYTES,
    AEAD_TAG_BYTES,
    HASH_BYTES,
    NONCE_BYTES,
    PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES,
    EphemeralKey,
    RandomBytes,
    SigningKey,
    aead_open,
    aead_seal,
    constant_time_equal,
    hkdf,
    tagged_hash,
    take_random,
    verify_signature,
)
from lock_protocol.encoding import Frame, Reader, Tag, Writer
from lock_protocol.errors import (
    CryptoError,
    MalformedError,
    ProtocolError,
    SessionClosedError,
)

COUNTER_BYTES: Final = 8
MAX_COUNTER: Final = (1 << 64) - 1
MAX_CERTIFICATE_BYTES: Final = 256
# Frames that must never travel inside the encrypted envelope.
_CLEAR_ONLY: Final = frozenset({MessageType.HELLO, MessageType.HELLO_ACK, MessageType.SEALED})


class Role(Enum):
    CLIENT = "client"
    LOCK = "lock"


@dataclass(frozen=True, slots=True)
class Hello:
    client_ephemeral: bytes
    client_random: bytes

    def encode(self) -> bytes:
        return (
            Writer()
            .fixed(self.client_ephemeral, PUBLIC_KEY_BYTES)
            .fixed(self.client_random, NONCE_BYTES)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(reader.fixed(PUBLIC_KEY_BYTES), reader.fixed(NONCE_BYTES))
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class HelloAck:
    lock_ephemeral: bytes
    lock_random: bytes
    certificate: bytes
    signature: bytes

    def encode(self) -> bytes:
        return (
            Writer()
            .fixed(self.lock_ephemeral, PUBLIC_KEY_BYTES)
            .fixed(self.lock_random, NONCE_BYTES)
            .bytes_(self.certificate)
            .fixed(self.signature, SIGNATURE_BYTES)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(
            reader.fixed(PUBLIC_KEY_BYTES),
            reader.fixed(NONCE_BYTES),
            reader.bytes_(MAX_CERTIFICATE_BYTES),
            reader.fixed(SIGNATURE_BYTES),
        )
        reader.finish()
        return out


def session_transcript_hash(
    hello: Hello, lock_ephemeral: bytes, lock_random: bytes, cert: bytes
) -> bytes:
    body = (
        Writer()
        .fixed(hello.client_ephemeral, PUBLIC_KEY_BYTES)
        .fixed(hello.client_random, NONCE_BYTES)
        .fixed(lock_ephemeral, PUBLIC_KEY_BYTES)
        .fixed(lock_random, NONCE_BYTES)
        .bytes_(cert)
        .finish()
    )
    return tagged_hash(Tag.SESSION_TRANSCRIPT, body)


def _th_body(th: bytes) -> bytes:
    return Writer().fixed(th, HASH_BYTES).finish()


def _derive_keys(shared: bytes, th: bytes) -> tuple[bytes, bytes]:
    material = hkdf(shared, salt=th, info=Tag.SESSION_KEYS, length=2 * AEAD_KEY_BYTES)
    return material[:AEAD_KEY_BYTES], material[AEAD_KEY_BYTES:]


class SecureChannel:
    """One direction pair of AEAD state for one connection. Not thread-safe; one per link."""

    def __init__(self, role: Role, client_to_lock: bytes, lock_to_client: bytes, th: bytes) -> None:
        self.role = role
        self.session_id = th
        if role is Role.CLIENT:
            self._send_key, self._recv_key = client_to_lock, lock_to_client
        else:
            self._send_key, self._recv_key = lock_to_client, client_to_lock
        self._send_counter = 0
        self._recv_counter = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True
        # Drop the keys so that nothing can use them by mistake afterwards.
        self._send_key = b""
        self._recv_key = b""

    def _nonce_and_ad(self, counter: int) -> tuple[bytes, bytes]:
        counter_bytes = struct.pack(">Q", counter)
        return bytes(4) + counter_bytes, self.session_id + counter_bytes

    def seal(self, inner: Frame) -> bytes:
        """Encrypt one inner frame; returns the SEALED frame's bytes."""
        if self._closed:
            raise SessionClosedError("session closed")
        if inner.type in _CLEAR_ONLY:
            raise MalformedError(f"{inner.type.name} never travels sealed")
        if self._send_counter >= MAX_COUNTER:
            self.close()
            raise SessionClosedError("send counter exhausted")
        counter = self._send_counter
        nonce, ad = self._nonce_and_ad(counter)
        ciphertext = aead_seal(self._send_key, nonce, inner.encode(), ad)
        frame = Frame(MessageType.SEALED, struct.pack(">Q", counter) + ciphertext).encode()
        self._send_counter += 1  # only after success: a counter is never reused nor skipped
        return frame

    def open(self, data: bytes) -> Frame:
        """Decrypt one SEALED frame; any failure closes the channel and raises."""
        if self._closed:
            raise SessionClosedError("session closed")
        try:
            return self._open(data)
        except ProtocolError:
            self.close()
            raise

    def _open(self, data: bytes) -> Frame:
        outer = Frame.decode(data)
        if outer.type is not MessageType.SEALED:
            raise MalformedError("clear frame on an encrypted session")
        if len(outer.payload) < COUNTER_BYTES + AEAD_TAG_BYTES:
            raise MalformedError("sealed frame too short")
        (counter,) = struct.unpack_from(">Q", outer.payload, 0)
        if counter != self._recv_counter:
            raise CryptoError(f"frame counter {counter}, expected {self._recv_counter}")
        nonce, ad = self._nonce_and_ad(counter)
        plaintext = aead_open(self._recv_key, nonce, outer.payload[COUNTER_BYTES:], ad)
        inner = Frame.decode(plaintext)
        if inner.type in _CLEAR_ONLY:
            raise MalformedError(f"{inner.type.name} inside a sealed frame")
        self._recv_counter += 1
        return inner


class ClientHandshake:
    """The gateway's side of the session handshake."""

    def __init__(
        self,
        rng: RandomBytes,
        *,
        factory_authority_public_key: bytes,
        expected_lock_public_key: bytes | None = None,
    ) -> None:
        self._ephemeral = EphemeralKey.generate(rng)
        self._hello = Hello(self._ephemeral.public_key, take_random(rng, NONCE_BYTES))
        self._authority = factory_authority_public_key
        self._expected = expected_lock_public_key
        self._done = False
        # The lock's signed factory certificate as it came in HELLO_ACK, once it verified: the
        # gateway forwards it to a server that has not learnt this lock's key yet.
        self.certificate_bytes: bytes | None = None

    def hello(self) -> bytes:
        """HELLO frame bytes."""
        return Frame(MessageType.HELLO, self._hello.encode()).encode()

    def finish(self, hello_ack_frame: bytes) -> tuple[SecureChannel, FactoryCertificate]:
        """Check the lock's HELLO_ACK; return the channel and the lock's certificate."""
        if self._done:
            raise SessionClosedError("handshake already finished")
        self._done = True  # one attempt per handshake object, even on failure
        frame = Frame.decode(hello_ack_frame)
        if frame.type is not MessageType.HELLO_ACK:
            raise MalformedError("expected HELLO_ACK")
        ack = HelloAck.decode(frame.payload)
        certificate = verify_factory_certificate(ack.certificate, self._authority)
        if self._expected is not None and not constant_time_equal(
            certificate.public_key, self._expected
        ):
            raise CryptoError("lock is not the expected one")
        th = session_transcript_hash(
            self._hello, ack.lock_ephemeral, ack.lock_random, ack.certificate
        )
        verify_signature(certificate.public_key, ack.signature, Tag.SESSION_ACK, _th_body(th))
        c2l, l2c = _derive_keys(self._ephemeral.exchange(ack.lock_ephemeral), th)
        self.certificate_bytes = ack.certificate
        return SecureChannel(Role.CLIENT, c2l, l2c, th), certificate


def accept_session(
    hello_frame: bytes, *, lock_key: SigningKey, certificate: bytes, rng: RandomBytes
) -> tuple[bytes, SecureChannel]:
    """Lock side: answer a HELLO; returns (HELLO_ACK frame bytes, channel)."""
    frame = Frame.decode(hello_frame)
    if frame.type is not MessageType.HELLO:
        raise MalformedError("expected HELLO")
    hello = Hello.decode(frame.payload)
    ephemeral = EphemeralKey.generate(rng)
    lock_random = take_random(rng, NONCE_BYTES)
    shared = ephemeral.exchange(hello.client_ephemeral)
    th = session_transcript_hash(hello, ephemeral.public_key, lock_random, certificate)
    signature = lock_key.sign(Tag.SESSION_ACK, _th_body(th))
    c2l, l2c = _derive_keys(shared, th)
    ack = HelloAck(ephemeral.public_key, lock_random, certificate, signature)
    return Frame(MessageType.HELLO_ACK, ack.encode()).encode(), SecureChannel(
        Role.LOCK, c2l, l2c, th
    )

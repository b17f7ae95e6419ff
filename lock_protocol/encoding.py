"""Canonical encoding, frames, and fragmentation into ATT-sized chunks.

Canonical encoding (everything signed, and every message body on the wire):
    field := u16 big-endian length || bytes
    body  := field*   (fixed order per message type, no optional fields)
Integers are fixed-width big-endian inside their field; text is UTF-8. The reader checks every
length and refuses trailing bytes, so one value has exactly one encoding.

What is signed is never the bare body but `signing_input(tag, body)`:
    field(tag) || body        with a tag such as b"lockwork/v1/command"
so a signature made for one kind of message can never verify as another kind.

Frame (the unit on the control point and event characteristic):
    version (1) = 0x01 | type (1, MessageType) | length (2, BE) | payload (length bytes)

Fragment (one ATT write or notification, at most `fragment_size` bytes, 244 at MTU 247):
    header (1): bit 7 = first fragment of a frame, bits 0-6 = fragment index (0..127)
    data: the next slice of the frame bytes
The reassembler learns the frame size from the frame header in the first fragment and refuses
anything out of order or over `MAX_FRAME_BYTES`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final, Self

from lock_protocol.codes import MessageType
from lock_protocol.errors import FrameTooLargeError, MalformedError
from lock_protocol.timing import DEFAULT_FRAGMENT_SIZE, MAX_FRAME_BYTES

PROTOCOL_VERSION: Final = 0x01
FRAME_HEADER_BYTES: Final = 4
FIELD_MAX_BYTES: Final = 0xFFFF


class Tag:
    """Domain-separation tags, one per kind of signed or hashed statement."""

    FACTORY_CERTIFICATE: Final = b"lockwork/v1/factory-certificate"
    OPERATOR_CERTIFICATE: Final = b"lockwork/v1/operator-certificate"
    STAFF_CREDENTIAL: Final = b"lockwork/v1/staff-credential"
    CREDENTIAL_HASH: Final = b"lockwork/v1/credential-hash"
    COMMAND: Final = b"lockwork/v1/command"
    RECEIPT: Final = b"lockwork/v1/receipt"
    PAIRING_TICKET: Final = b"lockwork/v1/pairing-ticket"
    PAIRING_TRANSCRIPT: Final = b"lockwork/v1/pairing-transcript"
    PAIRING_CHALLENGE: Final = b"lockwork/v1/pairing-challenge"
    PAIRING_CONFIRM: Final = b"lockwork/v1/pairing-confirm"
    PAIRING_RECEIPT: Final = b"lockwork/v1/pairing-receipt"
    UNBIND: Final = b"lockwork/v1/unbind"
    EPOCH_UPDATE: Final = b"lockwork/v1/epoch-update"
    REPORT: Final = b"lockwork/v1/report"
    SESSION_TRANSCRIPT: Final = b"lockwork/v1/session-transcript"
    SESSION_ACK: Final = b"lockwork/v1/session-ack"
    SESSION_KEYS: Final = b"lockwork/v1/session-keys"
    LOCK_ID: Final = b"lockwork/v1/lock-id"


class Writer:
    """Builds a canonical body field by field."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def raw_field(self, value: bytes) -> Self:
        if len(value) > FIELD_MAX_BYTES:
            raise MalformedError(f"field of {len(value)} bytes exceeds {FIELD_MAX_BYTES}")
        self._parts.append(struct.pack(">H", len(value)))
        self._parts.append(bytes(value))
        return self

    def bytes_(self, value: bytes) -> Self:
        return self.raw_field(value)

    def fixed(self, value: bytes, size: int) -> Self:
        if len(value) != size:
            raise MalformedError(f"expected {size} bytes, got {len(value)}")
        return self.raw_field(value)

    def text(self, value: str) -> Self:
        return self.raw_field(value.encode("utf-8"))

    def u8(self, value: int) -> Self:
        return self._uint(value, 1)

    def u16(self, value: int) -> Self:
        return self._uint(value, 2)

    def u32(self, value: int) -> Self:
        return self._uint(value, 4)

    def u64(self, value: int) -> Self:
        return self._uint(value, 8)

    def _uint(self, value: int, size: int) -> Self:
        if not 0 <= value < (1 << (8 * size)):
            raise MalformedError(f"integer {value} does not fit {size} bytes")
        return self.raw_field(value.to_bytes(size, "big"))

    def finish(self) -> bytes:
        return b"".join(self._parts)


class Reader:
    """Reads a canonical body; every read checks bounds, `finish()` refuses trailing bytes."""

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._pos = 0

    def raw_field(self) -> bytes:
        if self._pos + 2 > len(self._data):
            raise MalformedError("truncated field length")
        (size,) = struct.unpack_from(">H", self._data, self._pos)
        start = self._pos + 2
        end = start + size
        if end > len(self._data):
            raise MalformedError("truncated field")
        self._pos = end
        return self._data[start:end]

    def bytes_(self, max_size: int = FIELD_MAX_BYTES) -> bytes:
        value = self.raw_field()
        if len(value) > max_size:
            raise MalformedError(f"field of {len(value)} bytes exceeds {max_size}")
        return value

    def fixed(self, size: int) -> bytes:
        value = self.raw_field()
        if len(value) != size:
            raise MalformedError(f"expected {size} bytes, got {len(value)}")
        return value

    def text(self, max_size: int = 255) -> str:
        value = self.bytes_(max_size)
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedError("text is not UTF-8") from exc

    def u8(self) -> int:
        return int.from_bytes(self.fixed(1), "big")

    def u16(self) -> int:
        return int.from_bytes(self.fixed(2), "big")

    def u32(self) -> int:
        return int.from_bytes(self.fixed(4), "big")

    def u64(self) -> int:
        return int.from_bytes(self.fixed(8), "big")

    def finish(self) -> None:
        if self._pos != len(self._data):
            raise MalformedError(f"{len(self._data) - self._pos} trailing bytes")


def signing_input(tag: bytes, body: bytes) -> bytes:
    """The exact bytes that are signed or hashed for a statement of kind `tag`."""
    return Writer().bytes_(tag).finish() + body


def encode_signed(body: bytes, signature: bytes) -> bytes:
    """The wire form of a signed statement: field(body) || field(signature)."""
    return Writer().bytes_(body).fixed(signature, 64).finish()


def decode_signed(data: bytes) -> tuple[bytes, bytes]:
    """Split a signed statement into (body, signature); verifying is the caller's job."""
    reader = Reader(data)
    body = reader.bytes_()
    signature = reader.fixed(64)
    reader.finish()
    return body, signature


def time_to_wire(now: float) -> int:
    """Times travel as whole Unix seconds (floor); sub-second precision buys nothing here."""
    if now < 0:
        raise MalformedError("negative time")
    return int(now)


@dataclass(frozen=True, slots=True)
class Frame:
    """One protocol message: a type byte and its payload."""

    type: MessageType
    payload: bytes

    def encode(self) -> bytes:
        total = FRAME_HEADER_BYTES + len(self.payload)
        if total > MAX_FRAME_BYTES:
            raise FrameTooLargeError(f"frame of {total} bytes exceeds {MAX_FRAME_BYTES}")
        header = struct.pack(">BBH", PROTOCOL_VERSION, int(self.type), len(self.payload))
        return header + self.payload

    @classmethod
    def decode(cls, data: bytes) -> Frame:
        if len(data) < FRAME_HEADER_BYTES:
            raise MalformedError("frame shorter than its header")
        if len(data) > MAX_FRAME_BYTES:
            raise FrameTooLargeError(f"frame of {len(data)} bytes exceeds {MAX_FRAME_BYTES}")
        version, type_byte, length = struct.unpack_from(">BBH", data, 0)
        if version != PROTOCOL_VERSION:
            raise MalformedError(f"unsupported protocol version {version}")
        if length != len(data) - FRAME_HEADER_BYTES:
            raise MalformedError("frame length does not match its payload")
        return cls(MessageType.parse(type_byte), bytes(data[FRAME_HEADER_BYTES:]))


_FIRST_FLAG: Final = 0x80
_INDEX_MASK: Final = 0x7F
MIN_FRAGMENT_SIZE: Final = FRAME_HEADER_BYTES + 1  # the first fragment must hold the header


def fragment(frame_bytes: bytes, fragment_size: int = DEFAULT_FRAGMENT_SIZE) -> list[bytes]:
    """Split encoded frame bytes into ATT-sized chunks (see the module docstring)."""
    if fragment_size < MIN_FRAGMENT_SIZE:
        raise MalformedError(f"fragment size {fragment_size} below {MIN_FRAGMENT_SIZE}")
    if len(frame_bytes) > MAX_FRAME_BYTES:
        raise FrameTooLargeError(f"frame of {len(frame_bytes)} bytes exceeds {MAX_FRAME_BYTES}")
    step = fragment_size - 1
    chunks = [frame_bytes[i : i + step] for i in range(0, len(frame_bytes), step)] or [b""]
    if len(chunks) > _INDEX_MASK + 1:
        raise FrameTooLargeError("frame needs more than 128 fragments")
    return [
        bytes([(_FIRST_FLAG if index == 0 else 0) | index]) + chunk
        for index, chunk in enumerate(chunks)
    ]


class Reassembler:
    """Collects fragments into frame bytes; any irregularity drops the partial frame."""

    def __init__(self, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self._max = max_frame_bytes
        self._buffer = bytearray()
        self._expected_total: int | None = None
        self._next_index = 0
        self._active = False

    def reset(self) -> None:
        self._buffer.clear()
        self._expected_total = None
        self._next_index = 0
        self._active = False

    def feed(self, chunk: bytes) -> bytes | None:
        """Add one chunk; return the complete frame bytes when the last one arrives."""
        try:
            return self._feed(chunk)
        except MalformedError:
            self.reset()
            raise

    def _feed(self, chunk: bytes) -> bytes | None:
        if not chunk:
            raise MalformedError("empty fragment")
        header, data = chunk[0], chunk[1:]
        first = bool(header & _FIRST_FLAG)
        index = header & _INDEX_MASK
        if first:
            if self._active:
                raise MalformedError("new frame started before the previous one completed")
            if index != 0:
                raise MalformedError("first fragment with non-zero index")
            if len(data) < FRAME_HEADER_BYTES:
                raise MalformedError("first fragment does not hold the frame header")
            (length,) = struct.unpack_from(">H", data, 2)
            total = FRAME_HEADER_BYTES + length
            if total > self._max:
                raise FrameTooLargeError(f"frame of {total} bytes exceeds {self._max}")
            self._active = True
            self._expected_total = total
        else:
            if not self._active:
                raise MalformedError("continuation fragment without a first fragment")
            if index != self._next_index:
                raise MalformedError(f"fragment {index} out of order, expected {self._next_index}")
        self._buffer.extend(data)
        self._next_index += 1
        if self._expected_total is None:  # unreachable: set with _active
            raise MalformedError("reassembler state lost")
        if len(self._buffer) > self._expected_total:
            raise MalformedError("fragments exceed the announced frame length")
        if len(self._buffer) == self._expected_total:
            out = bytes(self._buffer)
            self.reset()
            return out
        return None

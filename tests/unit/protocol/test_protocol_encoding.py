"""Codes, canonical encoding, frames, fragmentation and the advert."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.errors import GatewayError
from lock_protocol import gatt
from lock_protocol.codes import (
    Actuation,
    Command,
    FaultCode,
    MessageType,
    StatusCode,
    classify_actuation,
    commands_from_mask,
    commands_mask,
)
from lock_protocol.encoding import (
    FRAME_HEADER_BYTES,
    Frame,
    Reader,
    Reassembler,
    Writer,
    fragment,
)
from lock_protocol.errors import (
    FrameTooLargeError,
    MalformedError,
    ProtocolError,
    UnknownCodeError,
)
from lock_protocol.timing import DEFAULT_FRAGMENT_SIZE, MAX_FRAME_BYTES


def test_errors_share_one_root_of_the_protocols_own() -> None:
    assert issubclass(UnknownCodeError, ProtocolError)
    assert not issubclass(ProtocolError, GatewayError)  # issue 10: a package of its own


@pytest.mark.parametrize("enum", [MessageType, Command, StatusCode, FaultCode, Actuation])
def test_code_lookup_is_total_and_typed(enum: type[StatusCode]) -> None:
    for member in enum:
        assert enum.parse(int(member)) is member
    known = {int(m) for m in enum}
    unknown = next(v for v in range(256) if v not in known)
    with pytest.raises(UnknownCodeError):
        enum.parse(unknown)


def test_command_mask_round_trips_and_refuses_unknown_bits() -> None:
    commands = {Command.READ_BATTERY, Command.OPERATE_TEST}
    assert commands_from_mask(commands_mask(commands)) == commands
    with pytest.raises(UnknownCodeError):
        commands_from_mask(1 << 31)


def test_actuation_classification() -> None:
    assert classify_actuation(Actuation.OK, motor_current_healthy=True) == (
        StatusCode.OK,
        FaultCode.NONE,
    )
    assert classify_actuation(Actuation.JAMMED, motor_current_healthy=True)[1] is (
        FaultCode.LOCK_CASE_BOLT_JAMMED
    )
    assert classify_actuation(Actuation.JAMMED, motor_current_healthy=False)[1] is (
        FaultCode.LOCK_UNIT_BOLT_JAMMED
    )


def test_reader_refuses_trailing_and_truncated_bytes() -> None:
    body = Writer().u32(5).text("x").finish()
    reader = Reader(body + b"\x00")
    reader.u32()
    reader.text()
    with pytest.raises(MalformedError):
        reader.finish()
    with pytest.raises(MalformedError):
        Reader(body[:-1]).u32() and Reader(body[:3]).u32()
    with pytest.raises(MalformedError):
        Reader(Writer().u16(1).finish()).u32()  # a 2-byte field where 4 are expected
    with pytest.raises(MalformedError):
        Writer().u8(256)
    with pytest.raises(MalformedError):
        Reader(Writer().bytes_(b"\xff\xfe").finish()).text()


@given(st.lists(st.binary(max_size=40), max_size=8))
def test_canonical_fields_round_trip(fields: list[bytes]) -> None:
    writer = Writer()
    for value in fields:
        writer.bytes_(value)
    reader = Reader(writer.finish())
    assert [reader.bytes_() for _ in fields] == fields
    reader.finish()


def test_frame_decode_checks_version_length_and_type() -> None:
    good = Frame(MessageType.NONCE, b"abc").encode()
    assert Frame.decode(good) == Frame(MessageType.NONCE, b"abc")
    for bad in (good[:3], b"\x02" + good[1:], good + b"x", good[:-1], b"\x01\xee\x00\x00"):
        with pytest.raises(MalformedError):
            Frame.decode(bad)
    with pytest.raises(FrameTooLargeError):
        Frame(MessageType.RECEIPT, bytes(MAX_FRAME_BYTES)).encode()


@settings(max_examples=150)
@given(
    payload=st.binary(max_size=MAX_FRAME_BYTES - FRAME_HEADER_BYTES),
    size=st.integers(FRAME_HEADER_BYTES + 1, DEFAULT_FRAGMENT_SIZE),
)
def test_fragmentation_round_trips(payload: bytes, size: int) -> None:
    frame = Frame(MessageType.RECEIPT, payload).encode()
    try:
        chunks = fragment(frame, size)
    except FrameTooLargeError:
        assert len(frame) > 128 * (size - 1)
        return
    assert all(len(c) <= size for c in chunks)
    reassembler = Reassembler()
    out = [reassembler.feed(c) for c in chunks]
    assert out[-1] == frame and all(o is None for o in out[:-1])


def test_reassembler_refuses_disorder_and_oversize() -> None:
    frame = Frame(MessageType.RECEIPT, bytes(600)).encode()
    chunks = fragment(frame, 244)
    r = Reassembler()
    with pytest.raises(MalformedError):
        r.feed(chunks[1])  # continuation without a start
    r.feed(chunks[0])
    with pytest.raises(MalformedError):
        r.feed(chunks[2])  # skipped one; the partial frame is dropped
    with pytest.raises(MalformedError):
        r.feed(chunks[1])
    r.feed(chunks[0])
    with pytest.raises(MalformedError):
        r.feed(chunks[0])  # a new start while one is under way
    with pytest.raises(MalformedError):
        r.feed(b"")
    oversize = bytes([0x80, 0x01, 0x13, 0xFF, 0xFF])  # announces 65 535 payload bytes
    with pytest.raises(FrameTooLargeError):
        Reassembler().feed(oversize)
    # A frame that announces less than the fragments carry.
    lying = bytearray(chunks[0])
    lying[3:5] = (10).to_bytes(2, "big")
    with pytest.raises(MalformedError):
        Reassembler().feed(bytes(lying))


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=250), max_size=6))
def test_reassembler_only_raises_protocol_errors(chunks: list[bytes]) -> None:
    reassembler = Reassembler()
    for chunk in chunks:
        try:
            out = reassembler.feed(chunk)
        except ProtocolError:
            continue
        if out is not None:
            with contextlib.suppress(ProtocolError):
                Frame.decode(out)


ADVERTS = st.builds(
    gatt.Advertisement,
    short_serial=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=6, max_size=6),
    awake=st.booleans(),
    low_battery=st.booleans(),
    paired=st.booleans(),
)


@given(ADVERTS)
def test_advert_round_trips_within_31_bytes(advert: gatt.Advertisement) -> None:
    data = gatt.encode_advertisement(advert)
    assert len(data) == 26 <= gatt.LEGACY_ADVERT_MAX_BYTES
    assert gatt.decode_advertisement(data) == advert
    payload = gatt.encode_manufacturer_payload(advert)
    assert gatt.decode_manufacturer_payload(payload) == advert


@given(st.binary(max_size=40))
def test_advert_decoder_only_raises_protocol_errors(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        gatt.decode_advertisement(data)


def test_advert_refuses_name_mismatch_and_reserved_bits_are_ignored() -> None:
    advert = gatt.Advertisement("A0001F", awake=False, low_battery=True, paired=False)
    data = bytearray(gatt.encode_advertisement(advert))
    data[8] = ord("X")  # inside the name
    with pytest.raises(MalformedError):
        gatt.decode_advertisement(bytes(data))
    payload = bytearray(gatt.encode_manufacturer_payload(advert))
    payload[1] |= 0x80
    assert gatt.decode_manufacturer_payload(bytes(payload)) == advert
    assert gatt.short_serial_for("LW-2026-a0001f") == "A0001F"


def test_gatt_uuids() -> None:
    assert str(gatt.BATTERY_SERVICE) == "0000180f-0000-1000-8000-00805f9b34fb"
    assert str(gatt.FIRMWARE_REVISION) == "00002a26-0000-1000-8000-00805f9b34fb"
    own = {gatt.LOCK_SERVICE, gatt.CONTROL_POINT, gatt.EVENT}
    assert len(own) == 3 and all(u.version == 4 for u in own)

"""The encrypted link under replay, injection and corruption.

A whole session is recorded (handshake, nonce/command/receipt exchanges, a report, an epoch
push). Then every frame is replayed into the same and into new sessions, frames are injected
across two live sessions, and every byte of every frame is flipped. Nothing may be accepted,
and nothing but a `ProtocolError` may come out.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass

import pytest

from lock_protocol.client import CommandClient
from lock_protocol.codes import Actuation, Command, MessageType
from lock_protocol.credentials import issue_epoch_update
from lock_protocol.encoding import Frame, Reassembler, fragment
from lock_protocol.errors import ProtocolError, SessionClosedError
from lock_protocol.lock_core import Authorization
from lock_protocol.reports import ReportValues
from lock_protocol.session import ClientHandshake, SecureChannel
from tests.unit.protocol.protocol_world import T0, DeterministicRandom, World

TO_LOCK = "to_lock"
TO_CLIENT = "to_client"


@dataclass
class Recorded:
    direction: str
    data: bytes
    receiver_before: SecureChannel  # a snapshot of the receiving channel just before


@dataclass
class Session:
    world: World
    hello: bytes
    hello_ack: bytes
    client: SecureChannel
    lock: SecureChannel
    frames: list[Recorded]


def _open_session(world: World, seed: str) -> tuple[bytes, bytes, SecureChannel, SecureChannel]:
    handshake = ClientHandshake(
        DeterministicRandom(seed),
        factory_authority_public_key=world.authority.public_key,
        expected_lock_public_key=world.core.public_key,
    )
    hello = handshake.hello()
    hello_ack, lock_channel = world.core.accept_session(hello, DeterministicRandom(seed + "/lock"))
    client_channel, certificate = handshake.finish(hello_ack)
    assert certificate.public_key == world.core.public_key
    # The certificate exactly as the lock sent it, for a server that has not learnt its key.
    assert handshake.certificate_bytes == world.core.certificate
    return hello, hello_ack, client_channel, lock_channel


def record_session(world: World, seed: str = "session-1") -> Session:
    hello, hello_ack, client_ch, lock_ch = _open_session(world, seed)
    frames: list[Recorded] = []
    now = T0
    rng = world.rng

    def to_lock(inner: Frame) -> Frame:
        data = client_ch.seal(inner)
        frames.append(Recorded(TO_LOCK, data, copy.copy(lock_ch)))
        return lock_ch.open(data)

    def to_client(inner: Frame) -> Frame:
        data = lock_ch.seal(inner)
        frames.append(Recorded(TO_CLIENT, data, copy.copy(client_ch)))
        return client_ch.open(data)

    def lock_reply(inner: Frame, actuation: Actuation = Actuation.NOT_ATTEMPTED) -> Frame:
        reply = world.core.handle(inner, now, rng)
        if isinstance(reply, Authorization):
            if reply.command is Command.READ_REPORT:
                report = world.core.make_report(reply.args, now, ReportValues(2900, 55, "1.4.2"))
                return world.core.complete(reply, now, result=report)
            return world.core.complete(reply, now, actuation=actuation)
        return reply

    epoch = issue_epoch_update(world.server, world.lock_id, 1, int(now))
    assert to_client(lock_reply(to_lock(Frame(MessageType.SET_MIN_EPOCH, epoch)))).type is (
        MessageType.EPOCH_ACK
    )
    client = CommandClient(
        world.staff, world.credential(epoch=1), lock_public_key=world.core.public_key
    )
    for command, args, actuation in [
        (Command.READ_BATTERY, b"", Actuation.NOT_ATTEMPTED),
        (Command.OPERATE_TEST, b"", Actuation.OK),
        (Command.READ_REPORT, bytes(range(16)), Actuation.NOT_ATTEMPTED),
    ]:
        nonce = to_client(lock_reply(to_lock(client.nonce_request())))
        command_frame, pending = client.command(nonce, command, now, rng, args)
        receipt = client.verify_receipt(
            to_client(lock_reply(to_lock(command_frame), actuation)), pending
        )
        assert receipt.accepted
    return Session(world, hello, hello_ack, client_ch, lock_ch, frames)


@pytest.fixture(scope="module")
def session() -> Session:
    return record_session(World("session-world"))


def _must_refuse(channel: SecureChannel, data: bytes) -> None:
    """Accepting raises AssertionError; any non-protocol exception propagates and fails."""
    try:
        channel.open(data)
    except ProtocolError:
        assert channel.closed
        return
    raise AssertionError("a frame was accepted")


def test_the_recorded_session_is_complete(session: Session) -> None:
    assert len(session.frames) == 14  # epoch push + 3 x (nonce, command)
    assert session.world.core.state.command_counter == 3
    assert max(len(r.data) for r in session.frames) > 244  # the report needs fragmentation


def test_replaying_any_frame_into_the_same_session_is_refused(session: Session) -> None:
    lock_after = copy.copy(session.lock)
    client_after = copy.copy(session.client)
    for recorded in session.frames:
        receiver = lock_after if recorded.direction == TO_LOCK else client_after
        _must_refuse(copy.copy(receiver), recorded.data)


def test_reordered_frames_are_refused(session: Session) -> None:
    to_lock = [r for r in session.frames if r.direction == TO_LOCK]
    for earlier, later in itertools.pairwise(to_lock):
        _must_refuse(copy.copy(earlier.receiver_before), later.data)  # skipping one
        _must_refuse(copy.copy(later.receiver_before), earlier.data)  # going back


def test_reflected_frames_are_refused(session: Session) -> None:
    for recorded in session.frames:
        # A frame sent back to its own sender (keys differ per direction).
        if recorded.direction == TO_LOCK:
            sender = copy.copy(session.client)
        else:
            sender = copy.copy(session.lock)
        _must_refuse(sender, recorded.data)


def test_replaying_the_whole_session_into_a_new_session_is_refused(session: Session) -> None:
    world = session.world
    counter = world.core.state.command_counter
    # The attacker replays the recorded HELLO: the lock answers with fresh keys.
    _ack, fresh_lock = world.core.accept_session(session.hello, DeterministicRandom("fresh"))
    for recorded in session.frames:
        _must_refuse(copy.copy(fresh_lock), recorded.data)
    # And replays the whole stream in order into one channel: the first frame kills it.
    stream_channel = copy.copy(fresh_lock)
    for recorded in session.frames:
        if recorded.direction == TO_LOCK:
            with pytest.raises(ProtocolError):
                stream_channel.open(recorded.data)
    assert world.core.state.command_counter == counter


def test_frames_injected_across_live_sessions_are_refused() -> None:
    world = World("two-sessions")
    a = record_session(world, "session-a")
    b = record_session(world, "session-b")
    for source, target in ((a, b), (b, a)):
        for recorded in source.frames:
            # Same position, same direction, other session.
            index = source.frames.index(recorded)
            _must_refuse(copy.copy(target.frames[index].receiver_before), recorded.data)


def test_flipping_any_byte_of_any_frame_is_refused(session: Session) -> None:
    tried = 0
    for recorded in session.frames:
        for index in range(len(recorded.data)):
            for mask in (0x01, 0x80, 0xFF):
                corrupted = bytearray(recorded.data)
                corrupted[index] ^= mask
                _must_refuse(copy.copy(recorded.receiver_before), bytes(corrupted))
                tried += 1
    assert tried > 3000


def test_flipping_any_byte_of_the_handshake_is_refused(session: Session) -> None:
    world = session.world
    for index in range(len(session.hello_ack)):
        handshake = ClientHandshake(
            DeterministicRandom("session-1"),
            factory_authority_public_key=world.authority.public_key,
            expected_lock_public_key=world.core.public_key,
        )
        handshake.hello()
        corrupted = bytearray(session.hello_ack)
        corrupted[index] ^= 0x01
        with pytest.raises(ProtocolError):
            handshake.finish(bytes(corrupted))
    # A corrupted HELLO gives an ack over another transcript, which the client refuses.
    for index in range(len(session.hello)):
        handshake = ClientHandshake(
            DeterministicRandom("session-1"),
            factory_authority_public_key=world.authority.public_key,
        )
        hello = bytearray(handshake.hello())
        hello[index] ^= 0x01
        try:
            ack, _channel = world.core.accept_session(bytes(hello), world.rng)
        except ProtocolError:
            continue
        with pytest.raises(ProtocolError):
            handshake.finish(ack)


def test_a_session_refuses_everything_after_one_bad_frame(session: Session) -> None:
    recorded = next(r for r in session.frames if r.direction == TO_LOCK)
    channel = copy.copy(recorded.receiver_before)
    corrupted = bytearray(recorded.data)
    corrupted[-1] ^= 1
    _must_refuse(channel, bytes(corrupted))
    with pytest.raises(SessionClosedError):
        channel.open(recorded.data)  # even the genuine frame
    with pytest.raises(SessionClosedError):
        channel.seal(Frame(MessageType.NONCE_REQUEST, b""))


def test_a_handshake_from_an_impostor_lock_is_refused() -> None:
    world, impostor = World("genuine"), World("impostor", serial="LW2026Z9999Z")
    handshake = ClientHandshake(
        DeterministicRandom("c"),
        factory_authority_public_key=world.authority.public_key,
        expected_lock_public_key=world.core.public_key,
    )
    ack, _channel = impostor.core.accept_session(handshake.hello(), impostor.rng)
    with pytest.raises(ProtocolError):
        handshake.finish(ack)


def test_fragmented_frames_survive_and_corrupted_fragments_are_refused(session: Session) -> None:
    for recorded in session.frames:
        for size in (20, 244):
            chunks = fragment(recorded.data, size)
            reassembler = Reassembler()
            outputs = [reassembler.feed(chunk) for chunk in chunks]
            assert outputs[-1] == recorded.data and set(outputs[:-1]) <= {None}
    big = max(session.frames, key=lambda r: len(r.data))
    chunks = fragment(big.data, 20)
    for chunk_index in range(len(chunks)):
        for byte_index in range(len(chunks[chunk_index])):
            corrupted = list(chunks)
            flipped = bytearray(corrupted[chunk_index])
            flipped[byte_index] ^= 0x01
            corrupted[chunk_index] = bytes(flipped)
            reassembler = Reassembler()
            try:
                out = [reassembler.feed(c) for c in corrupted]
            except ProtocolError:
                continue
            frame_bytes = next((o for o in out if o is not None), None)
            if frame_bytes is not None:
                _must_refuse(copy.copy(big.receiver_before), frame_bytes)

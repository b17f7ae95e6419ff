"""Frozen-time tests at +-1 s of every window, and with the lock's clock skewed."""

from __future__ import annotations

import pytest

from lock_protocol.codes import Command, MessageType, StatusCode
from lock_protocol.credentials import (
    StaffCredential,
    issue_staff_credential,
    issue_unbind_token,
    open_statement,
    sign_statement,
)
from lock_protocol.encoding import Frame
from lock_protocol.errors import MalformedError
from lock_protocol.lock_core import Authorization
from lock_protocol.messages import ErrorMessage, Receipt
from lock_protocol.pairing import PairingClient, PairingTicket
from lock_protocol.timing import (
    CLOCK_SKEW_SECONDS,
    CREDENTIAL_MAX_LIFETIME_SECONDS,
    NONCE_VALIDITY_SECONDS,
    PAIRING_TICKET_MAX_LIFETIME_SECONDS,
    PAIRING_WINDOW_SECONDS,
)
from tests.unit.protocol.protocol_world import T0, World

SKEW = CLOCK_SKEW_SECONDS


def _status(world: World, reply: Frame | Authorization) -> StatusCode:
    if isinstance(reply, Authorization):
        return StatusCode.OK
    if reply.type is MessageType.ERROR:
        return ErrorMessage.decode(reply.payload).status
    if reply.type is MessageType.RECEIPT:
        return open_statement(Receipt, reply.payload, world.core.public_key).status
    return StatusCode.OK  # PAIR_CHALLENGE / PAIR_RECEIPT / EPOCH_ACK


def test_the_windows_are_the_documented_ones() -> None:
    assert PAIRING_WINDOW_SECONDS == 30
    assert NONCE_VALIDITY_SECONDS == 3
    assert CLOCK_SKEW_SECONDS == 120
    assert PAIRING_TICKET_MAX_LIFETIME_SECONDS == 600


@pytest.mark.parametrize(
    ("answer_after", "expected"),
    [
        (0, StatusCode.OK),
        (NONCE_VALIDITY_SECONDS - 1, StatusCode.OK),
        (NONCE_VALIDITY_SECONDS, StatusCode.OK),  # the edge itself is inside
        (NONCE_VALIDITY_SECONDS + 1, StatusCode.NONCE_EXPIRED),
        (-1, StatusCode.NONCE_EXPIRED),  # lock clock stepped back: refuse
    ],
)
def test_nonce_validity(answer_after: float, expected: StatusCode) -> None:
    world = World()
    frame, _pending, _client = world.request(world.credential(), Command.READ_STATUS, T0)
    assert _status(world, world.core.handle(frame, T0 + answer_after, world.rng)) is expected


VALID_FROM = T0 - 1800
VALID_TO = T0 + 1800


@pytest.mark.parametrize(
    ("lock_time", "expected"),
    [
        (VALID_FROM - SKEW - 1, StatusCode.CREDENTIAL_NOT_YET_VALID),
        (VALID_FROM - SKEW + 1, StatusCode.OK),
        (VALID_FROM + 1, StatusCode.OK),
        (VALID_TO - 1, StatusCode.OK),
        (VALID_TO + SKEW - 1, StatusCode.OK),
        (VALID_TO + SKEW + 1, StatusCode.CREDENTIAL_EXPIRED),
    ],
)
def test_credential_window_with_clock_skew(lock_time: float, expected: StatusCode) -> None:
    world = World()
    credential = world.credential(valid_from=VALID_FROM, valid_to=VALID_TO)
    assert _status(world, world.run(credential, Command.READ_STATUS, lock_time)) is expected


@pytest.mark.parametrize(
    ("lock_clock_offset", "expected"),
    [
        (-(SKEW - 1), StatusCode.OK),
        (-(SKEW + 1), StatusCode.CREDENTIAL_NOT_YET_VALID),
        (SKEW - 1, StatusCode.OK),
        (SKEW + 1, StatusCode.CREDENTIAL_EXPIRED),
    ],
)
def test_visit_credential_at_its_edges_with_a_skewed_lock_clock(
    lock_clock_offset: float, expected: StatusCode
) -> None:
    """Server time: a credential for [T0, T0 + 30 min]; the lock's clock is off by an offset."""
    world = World()
    credential = world.credential(valid_from=T0, valid_to=T0 + 1800)
    # Negative offset: used at the very start while the lock's clock is behind.
    # Positive offset: used at the very end while the lock's clock is ahead.
    server_time = T0 if lock_clock_offset < 0 else T0 + 1800
    lock_time = server_time + lock_clock_offset
    reply = world.run(credential, Command.READ_STATUS, lock_time)
    assert _status(world, reply) is expected


@pytest.mark.parametrize(("lock_ahead_by", "suspect"), [(SKEW - 1, False), (SKEW + 1, True)])
def test_client_notices_a_lock_clock_beyond_the_skew(lock_ahead_by: float, suspect: bool) -> None:
    world = World()
    client = world.client(world.credential())
    nonce = world.core.handle(client.nonce_request(), T0 + lock_ahead_by, world.rng)
    assert isinstance(nonce, Frame)
    _frame, pending = client.command(nonce, Command.READ_STATUS, T0, world.rng)
    assert pending.clock_offset == lock_ahead_by
    assert pending.lock_clock_suspect is suspect


@pytest.mark.parametrize(
    ("lifetime", "ok"),
    [(CREDENTIAL_MAX_LIFETIME_SECONDS, True), (CREDENTIAL_MAX_LIFETIME_SECONDS + 1, False)],
)
def test_credential_lifetime_bound(lifetime: float, ok: bool) -> None:
    world = World()
    credential = StaffCredential(
        credential_id=bytes(16),
        lock_id=world.lock_id,
        staff_public_key=world.staff.public_key,
        valid_from=int(T0 - 60),
        valid_to=int(T0 - 60 + lifetime),
        allowed_commands=frozenset({Command.READ_STATUS}),
        epoch=0,
    )
    if not ok:
        with pytest.raises(MalformedError):
            issue_staff_credential(world.server, credential)
    # The lock checks too, in case a server signs one anyway.
    signed = sign_statement(world.server, credential)
    expected = StatusCode.OK if ok else StatusCode.MALFORMED
    assert _status(world, world.run(signed, Command.READ_STATUS, T0)) is expected


def _pair_begin(world: World, ticket: bytes, now: float) -> Frame | Authorization:
    client = PairingClient(
        ticket, factory_authority_public_key=world.authority.public_key, rng=world.rng
    )
    return world.core.handle(Frame(MessageType.PAIR_BEGIN, client.begin()), now, world.rng)


@pytest.mark.parametrize(
    ("lock_time", "expected"),
    [
        (T0 - SKEW - 1, StatusCode.TICKET_EXPIRED),
        (T0 - SKEW + 1, StatusCode.OK),
        (T0 + 600 + SKEW - 1, StatusCode.OK),
        (T0 + 600 + SKEW + 1, StatusCode.TICKET_EXPIRED),
    ],
)
def test_ticket_expiry(lock_time: float, expected: StatusCode) -> None:
    world = World(paired=False)
    ticket = world.ticket(T0, lifetime=600)
    world.core.open_pairing_window(lock_time)
    assert _status(world, _pair_begin(world, ticket, lock_time)) is expected


@pytest.mark.parametrize(
    ("lifetime", "expected"),
    [
        (PAIRING_TICKET_MAX_LIFETIME_SECONDS - 1, StatusCode.OK),
        (PAIRING_TICKET_MAX_LIFETIME_SECONDS, StatusCode.OK),
        (PAIRING_TICKET_MAX_LIFETIME_SECONDS + 1, StatusCode.MALFORMED),
    ],
)
def test_ticket_lifetime_bound(lifetime: float, expected: StatusCode) -> None:
    world = World(paired=False)
    good = open_statement(PairingTicket, world.ticket(T0), world.server.public_key)
    ticket = PairingTicket(
        good.organisation_id,
        good.customer_id,
        good.fitter_id,
        good.server_nonce,
        int(T0),
        int(T0 + lifetime),
        good.server_public_key,
        good.operator_certificate,
    )
    signed = sign_statement(world.server, ticket)
    world.core.open_pairing_window(T0)
    assert _status(world, _pair_begin(world, signed, T0)) is expected


@pytest.mark.parametrize(
    ("after_button", "expected"),
    [
        (PAIRING_WINDOW_SECONDS - 1, StatusCode.OK),
        (PAIRING_WINDOW_SECONDS + 1, StatusCode.NOT_IN_PAIRING_WINDOW),
        (-1, StatusCode.NOT_IN_PAIRING_WINDOW),
    ],
)
def test_pairing_window_for_begin(after_button: float, expected: StatusCode) -> None:
    world = World(paired=False)
    ticket = world.ticket(T0)
    world.core.open_pairing_window(T0)
    assert _status(world, _pair_begin(world, ticket, T0 + after_button)) is expected


@pytest.mark.parametrize(
    ("finish_at", "paired"),
    [(PAIRING_WINDOW_SECONDS - 1, True), (PAIRING_WINDOW_SECONDS + 1, False)],
)
def test_pairing_window_for_finish(finish_at: float, paired: bool) -> None:
    world = World(paired=False)
    ticket = world.ticket(T0)
    world.core.open_pairing_window(T0)
    client = PairingClient(
        ticket, factory_authority_public_key=world.authority.public_key, rng=world.rng
    )
    challenge = world.core.handle(Frame(MessageType.PAIR_BEGIN, client.begin()), T0, world.rng)
    assert isinstance(challenge, Frame)
    finish = Frame(MessageType.PAIR_FINISH, client.on_challenge(challenge.payload))
    reply = world.core.handle(finish, T0 + finish_at, world.rng)
    assert world.core.paired is paired
    expected = StatusCode.OK if paired else StatusCode.NOT_IN_PAIRING_WINDOW
    assert _status(world, reply) is expected


@pytest.mark.parametrize(
    ("lock_time", "expected"),
    [
        (T0 - SKEW - 1, StatusCode.TICKET_EXPIRED),
        (T0 - SKEW + 1, StatusCode.OK),
        (T0 + 300 + SKEW - 1, StatusCode.OK),
        (T0 + 300 + SKEW + 1, StatusCode.TICKET_EXPIRED),
    ],
)
def test_unbind_token_window(lock_time: float, expected: StatusCode) -> None:
    world = World()
    assert world.verified_pairing is not None
    token = issue_unbind_token(
        world.server, world.lock_id, world.verified_pairing.receipt.pairing_id, int(T0), 300
    )
    credential = world.credential(now=lock_time)
    reply = world.run(credential, Command.UNPAIR, lock_time, args=token)
    assert _status(world, reply) is expected
    assert world.core.paired is (expected is not StatusCode.OK)

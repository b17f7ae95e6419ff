"""The lock state machine: happy paths, each refusal, persistence, pairing, unpair, epochs."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lock_protocol.client import parse_report_unverified
from lock_protocol.codes import (
    FAULT_OWNER,
    Actuation,
    Command,
    FaultCode,
    FaultOwner,
    MessageType,
    PairingState,
    StatusCode,
)
from lock_protocol.credentials import (
    issue_epoch_update,
    issue_unbind_token,
    open_statement,
    sign_statement,
)
from lock_protocol.encoding import Frame
from lock_protocol.errors import MalformedError, ReceiptRejectedError
from lock_protocol.lock_core import Authorization, LockCore, LockState, decode_event_log
from lock_protocol.messages import ErrorMessage, Receipt
from lock_protocol.pairing import PairingClient, PairingTicket, issue_pairing_ticket
from lock_protocol.reports import ReportValues
from tests.unit.protocol.protocol_world import (
    ALL_COMMANDS,
    CUSTOMER_ID,
    FITTER_ID,
    ORG_ID,
    T0,
    World,
    key,
)


def _status(world: World, reply: Frame | Authorization) -> StatusCode:
    assert isinstance(reply, Frame)
    if reply.type is MessageType.ERROR:
        return ErrorMessage.decode(reply.payload).status
    assert reply.type is MessageType.RECEIPT
    return open_statement(Receipt, reply.payload, world.core.public_key).status


def test_valid_command_is_authorised_after_the_counter_is_persisted() -> None:
    world = World()
    writes_before = len(world.store.writes)
    frame, pending, client = world.request(world.credential(), Command.OPERATE_TEST, T0)
    auth = world.core.handle(frame, T0, world.rng)
    assert isinstance(auth, Authorization)
    # The counter is on "flash" already when the firmware learns it may actuate.
    assert len(world.store.writes) == writes_before + 1
    assert LockState.from_bytes(world.store.writes[-1]).command_counter == 1
    receipt_frame = world.core.complete(auth, T0 + 1, actuation=Actuation.OK)
    receipt = client.verify_receipt(receipt_frame, pending)
    assert receipt.accepted and receipt.counter == 1 and receipt.fault is FaultCode.NONE


def test_storage_failure_authorises_nothing() -> None:
    world = World()
    world.store.fail = True
    reply = world.run(world.credential(), Command.OPERATE_TEST, T0)
    assert _status(world, reply) is StatusCode.STORAGE_FAILURE
    assert world.core.state.command_counter == 0


def test_jam_with_healthy_current_is_the_lock_case() -> None:
    world = World()
    frame, pending, client = world.request(world.credential(), Command.OPERATE_TEST, T0)
    auth = world.core.handle(frame, T0, world.rng)
    assert isinstance(auth, Authorization)
    receipt = client.verify_receipt(
        world.core.complete(auth, T0, actuation=Actuation.JAMMED, motor_current_healthy=True),
        pending,
    )
    assert receipt.status is StatusCode.BOLT_JAMMED
    assert FAULT_OWNER[receipt.fault] is FaultOwner.LOCK_CASE
    nonce = world.rng(16)
    report = world.core.make_report(nonce, T0, ReportValues(3000, 70, "1.0.0"))
    assert FaultCode.LOCK_CASE_BOLT_JAMMED in parse_report_unverified(report).values.faults


@pytest.mark.parametrize(
    ("actuation", "healthy", "status", "owner"),
    [
        (Actuation.JAMMED, False, StatusCode.BOLT_JAMMED, FaultOwner.LOCK_UNIT),
        (Actuation.MOTOR_FAULT, True, StatusCode.MOTOR_FAULT, FaultOwner.LOCK_UNIT),
        (Actuation.BATTERY_TOO_LOW, True, StatusCode.BATTERY_TOO_LOW, FaultOwner.BATTERY),
    ],
)
def test_actuation_faults(
    actuation: Actuation, healthy: bool, status: StatusCode, owner: FaultOwner
) -> None:
    world = World()
    frame, pending, client = world.request(world.credential(), Command.OPERATE_TEST, T0)
    auth = world.core.handle(frame, T0, world.rng)
    assert isinstance(auth, Authorization)
    receipt = client.verify_receipt(
        world.core.complete(auth, T0, actuation=actuation, motor_current_healthy=healthy), pending
    )
    assert receipt.status is status and FAULT_OWNER[receipt.fault] is owner


def test_authorization_completes_once() -> None:
    world = World()
    auth = world.run(world.credential(), Command.READ_BATTERY, T0)
    assert isinstance(auth, Authorization)
    world.core.complete(auth, T0)
    with pytest.raises(MalformedError):
        world.core.complete(auth, T0)


def test_operate_test_needs_an_actuation_outcome() -> None:
    world = World()
    auth = world.run(world.credential(), Command.OPERATE_TEST, T0)
    assert isinstance(auth, Authorization)
    with pytest.raises(MalformedError):
        world.core.complete(auth, T0)


def test_event_log_is_kept_and_returned() -> None:
    world = World()
    credential = world.credential()
    for _ in range(2):
        auth = world.run(credential, Command.OPERATE_TEST, T0)
        assert isinstance(auth, Authorization)
        world.core.complete(auth, T0, actuation=Actuation.OK)
    frame, pending, client = world.request(credential, Command.READ_EVENT_LOG, T0)
    auth = world.core.handle(frame, T0, world.rng)
    assert isinstance(auth, Authorization)
    receipt = client.verify_receipt(world.core.complete(auth, T0), pending)
    log = decode_event_log(receipt.result)
    assert [e.counter for e in log] == [1, 2, 3]
    assert [e.command for e in log] == [Command.OPERATE_TEST] * 2 + [Command.READ_EVENT_LOG]


def test_state_survives_a_power_cycle() -> None:
    world = World()
    auth = world.run(world.credential(), Command.READ_STATUS, T0)
    assert isinstance(auth, Authorization)
    world.core.complete(auth, T0)
    restored = LockCore(LockState.from_bytes(world.store.writes[-1]), world.store)
    assert restored.paired and restored.lock_id == world.lock_id
    assert restored.state.command_counter == 1
    with pytest.raises(MalformedError):
        LockState.from_bytes(b"\x00garbage")


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (lambda w: w.credential(lock_id=bytes(16)), StatusCode.WRONG_LOCK),
        (lambda w: w.credential(signer=key("mallory")), StatusCode.BAD_SIGNATURE),
        (lambda w: w.credential(valid_to=T0 - 3600), StatusCode.CREDENTIAL_EXPIRED),
        (
            lambda w: w.credential(valid_from=T0 + 3600, valid_to=T0 + 7200),
            StatusCode.CREDENTIAL_NOT_YET_VALID,
        ),
        (
            lambda w: w.credential(commands=frozenset({Command.READ_STATUS})),
            StatusCode.NOT_PERMITTED,
        ),
    ],
)
def test_credential_refusals(make: object, status: StatusCode) -> None:
    world = World()
    assert callable(make)
    reply = world.run(make(world), Command.OPERATE_TEST, T0)
    assert _status(world, reply) is status
    assert world.core.state.command_counter == 0


def test_staff_signature_from_another_device_is_refused() -> None:
    world = World()
    credential = world.credential()
    frame, _pending, _client = world.request(
        credential, Command.OPERATE_TEST, T0, staff=key("stolen-credential-thief")
    )
    assert _status(world, world.core.handle(frame, T0, world.rng)) is StatusCode.BAD_SIGNATURE


def test_nonce_is_single_use_even_after_a_failed_attempt() -> None:
    world = World()
    frame, _pending, _client = world.request(world.credential(), Command.OPERATE_TEST, T0)
    tampered = Frame(frame.type, frame.payload[:-1] + bytes([frame.payload[-1] ^ 1]))
    assert _status(world, world.core.handle(tampered, T0, world.rng)) is StatusCode.BAD_SIGNATURE
    assert _status(world, world.core.handle(frame, T0, world.rng)) is StatusCode.REPLAYED_NONCE


def test_only_the_latest_nonces_are_kept() -> None:
    world = World()
    credential = world.credential()
    first, _p, _c = world.request(credential, Command.READ_STATUS, T0)
    for _ in range(4):
        world.request(credential, Command.READ_STATUS, T0)
    assert _status(world, world.core.handle(first, T0, world.rng)) is StatusCode.REPLAYED_NONCE


def test_disconnect_drops_outstanding_nonces() -> None:
    world = World()
    frame, _p, _c = world.request(world.credential(), Command.READ_STATUS, T0)
    world.core.disconnected()
    assert _status(world, world.core.handle(frame, T0, world.rng)) is StatusCode.REPLAYED_NONCE


def test_epoch_update_revokes_older_credentials_and_never_goes_down() -> None:
    world = World()
    old = world.credential(epoch=1)
    reply = world.core.handle(
        Frame(MessageType.SET_MIN_EPOCH, issue_epoch_update(world.server, world.lock_id, 2, 0)),
        T0,
        world.rng,
    )
    assert isinstance(reply, Frame) and reply.type is MessageType.EPOCH_ACK
    assert _status(world, world.run(old, Command.READ_STATUS, T0)) is StatusCode.CREDENTIAL_REVOKED
    world.core.handle(
        Frame(MessageType.SET_MIN_EPOCH, issue_epoch_update(world.server, world.lock_id, 1, 0)),
        T0,
        world.rng,
    )
    assert world.core.state.min_epoch == 2
    assert isinstance(world.run(world.credential(epoch=2), Command.READ_STATUS, T0), Authorization)


@pytest.mark.parametrize(
    ("signer", "lock_id", "status"),
    [("mallory", None, StatusCode.BAD_SIGNATURE), ("server", bytes(16), StatusCode.WRONG_LOCK)],
)
def test_forged_epoch_updates_are_refused(
    signer: str, lock_id: bytes | None, status: StatusCode
) -> None:
    world = World()
    update = issue_epoch_update(key(signer), lock_id or world.lock_id, 99, 0)
    reply = world.core.handle(Frame(MessageType.SET_MIN_EPOCH, update), T0, world.rng)
    assert _status(world, reply) is status and world.core.state.min_epoch == 0


def test_factory_new_lock_refuses_commands() -> None:
    world = World(paired=False)
    assert world.core.state.pairing_state is PairingState.FACTORY_NEW
    reply = world.core.handle(Frame(MessageType.NONCE_REQUEST, b""), T0, world.rng)
    assert _status(world, reply) is StatusCode.NOT_PAIRED


def test_pairing_needs_the_button_window_and_a_factory_new_lock() -> None:
    world = World(paired=False)
    client = PairingClient(
        world.ticket(T0), factory_authority_public_key=world.authority.public_key, rng=world.rng
    )
    no_button = world.core.handle(Frame(MessageType.PAIR_BEGIN, client.begin()), T0, world.rng)
    assert _status(world, no_button) is StatusCode.NOT_IN_PAIRING_WINDOW
    world.pair(T0)
    assert world.core.paired
    world.core.open_pairing_window(T0 + 1)
    again = world.core.handle(Frame(MessageType.PAIR_BEGIN, client.begin()), T0 + 1, world.rng)
    assert _status(world, again) is StatusCode.ALREADY_PAIRED


def test_pairing_receipt_binds_the_ticket_and_opaque_customer() -> None:
    world = World()
    assert world.verified_pairing is not None
    receipt = world.verified_pairing.receipt
    assert receipt.customer_id == uuid.UUID(CUSTOMER_ID).bytes
    assert world.core.state.server_public_key == world.server.public_key
    assert world.core.state.pairing_id == receipt.pairing_id


@pytest.mark.parametrize(
    ("server", "vouched_by"),
    [
        ("rogue-server", "rogue-authority"),  # a self-made operator certificate
        ("rogue-server", None),  # genuine certificate borrowed from... nobody: key differs
    ],
)
def test_ticket_from_a_server_the_factory_did_not_vouch_for_is_refused(
    server: str, vouched_by: str | None
) -> None:
    world = World(paired=False)
    if vouched_by is None:
        # The genuine operator certificate (for the real server key) with a rogue-signed ticket.
        genuine = open_statement(PairingTicket, world.ticket(T0), world.server.public_key)
        rogue = key(server)
        ticket = sign_statement(
            rogue,
            PairingTicket(
                genuine.organisation_id,
                genuine.customer_id,
                genuine.fitter_id,
                genuine.server_nonce,
                genuine.issued_at,
                genuine.expires_at,
                rogue.public_key,
                genuine.operator_certificate,
            ),
        )
    else:
        ticket = world.ticket(T0, server=key(server), vouched_by=key(vouched_by))
    world.core.open_pairing_window(T0)
    client = PairingClient(
        ticket, factory_authority_public_key=world.authority.public_key, rng=world.rng
    )
    reply = world.core.handle(Frame(MessageType.PAIR_BEGIN, client.begin()), T0, world.rng)
    assert _status(world, reply) is StatusCode.WRONG_CERTIFICATE and not world.core.paired


def test_pair_finish_with_a_wrong_confirmation_leaves_the_lock_new() -> None:
    world = World(paired=False)
    world.core.open_pairing_window(T0)
    client = PairingClient(
        world.ticket(T0), factory_authority_public_key=world.authority.public_key, rng=world.rng
    )
    challenge = world.core.handle(Frame(MessageType.PAIR_BEGIN, client.begin()), T0, world.rng)
    assert isinstance(challenge, Frame) and challenge.type is MessageType.PAIR_CHALLENGE
    finish = bytearray(client.on_challenge(challenge.payload))
    finish[-1] ^= 0x01
    reply = world.core.handle(Frame(MessageType.PAIR_FINISH, bytes(finish)), T0, world.rng)
    assert _status(world, reply) is StatusCode.BAD_SIGNATURE and not world.core.paired
    # The attempt is spent: the genuine finish no longer works either.
    genuine = client.on_challenge(challenge.payload)
    reply = world.core.handle(Frame(MessageType.PAIR_FINISH, genuine), T0, world.rng)
    assert _status(world, reply) is StatusCode.NOT_IN_PAIRING_WINDOW and not world.core.paired


def test_ticket_with_a_personal_identity_number_cannot_be_issued() -> None:
    world = World(paired=False)
    for bad in (
        "19400101-1234",
        "010140 12345",
        "Anna Andersson",
        "00000000-0000-0000-0000-000000000000",
    ):
        with pytest.raises(MalformedError):
            issue_pairing_ticket(
                world.server,
                operator_certificate=b"",
                organisation_id=ORG_ID,
                customer_id=bad,
                fitter_id=FITTER_ID,
                server_nonce=bytes(16),
                issued_at=int(T0),
            )


def test_unpair_with_signed_unbind_then_repair() -> None:
    world = World()
    assert world.verified_pairing is not None
    pairing_id = world.verified_pairing.receipt.pairing_id
    credential = world.credential()
    forged = issue_unbind_token(key("mallory"), world.lock_id, pairing_id, int(T0))
    assert _status(world, world.run(credential, Command.UNPAIR, T0, args=forged)) is (
        StatusCode.BAD_SIGNATURE
    )
    other_pairing = issue_unbind_token(world.server, world.lock_id, bytes(16), int(T0))
    assert _status(world, world.run(credential, Command.UNPAIR, T0, args=other_pairing)) is (
        StatusCode.WRONG_PAIRING
    )
    token = issue_unbind_token(world.server, world.lock_id, pairing_id, int(T0))
    auth = world.run(credential, Command.UNPAIR, T0, args=token)
    assert isinstance(auth, Authorization) and not world.core.paired
    world.core.complete(auth, T0)
    # Counters survive the unpair; a fresh pairing gets a new pairing id, so the old token
    # cannot undo it.
    counter = world.core.state.command_counter
    world.pair(T0 + 60)
    assert world.core.state.command_counter == counter
    assert world.verified_pairing.receipt.pairing_id != pairing_id
    reply = world.run(world.credential(now=T0 + 60), Command.UNPAIR, T0 + 60, args=token)
    assert _status(world, reply) is StatusCode.WRONG_PAIRING


def test_receipt_from_another_lock_is_refused_by_the_client() -> None:
    world, other = World(), World("lock-2", serial="LW2026B0002X")
    frame, pending, client = world.request(world.credential(), Command.READ_STATUS, T0)
    auth = world.core.handle(frame, T0, world.rng)
    assert isinstance(auth, Authorization)
    foreign_auth = other.run(other.credential(), Command.READ_STATUS, T0)
    assert isinstance(foreign_auth, Authorization)
    with pytest.raises(ReceiptRejectedError):
        client.verify_receipt(other.core.complete(foreign_auth, T0), pending)
    receipt_frame = world.core.complete(auth, T0)
    tampered = Frame(MessageType.RECEIPT, receipt_frame.payload[:-1] + b"\x00")
    with pytest.raises(ReceiptRejectedError):
        client.verify_receipt(tampered, pending)
    assert client.verify_receipt(receipt_frame, pending).accepted


def test_client_refuses_to_sign_a_challenge_from_another_lock() -> None:
    world, other = World(), World("lock-2", serial="LW2026B0002X")
    client = world.client(world.credential())
    nonce = other.core.handle(client.nonce_request(), T0, other.rng)
    assert isinstance(nonce, Frame)
    with pytest.raises(ReceiptRejectedError):
        client.command(nonce, Command.OPERATE_TEST, T0, world.rng)


def test_all_commands_mask_round_trips() -> None:
    world = World()
    credential = world.credential(commands=ALL_COMMANDS)
    assert world.client(credential).allowed_commands == ALL_COMMANDS


FUZZ_WORLD = World("fuzz")


@settings(max_examples=300, deadline=None)
@given(
    message_type=st.sampled_from(list(MessageType)),
    payload=st.binary(max_size=600),
    pairing_window=st.booleans(),
)
def test_garbage_never_authorises_and_never_crashes(
    message_type: MessageType, payload: bytes, pairing_window: bool
) -> None:
    core = FUZZ_WORLD.core
    if pairing_window:
        core.open_pairing_window(T0)
    counter = core.state.command_counter
    reply = core.handle(Frame(message_type, payload), T0, FUZZ_WORLD.rng)
    assert isinstance(reply, Frame)
    assert core.state.command_counter == counter and core.paired

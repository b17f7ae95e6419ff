"""What a fitter does with a lock: scan, wake, battery, pair, unpair, test, log, diagnose.

Each operation is one function that takes an `OperationContext` (the radio, the registry that
keeps one operation at a time per lock, the factory authority this gateway trusts, the report
queue, a progress sink) and returns a msgspec Struct that the CLI prints as text or JSON.
Failures are typed errors from `GatewayError` whose message tells the fitter what to do.

A lock is named by its serial (on the label), its short serial (the last six characters) or
its advertised name (``LW-`` + short serial). Every operation on one lock first listens for it:
an awake lock is connected at once; a sleeping one is reported, and the fitter is asked to touch
it. Signed evidence (reports, pairing and unpair receipts) is stored in the report queue before
the operation returns, so "done" is never said about something that could still be lost.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Final

import msgspec

from gateway.ble.connection import LockRegistry, ProgressCallback
from gateway.ble.radio import Radio
from gateway.ble.scanner import HeardAdvert, listen
from gateway.errors import GatewayError, InputError
from gateway.lock_client import (
    ANSWER_TIMEOUT_S,
    LockSession,
    PairingOutcome,
    SessionBroken,
    open_session,
)
from gateway.progress import Progress, Step
from gateway.refusals import PairingRefused
from gateway.report_queue import ReportKind, ReportQueue
from lock_protocol.codes import FAULT_OWNER, Command, FaultCode, FaultOwner, PairingState
from lock_protocol.codes import StatusCode as S
from lock_protocol.credentials import peek_statement
from lock_protocol.crypto import NONCE_BYTES, RandomBytes, SigningKey
from lock_protocol.errors import PairingRejectedError, ProtocolError
from lock_protocol.gatt import (
    AD_TYPE_COMPLETE_LOCAL_NAME,
    AD_TYPE_MANUFACTURER_DATA,
    COMPANY_ID,
    NAME_PREFIX,
    Advertisement,
    decode_advertisement,
    short_serial_for,
)
from lock_protocol.lock_core import decode_event_log
from lock_protocol.pairing import PairingTicket, check_pairing_ticket, opaque_id_text
from lock_protocol.reports import verify_report
from lock_protocol.results import DiagnoseResult

# How long `scan` listens. A sleeping lock beacons once a second (firmware_sim.lock
# BEACON_INTERVAL_MS, the same on real locks); 3 s hears every lock in range at least twice, so
# one missed beacon does not hide a lock, and the fitter waits only briefly.
SCAN_DURATION_S: Final = 3.0
# How long `wake` (and every operation on a sleeping lock) waits for the fitter's touch. The
# fitter may have to put the phone down, reach the door and find the touch area; 30 s covers
# that with gloves on, and a lock silent for longer is out of range or has a dead battery.
WAKE_TIMEOUT_S: Final = 30.0
# While waiting for a touch, remind the fitter this often: often enough that the terminal does
# not look hung, rarely enough not to scroll the earlier instructions away.
WAKE_REMINDER_INTERVAL_S: Final = 5.0
# If the lock has not been heard at all after this long, say so (not even a sleeping beacon):
# two beacon intervals, so that an in-range lock has certainly had its chance.
NOT_HEARD_HINT_S: Final = 2.0
# Floor for one wait on the advert queue, so a deadline that is due "now" does not spin.
MIN_WAIT_S: Final = 0.001

_SHORT_SERIAL_TEXT: Final = re.compile(r"^[0-9A-Z]{6}$")
# How a lock may be named: its serial (the server's format: letters, digits and dashes, at
# most 40), its last six characters, or its LW- name, in any case. Bounded, so that no list,
# journal or log line holds more than a serial.
SERIAL_MAX_CHARS: Final = 40
SERIAL_PATTERN: Final = rf"^[0-9A-Za-z-]{{6,{SERIAL_MAX_CHARS}}}$"
_SERIAL_TEXT: Final = re.compile(SERIAL_PATTERN)


def _no_progress(_step: str) -> None:
    """Default progress sink: say nothing."""


# -- context and inputs -----------------------------------------------------------------------


@dataclass
class OperationContext:
    """What every operation needs; the CLI (or the local API) builds one per process."""

    radio: Radio
    factory_authority_public_key: bytes
    queue: ReportQueue
    registry: LockRegistry = field(default_factory=LockRegistry)
    progress: ProgressCallback = _no_progress
    wake_timeout_s: float = WAKE_TIMEOUT_S
    answer_timeout_s: float = ANSWER_TIMEOUT_S
    clock: Callable[[], float] = time.time
    rng: RandomBytes = os.urandom


@dataclass(frozen=True)
class StaffAccess:
    """This gateway's staff device key and a server-signed credential for one lock; with the
    newest server-signed minimum epoch the gateway holds for that lock, pushed to the lock
    before the command (revoked credentials stop working once the lock has it)."""

    key: SigningKey
    credential: bytes
    epoch_update: bytes | None = None


@dataclass(frozen=True)
class LockGrant:
    """A staff credential for one lock and the server nonce for its signed reports."""

    access: StaffAccess
    server_nonce: bytes | None


@dataclass(frozen=True)
class GrantOnConnect:
    """A grant fetched once the lock is connected: the server has not learnt this lock's key
    (a lock paired before Lockwork), so it needs the factory certificate the lock presents in
    the session handshake. ``fetch`` gets the certificate's bytes."""

    fetch: Callable[[bytes], Awaitable[LockGrant]]


# What an operation on a paired lock is given: the credential, or the way to get it once
# connected.
Access = StaffAccess | GrantOnConnect


class WakeTimeout(GatewayError):
    """The lock did not become connectable in time."""

    def __init__(self, message: str, *, lock: str, heard_asleep: bool) -> None:
        super().__init__(message)
        self.lock = lock
        self.heard_asleep = heard_asleep


class TicketProblem(InputError):
    """The pairing ticket cannot be used (expired, not from a trusted server, not a ticket)."""


class ReportNotVerified(SessionBroken):
    """The lock's signed report failed the gateway's own check; it is not queued."""


def lock_short_serial(lock: str) -> str:
    """The short serial of a lock given as serial, short serial or LW- name (any case)."""
    text = lock.strip().upper()
    if not _SERIAL_TEXT.fullmatch(text):
        raise InputError(
            f"{lock[:SERIAL_MAX_CHARS]!r} does not name a lock. Give its serial (on the label: "
            f"letters, digits and dashes, at most {SERIAL_MAX_CHARS}), its last six "
            "characters, or its name as shown by lockwork-gateway scan (LW-XXXXXX)."
        )
    if text.startswith(NAME_PREFIX):
        text = text[len(NAME_PREFIX) :]
    try:
        short = short_serial_for(text)
    except ProtocolError:
        short = ""
    if not _SHORT_SERIAL_TEXT.fullmatch(short):
        raise InputError(
            f"{lock!r} does not name a lock. Give its serial (on the label), its last six "
            "characters, or its name as shown by lockwork-gateway scan (LW-XXXXXX)."
        )
    return short


def _advert(heard: HeardAdvert) -> Advertisement | None:
    """Our advert, decoded with the protocol's own parser; None for anything else."""
    payload = heard.manufacturer_data.get(COMPANY_ID)
    if payload is None:
        return None
    manufacturer = COMPANY_ID.to_bytes(2, "little") + payload
    data = bytes([1 + len(manufacturer), AD_TYPE_MANUFACTURER_DATA]) + manufacturer
    if heard.local_name is not None:
        name = heard.local_name.encode("utf-8", errors="replace")
        data = bytes([1 + len(name), AD_TYPE_COMPLETE_LOCAL_NAME]) + name + data
    try:
        return decode_advertisement(data)
    except ProtocolError:
        return None  # another vendor's test-id device, or a garbled advert


# -- results ----------------------------------------------------------------------------------


class ScannedLock(msgspec.Struct, frozen=True):
    name: str
    short_serial: str
    address: str
    awake: bool
    low_battery: bool
    paired: bool
    factory_new: bool
    connectable: bool | None  # None: the platform's radio does not report it
    rssi: int | None


class ScanResult(msgspec.Struct, frozen=True):
    locks: list[ScannedLock]
    listened_s: float


class WakeResult(msgspec.Struct, frozen=True):
    name: str
    short_serial: str
    address: str
    already_awake: bool
    waited_s: float
    low_battery: bool
    paired: bool


class BatteryReading(msgspec.Struct, frozen=True):
    serial: str
    lock_id: str
    percent: int
    voltage_mv: int
    firmware: str
    faults: list[str]
    paired: bool
    report_counter: int
    lock_time: int
    report: str  # hex: the lock-signed report, exactly as the server will verify it
    server_nonce: str
    server_nonce_from_server: bool  # False: the gateway chose it (offline); see `battery`
    # False: this reading cannot count as the lock's evidence on the server (the gateway chose
    # the nonce); the fitter reads the battery again with the gateway online.
    counts_as_evidence: bool
    queued_id: str


class PairResult(msgspec.Struct, frozen=True):
    serial: str
    lock_id: str
    pairing_id: str
    organisation_id: str
    customer_id: str
    fitter_id: str
    receipt: str  # hex
    queued_id: str


class UnpairResult(msgspec.Struct, frozen=True):
    serial: str
    lock_id: str
    counter: int
    receipt: str  # hex
    queued_id: str


class TestResult(msgspec.Struct, frozen=True):
    serial: str
    ok: bool
    counter: int
    status: str
    fault: str


class LogEntry(msgspec.Struct, frozen=True):
    counter: int
    lock_time: int
    command: str
    status: str
    fault: str


class LogResult(msgspec.Struct, frozen=True):
    serial: str
    entries: list[LogEntry]


class Diagnosis(msgspec.Struct, frozen=True):
    serial: str
    fault: str
    fault_owner: str  # none | lock_unit | lock_case | battery
    responsible: str
    advice: str
    last_actuation: str
    motor_current_healthy: bool
    last_loaded_mv: int
    battery_stage: str
    motor_runs: int


# -- scan and wake ----------------------------------------------------------------------------


async def scan(ctx: OperationContext, duration_s: float = SCAN_DURATION_S) -> ScanResult:
    """Every Lockwork lock heard within ``duration_s``, sorted by name."""
    ctx.progress(Progress.of(Step.SCAN_LISTENING, seconds=f"{duration_s:g}"))
    found: dict[str, ScannedLock] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + duration_s
    async with listen(ctx.radio) as adverts:
        while (left := deadline - loop.time()) > 0:
            try:
                heard = await asyncio.wait_for(adverts.get(), left)
            except TimeoutError:
                break
            advert = _advert(heard)
            if advert is None:
                continue
            if heard.address not in found:
                heard_step = Step.SCAN_HEARD_AWAKE if advert.awake else Step.SCAN_HEARD_ASLEEP
                ctx.progress(Progress.of(heard_step, lock=advert.local_name))
            # The newest advert wins: a lock that wakes during the scan is shown awake.
            found[heard.address] = ScannedLock(
                name=advert.local_name,
                short_serial=advert.short_serial,
                address=heard.address,
                awake=advert.awake,
                low_battery=advert.low_battery,
                paired=advert.paired,
                factory_new=not advert.paired,
                connectable=heard.connectable,
                rssi=heard.rssi,
            )
    locks = sorted(found.values(), key=lambda lock: lock.name)
    ctx.progress(Progress.of(Step.SCAN_DONE, count=len(locks)))
    return ScanResult(locks=locks, listened_s=duration_s)


async def _await_awake(
    ctx: OperationContext, short: str, *, announce: Progress | None
) -> tuple[HeardAdvert, Advertisement, float, bool]:
    """Listen until the lock advertises awake (connectable); tell the fitter what to do.

    Returns (heard, advert, seconds waited, whether it was awake at the first advert).
    """
    name = NAME_PREFIX + short
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + ctx.wake_timeout_s
    next_reminder = started + WAKE_REMINDER_INTERVAL_S
    heard_asleep = False
    heard_any = False
    said_not_heard = False
    if announce:
        ctx.progress(announce)
    async with listen(ctx.radio) as adverts:
        while True:
            now = loop.time()
            if now >= deadline:
                break
            if now >= next_reminder:
                ctx.progress(
                    Progress.of(Step.STILL_WAITING, lock=name, seconds=f"{deadline - now:.0f}")
                )
                next_reminder = now + WAKE_REMINDER_INTERVAL_S
            if not heard_any and not said_not_heard and now - started >= NOT_HEARD_HINT_S:
                said_not_heard = True
                ctx.progress(Progress.of(Step.NOT_HEARD, lock=name))
            wake_up_at = min(deadline, next_reminder)
            if not heard_any and not said_not_heard:
                wake_up_at = min(wake_up_at, started + NOT_HEARD_HINT_S)
            try:
                heard = await asyncio.wait_for(adverts.get(), max(wake_up_at - now, MIN_WAIT_S))
            except TimeoutError:
                continue
            advert = _advert(heard)
            if advert is None or advert.short_serial != short:
                continue
            first = not heard_any
            heard_any = True
            if advert.awake and heard.connectable is not False:
                ctx.progress(Progress.of(Step.LOCK_AWAKE, lock=name))
                return heard, advert, loop.time() - started, first
            if not heard_asleep:
                heard_asleep = True
                ctx.progress(Progress.of(Step.LOCK_ASLEEP, lock=name))
    waited = ctx.wake_timeout_s
    if heard_asleep:
        message = (
            f"Lock {name} is in range but did not wake within {waited:.0f} s. Touch it firmly "
            "on the touch area of the lock unit and try again."
        )
    else:
        message = (
            f"Lock {name} was not heard at all within {waited:.0f} s. Move closer to the door. "
            "If it stays silent, its battery may be empty (a lock with a dead battery does not "
            "wake): replace the battery."
        )
    raise WakeTimeout(message, lock=name, heard_asleep=heard_asleep)


async def wake(ctx: OperationContext, lock: str) -> WakeResult:
    """Ask the fitter to touch the lock and wait until it advertises connectable."""
    short = lock_short_serial(lock)
    heard, advert, waited, already = await _await_awake(
        ctx,
        short,
        announce=Progress.of(
            Step.TOUCH_TO_WAKE, lock=NAME_PREFIX + short, seconds=f"{ctx.wake_timeout_s:.0f}"
        ),
    )
    return WakeResult(
        name=advert.local_name,
        short_serial=short,
        address=heard.address,
        already_awake=already,
        waited_s=round(waited, 3),
        low_battery=advert.low_battery,
        paired=advert.paired,
    )


@asynccontextmanager
async def _session(
    ctx: OperationContext, lock: str, *, announce: Progress | None = None
) -> AsyncIterator[LockSession]:
    short = lock_short_serial(lock)
    heard, *_rest = await _await_awake(ctx, short, announce=announce)
    async with open_session(
        ctx.radio,
        ctx.registry,
        address=heard.address,
        expected_short_serial=short,
        factory_authority_public_key=ctx.factory_authority_public_key,
        progress=ctx.progress,
        answer_timeout_s=ctx.answer_timeout_s,
        clock=ctx.clock,
        rng=ctx.rng,
    ) as session:
        yield session


async def _authorize(
    ctx: OperationContext, session: LockSession, access: Access, server_nonce: bytes | None
) -> tuple[StaffAccess, bytes | None]:
    """The credential (and server nonce) for the connected lock, fetched now if need be; the
    lock is first told the minimum epoch that came with it (every contact carries it)."""
    if not isinstance(access, StaffAccess):
        ctx.progress(Progress.of(Step.SENDING_LOCK_CERTIFICATE, lock=session.label))
        grant = await access.fetch(session.certificate_bytes)
        access, server_nonce = grant.access, grant.server_nonce
    if access.epoch_update is not None:
        await session.set_min_epoch(access.epoch_update)
    return access, server_nonce


async def _fresh_nonce(
    ctx: OperationContext, lock: str, server_nonce: bytes | None
) -> tuple[bytes, bool]:
    """The nonce for a signed report, and whether it is one the server will take.

    The server accepts each nonce it issued once. A nonce already carried by a stored report
    (a second reading offline on the visit's cached credential) would be refused as reused;
    then, as without any server nonce, the gateway picks one, and the fitter is told that this
    reading is not evidence until it is read again online.
    """
    if server_nonce is not None and not await ctx.queue.holds_nonce(server_nonce):
        return server_nonce, True
    step = Step.NONCE_ALREADY_USED if server_nonce is not None else Step.NO_SERVER_NONCE
    ctx.progress(Progress.of(step, lock=lock))
    return ctx.rng(NONCE_BYTES), False


# -- operations on one lock ------------------------------------------------------------------


async def battery(
    ctx: OperationContext,
    lock: str,
    access: Access,
    *,
    server_nonce: bytes | None = None,
) -> BatteryReading:
    """Battery percent and voltage as a lock-signed report, queued for upload.

    ``server_nonce`` is the nonce the server handed out with the credential (with a
    `GrantOnConnect`, the fetched grant's); the server accepts a report only with a nonce it
    issued, and each nonce once. Without one, or with one a stored report already carries
    (offline, the visit's cached credential read twice), the gateway picks a random nonce: the
    reading is still signed by the lock and queued, but it does not count as the lock's
    evidence (``counts_as_evidence`` False, and the fitter is told so).
    """
    if server_nonce is not None and len(server_nonce) != NONCE_BYTES:
        raise InputError(f"The server nonce must be {NONCE_BYTES} bytes (32 hex characters).")
    async with _session(ctx, lock) as session:
        staff, server_nonce = await _authorize(ctx, session, access, server_nonce)
        # Chosen while the session holds the lock's registry entry, so a second operation on
        # this lock cannot take the same nonce before this report is stored.
        nonce, from_server = await _fresh_nonce(ctx, session.label, server_nonce)
        client = session.command_client(staff.key, staff.credential)
        receipt = await session.run(client, Command.READ_REPORT, nonce)
        certificate = session.certificate
        lock_id = session.lock_id
    try:
        verified = verify_report(
            receipt.result,
            ctx.factory_authority_public_key,
            certificate.public_key,
            None,
            nonce,
            ctx.clock(),
        )
    except ProtocolError as exc:
        raise ReportNotVerified(
            f"The battery report from lock {certificate.serial} did not verify ({exc}); it was "
            "not stored. Wake the lock and read the battery again.",
            lock=certificate.serial,
        ) from exc
    report = verified.report
    queued = await ctx.queue.add(
        ReportKind.LOCK_REPORT,
        serial=certificate.serial,
        lock_id=lock_id,
        data=receipt.result,
        server_nonce=nonce,
    )
    ctx.progress(Progress.of(Step.REPORT_STORED, lock=certificate.serial, id=queued.id))
    if not from_server:
        ctx.progress(Progress.of(Step.READING_NOT_EVIDENCE, lock=certificate.serial))
    return BatteryReading(
        serial=certificate.serial,
        lock_id=lock_id.hex(),
        percent=report.values.battery_percent,
        voltage_mv=report.values.battery_mv,
        firmware=report.values.firmware,
        faults=[fault.name for fault in report.values.faults],
        paired=report.pairing_state is PairingState.PAIRED,
        report_counter=report.counter,
        lock_time=report.lock_time,
        report=receipt.result.hex(),
        server_nonce=nonce.hex(),
        server_nonce_from_server=from_server,
        counts_as_evidence=from_server,
        queued_id=queued.id,
    )


async def _recover_receipt(
    session: LockSession, earlier: Sequence[bytes], refused: PairingRefused
) -> PairingOutcome:
    """The receipt of a pairing the lock committed under one of ``earlier``, or ``refused``.
    (A paired lock answers an earlier ticket only with the receipt it stored for it.)"""
    for ticket in earlier:
        try:
            return await session.pair(ticket)
        except PairingRefused:
            continue
    raise refused


def check_ticket(ctx: OperationContext, ticket: bytes) -> PairingTicket:
    """The lock's own checks of a pairing ticket, run first on the gateway for a clear error."""
    try:
        return check_pairing_ticket(ticket, ctx.clock(), ctx.factory_authority_public_key)
    except PairingRejectedError as exc:
        if exc.status is S.TICKET_EXPIRED:
            expires = _ticket_expiry(ticket)
            raise TicketProblem(
                f"The pairing ticket is not valid now (valid until {expires}; tickets live at "
                "most 10 minutes). Fetch a new ticket from the server."
            ) from exc
        if exc.status in (S.WRONG_CERTIFICATE, S.BAD_SIGNATURE):
            raise TicketProblem(
                "The pairing ticket was not issued by a server that this gateway's factory "
                "authority vouches for. Fetch the ticket from the Lockwork server of this "
                "customer's organisation."
            ) from exc
        raise TicketProblem(
            "The ticket file does not hold a valid pairing ticket. Fetch it again from the "
            "server (lockwork-gateway pair --help says how)."
        ) from exc


def _ticket_expiry(ticket: bytes) -> str:
    try:
        expires = peek_statement(PairingTicket, ticket).expires_at
    except ProtocolError:
        return "unknown"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(expires))


async def pair(
    ctx: OperationContext, lock: str, ticket: bytes, *, earlier: Sequence[bytes] = ()
) -> PairResult:
    """Pair a factory-new lock to the customer named in a server-issued ticket.

    Works offline: the ticket may have been fetched earlier (within its lifetime); the lock's
    signed pairing receipt is queued and uploaded later. ``earlier``: tickets fetched before
    for the same order; a lock that answers "already paired" is shown them, and one that
    committed its pairing under one of them (its receipt lost, e.g. with a killed gateway)
    sends that receipt again. Nothing is paired anew with them.
    """
    check_ticket(ctx, ticket)
    name = NAME_PREFIX + lock_short_serial(lock)
    announce = Progress.of(Step.PRESS_PAIRING_BUTTON, lock=name)
    async with _session(ctx, lock, announce=announce) as session:
        try:
            outcome = await session.pair(ticket)
        except PairingRefused as refused:
            if refused.status is not S.ALREADY_PAIRED or not earlier:
                raise
            outcome = await _recover_receipt(session, earlier, refused)
        ticket = outcome.ticket
        lock_id = session.lock_id
    receipt = outcome.verified.receipt
    serial = outcome.verified.certificate.serial
    # A receipt the lock sent again (same ticket) may be queued already: store it once.
    queued = await ctx.queue.find(ReportKind.PAIRING_RECEIPT, outcome.receipt)
    if queued is None:
        queued = await ctx.queue.add(
            ReportKind.PAIRING_RECEIPT,
            serial=serial,
            lock_id=lock_id,
            data=outcome.receipt,
            ticket=ticket,
        )
    ctx.progress(Progress.of(Step.PAIRING_RECEIPT_STORED, lock=serial, id=queued.id))
    return PairResult(
        serial=serial,
        lock_id=lock_id.hex(),
        pairing_id=receipt.pairing_id.hex(),
        organisation_id=opaque_id_text(receipt.organisation_id),
        customer_id=opaque_id_text(receipt.customer_id),
        fitter_id=opaque_id_text(receipt.fitter_id),
        receipt=outcome.receipt.hex(),
        queued_id=queued.id,
    )


async def unpair(
    ctx: OperationContext, lock: str, access: Access, unbind_token: bytes
) -> UnpairResult:
    """Return a paired lock to factory-new with a server-signed unbind token."""
    async with _session(ctx, lock) as session:
        staff, _nonce = await _authorize(ctx, session, access, None)
        client = session.command_client(staff.key, staff.credential)
        receipt, signed = await session.run_signed(client, Command.UNPAIR, unbind_token)
        serial = session.certificate.serial
        lock_id = session.lock_id
    queued = await ctx.queue.add(
        ReportKind.UNPAIR_RECEIPT, serial=serial, lock_id=lock_id, data=signed
    )
    ctx.progress(Progress.of(Step.UNPAIR_RECEIPT_STORED, lock=serial, id=queued.id))
    return UnpairResult(
        serial=serial,
        lock_id=lock_id.hex(),
        counter=receipt.counter,
        receipt=signed.hex(),
        queued_id=queued.id,
    )


async def test(ctx: OperationContext, lock: str, access: Access) -> TestResult:
    """OPERATE_TEST: a lock/unlock cycle. A fault raises a typed error (bolt left as it was)."""
    async with _session(ctx, lock) as session:
        staff, _nonce = await _authorize(ctx, session, access, None)
        client = session.command_client(staff.key, staff.credential)
        receipt = await session.run(client, Command.OPERATE_TEST)
        serial = session.certificate.serial
    return TestResult(
        serial=serial,
        ok=True,
        counter=receipt.counter,
        status=receipt.status.name,
        fault=receipt.fault.name,
    )


def _code_name(enum: Callable[[int], object], value: int) -> str:
    try:
        return str(getattr(enum(value), "name", value))
    except ProtocolError:
        return f"UNKNOWN_{value:#04x}"


async def log(ctx: OperationContext, lock: str, access: Access) -> LogResult:
    """The lock's own event log (commands it authorised, with status and fault), oldest first."""
    async with _session(ctx, lock) as session:
        staff, _nonce = await _authorize(ctx, session, access, None)
        client = session.command_client(staff.key, staff.credential)
        receipt = await session.run(client, Command.READ_EVENT_LOG)
        serial = session.certificate.serial
    try:
        entries = decode_event_log(receipt.result)
    except ProtocolError as exc:
        raise SessionBroken(
            f"The event log from lock {serial} could not be read. Try again; if it persists "
            "the lock firmware may be newer than this gateway.",
            lock=serial,
        ) from exc
    return LogResult(
        serial=serial,
        entries=[
            LogEntry(
                counter=entry.counter,
                lock_time=entry.lock_time,
                command=_code_name(Command.parse, entry.command),
                status=_code_name(S.parse, entry.status),
                fault=_code_name(FaultCode.parse, entry.fault),
            )
            for entry in entries
        ],
    )


_OWNER_TEXT: Final[dict[FaultOwner, tuple[str, str, str]]] = {
    FaultOwner.NONE: ("none", "nobody", "No fault recorded: the lock and the lock case work."),
    FaultOwner.LOCK_UNIT: (
        "lock_unit",
        "Lockwork (the lock unit)",
        "The lock unit is at fault (motor or drive). Replace or service the lock unit.",
    ),
    FaultOwner.LOCK_CASE: (
        "lock_case",
        "the customer (the lock case, låskistan)",
        "The bolt jams in the lock case while the motor works normally. The lock case in the "
        "door is the customer's responsibility: note it on the order, the lock unit is fine.",
    ),
    FaultOwner.BATTERY: (
        "battery",
        "Lockwork (battery change)",
        "The battery is too weak to drive the motor. Replace the battery and test again.",
    ),
}


async def diagnose(ctx: OperationContext, lock: str, access: Access) -> Diagnosis:
    """Who owns the lock's last fault: the lock unit (ours) or the lock case (customer's)."""
    async with _session(ctx, lock) as session:
        staff, _nonce = await _authorize(ctx, session, access, None)
        client = session.command_client(staff.key, staff.credential)
        receipt = await session.run(client, Command.DIAGNOSE)
        serial = session.certificate.serial
    try:
        result = DiagnoseResult.decode(receipt.result)
    except ProtocolError as exc:
        raise SessionBroken(
            f"The diagnosis from lock {serial} could not be read. Try again; if it persists "
            "the lock firmware may be newer than this gateway.",
            lock=serial,
        ) from exc
    owner_key, responsible, advice = _OWNER_TEXT[FAULT_OWNER[result.last_fault]]
    return Diagnosis(
        serial=serial,
        fault=result.last_fault.name,
        fault_owner=owner_key,
        responsible=responsible,
        advice=advice,
        last_actuation=result.last_actuation.name,
        motor_current_healthy=result.motor_current_healthy,
        last_loaded_mv=result.last_loaded_mv,
        battery_stage=result.battery_stage.name,
        motor_runs=result.motor_runs,
    )

"""Code bytes on the wire: message types, commands, statuses, faults.

Each enum has a `parse()` classmethod that looks the value up in a table built once and
raises `UnknownCodeError` on anything unknown (never `ValueError`, never a silent default).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Self

from lock_protocol.errors import UnknownCodeError


class _Code(IntEnum):
    """An IntEnum with a typed value -> member lookup."""

    @classmethod
    def parse(cls, value: int) -> Self:
        member = _LOOKUP.get(cls, {}).get(value)
        if member is None:
            raise UnknownCodeError(f"unknown {cls.__name__} value {value:#04x}")
        return member  # type: ignore[return-value]


_LOOKUP: dict[type[_Code], dict[int, _Code]] = {}


def _register(cls: type[_Code]) -> None:
    _LOOKUP[cls] = {int(m): m for m in cls}


class MessageType(_Code):
    """Frame type byte: what the payload of a frame is (see `encoding.Frame`)."""

    # Session set-up, in clear (the only frames allowed before the link is encrypted).
    HELLO = 0x01
    HELLO_ACK = 0x02
    # The encrypted envelope; every message below travels inside one once a session exists.
    SEALED = 0x03
    # Per-command challenge-response.
    NONCE_REQUEST = 0x10
    NONCE = 0x11
    COMMAND = 0x12
    RECEIPT = 0x13
    # Pairing (provisioning).
    PAIR_BEGIN = 0x20
    PAIR_CHALLENGE = 0x21
    PAIR_FINISH = 0x22
    PAIR_RECEIPT = 0x23
    # Revocation: server-signed minimum epoch pushed at every contact.
    SET_MIN_EPOCH = 0x30
    EPOCH_ACK = 0x31
    # A lock-side refusal that could not be expressed as a signed receipt.
    ERROR = 0x7F


class Command(_Code):
    """Staff commands; each needs a server-signed credential that allows it.

    Values are bit positions in `StaffCredential.allowed_commands` (a 32-bit mask).
    """

    READ_STATUS = 0x01
    READ_BATTERY = 0x02
    OPERATE_TEST = 0x03  # lock/unlock cycle test: the only command that moves the bolt
    READ_EVENT_LOG = 0x04
    DIAGNOSE = 0x05
    READ_REPORT = 0x06  # args: 16-byte server nonce; result: a signed LockReport
    UNPAIR = 0x07  # args: a server-signed UnbindToken


class StatusCode(_Code):
    """The lock's answer. Only OK authorises anything."""

    OK = 0x00
    MALFORMED = 0x01
    BAD_SIGNATURE = 0x02
    REPLAYED_NONCE = 0x03
    NONCE_EXPIRED = 0x04
    CREDENTIAL_EXPIRED = 0x05
    CREDENTIAL_NOT_YET_VALID = 0x06
    CREDENTIAL_REVOKED = 0x07
    WRONG_LOCK = 0x08
    NOT_PERMITTED = 0x09
    NOT_PAIRED = 0x0A
    NOT_IN_PAIRING_WINDOW = 0x0B
    ALREADY_PAIRED = 0x0C
    TICKET_EXPIRED = 0x0D
    WRONG_PAIRING = 0x0E
    STORAGE_FAILURE = 0x0F
    BATTERY_TOO_LOW = 0x20
    BOLT_JAMMED = 0x21
    MOTOR_FAULT = 0x22
    # Verifier-side reasons (server / client), never sent by a lock.
    WRONG_CERTIFICATE = 0x40
    COUNTER_NOT_INCREASING = 0x41
    STALE_SERVER_NONCE = 0x42
    LOCK_TIME_OUT_OF_RANGE = 0x43


class FaultOwner(_Code):
    """Who fixes it: the lock unit is ours; the lock case (låskista) is the customer's."""

    NONE = 0x00
    LOCK_UNIT = 0x01
    LOCK_CASE = 0x02
    BATTERY = 0x03


class FaultCode(_Code):
    """Fault codes carried in receipts and reports."""

    NONE = 0x00
    # Bolt jammed while the motor drew a healthy current profile: the mechanism in the door
    # (the lock case, "låskistan") blocks it, not our lock unit. The customer's responsibility.
    LOCK_CASE_BOLT_JAMMED = 0x01
    # Bolt jammed with an abnormal motor current (stall/short): the lock unit itself.
    LOCK_UNIT_BOLT_JAMMED = 0x02
    LOCK_UNIT_MOTOR_FAULT = 0x03
    BATTERY_TOO_LOW = 0x04


class Actuation(_Code):
    """What the motor did, measured by the lock (the simulator supplies it)."""

    NOT_ATTEMPTED = 0x00  # command that does not move the bolt
    OK = 0x01
    JAMMED = 0x02
    MOTOR_FAULT = 0x03
    BATTERY_TOO_LOW = 0x04


class PairingState(_Code):
    FACTORY_NEW = 0x00
    PAIRED = 0x01


for _cls in (MessageType, Command, StatusCode, FaultOwner, FaultCode, Actuation, PairingState):
    _register(_cls)


FAULT_OWNER: dict[FaultCode, FaultOwner] = {
    FaultCode.NONE: FaultOwner.NONE,
    FaultCode.LOCK_CASE_BOLT_JAMMED: FaultOwner.LOCK_CASE,
    FaultCode.LOCK_UNIT_BOLT_JAMMED: FaultOwner.LOCK_UNIT,
    FaultCode.LOCK_UNIT_MOTOR_FAULT: FaultOwner.LOCK_UNIT,
    FaultCode.BATTERY_TOO_LOW: FaultOwner.BATTERY,
}


def classify_actuation(
    outcome: Actuation, *, motor_current_healthy: bool
) -> tuple[StatusCode, FaultCode]:
    """Map a measured actuation to the status and fault the lock reports.

    A jam with a healthy motor current profile points to the lock case (customer's side);
    a jam with an abnormal profile points to the lock unit.
    """
    if outcome in (Actuation.OK, Actuation.NOT_ATTEMPTED):
        return StatusCode.OK, FaultCode.NONE
    if outcome is Actuation.JAMMED:
        if motor_current_healthy:
            return StatusCode.BOLT_JAMMED, FaultCode.LOCK_CASE_BOLT_JAMMED
        return StatusCode.BOLT_JAMMED, FaultCode.LOCK_UNIT_BOLT_JAMMED
    if outcome is Actuation.MOTOR_FAULT:
        return StatusCode.MOTOR_FAULT, FaultCode.LOCK_UNIT_MOTOR_FAULT
    return StatusCode.BATTERY_TOO_LOW, FaultCode.BATTERY_TOO_LOW


def commands_mask(commands: frozenset[Command] | set[Command]) -> int:
    """The 32-bit mask of `StaffCredential.allowed_commands`."""
    mask = 0
    for command in commands:
        mask |= 1 << int(command)
    return mask


def commands_from_mask(mask: int) -> frozenset[Command]:
    """Decode a mask; an unknown bit is malformed, not ignored (fail closed, visibly)."""
    out: set[Command] = set()
    for bit in range(32):
        if mask & (1 << bit):
            out.add(Command.parse(bit))
    return frozenset(out)

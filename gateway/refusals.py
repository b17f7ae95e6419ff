"""The lock's refusals, in one table (pure): status -> error class, code, English and Swedish.

When the lock says no (a signed refusal in its receipt, or an ERROR frame) the gateway raises
the refusal's error class with the English text, written for the fitter at the door; the local
API gives the app the stable code and the Swedish text of the same row. A jammed bolt is told
apart by its fault code (who fixes it: the customer's lock case or our lock unit).

Texts are templates: ``{lock}`` is the lock's name, ``{command}`` the command refused, and every
number comes from the timing constant it describes (``{pairing_window_s}``,
``{ticket_minutes}``), so a changed bound changes what the fitter reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from gateway.errors import LockError
from lock_protocol.codes import FAULT_OWNER, Command, FaultCode, FaultOwner
from lock_protocol.codes import StatusCode as S
from lock_protocol.messages import Receipt
from lock_protocol.timing import (
    PAIRING_TICKET_MAX_LIFETIME_SECONDS,
    PAIRING_WINDOW_SECONDS,
    UNBIND_TOKEN_MAX_LIFETIME_SECONDS,
)

# -- the error classes --------------------------------------------------------------------------


class LockRefused(LockError):
    """The lock said no (a signed refusal or an ERROR frame); nothing was authorised."""

    def __init__(
        self,
        message: str,
        *,
        lock: str,
        status: S,
        fault: FaultCode = FaultCode.NONE,
        receipt: Receipt | None = None,
    ) -> None:
        super().__init__(message, lock=lock)
        self.status = status
        self.fault = fault
        self.receipt = receipt


class LockNotPaired(LockRefused):
    """The lock is factory-new: it takes no staff commands until it is paired."""


class AccessDenied(LockRefused):
    """The lock refused the credential (expired, revoked, another lock, not permitted)."""


class PairingRefused(LockRefused):
    """The lock refused to pair (no button press, already paired, ticket expired ...)."""


class ActuationFailed(LockRefused):
    """The command was authorised but the motor could not (or did not) finish; the lock
    stopped it with the bolt where it was. ``fault_owner`` says who fixes it."""

    @property
    def fault_owner(self) -> FaultOwner:
        return FAULT_OWNER[self.fault]


class BatteryTooLow(ActuationFailed):
    """The battery sagged too far under load; the motor was not started."""


class BoltJammed(ActuationFailed):
    """The bolt did not move: the lock case (healthy motor current) or the lock unit."""


class MotorFault(ActuationFailed):
    """The motor drew an abnormal current: the lock unit needs service."""


# -- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refusal:
    """One row: the error class to raise, the app's stable code, and the two texts."""

    code: str
    error: type[LockRefused]
    english: str
    swedish: str

    def english_for(self, lock: str, command: Command | None = None) -> str:
        what = command.name if command is not None else "this command"
        return self.english.format(lock=lock, command=what, **_NUMBERS)

    def swedish_for(self, lock: str) -> str:
        return self.swedish.format(lock=lock, **_NUMBERS)


# The numbers the texts quote, each from the bound it describes.
_NUMBERS: Final[dict[str, str]] = {
    "pairing_window_s": f"{PAIRING_WINDOW_SECONDS:.0f}",
    "ticket_minutes": (
        f"{max(PAIRING_TICKET_MAX_LIFETIME_SECONDS, UNBIND_TOKEN_MAX_LIFETIME_SECONDS) / 60:.0f}"
    ),
}

REFUSALS: Final[dict[S, Refusal]] = {
    S.NOT_PAIRED: Refusal(
        "lock_not_paired",
        LockNotPaired,
        "Lock {lock} is factory-new (not paired to a customer), so it takes no commands. "
        "Pair it first (lockwork-gateway pair).",
        "Låset {lock} är fabriksnytt (inte parkopplat till en kund) och tar inte emot "
        "kommandon. Parkoppla det först.",
    ),
    S.NOT_PERMITTED: Refusal(
        "command_not_permitted",
        AccessDenied,
        "Your credential does not allow {command} on lock {lock}. Ask the planner for a "
        "credential that includes it.",
        "Din behörighet tillåter inte det här kommandot på låset {lock}. Be planeraren om en "
        "behörighet som omfattar det.",
    ),
    S.CREDENTIAL_EXPIRED: Refusal(
        "credential_expired",
        AccessDenied,
        "Lock {lock} says your credential has expired. Fetch a new credential for this visit.",
        "Låset {lock} säger att din behörighet har gått ut. Hämta en ny behörighet för besöket.",
    ),
    S.CREDENTIAL_NOT_YET_VALID: Refusal(
        "credential_not_yet_valid",
        AccessDenied,
        "Lock {lock} says your credential is not valid yet (its visit window has not started, "
        "or the lock's clock is off). Check the visit time, or fetch a new credential.",
        "Låset {lock} säger att din behörighet inte gäller än. Kontrollera besökstiden eller "
        "hämta en ny behörighet.",
    ),
    S.CREDENTIAL_REVOKED: Refusal(
        "credential_revoked",
        AccessDenied,
        "Lock {lock} says your credential has been revoked. Fetch a new credential.",
        "Låset {lock} säger att din behörighet är återkallad. Hämta en ny behörighet.",
    ),
    S.WRONG_LOCK: Refusal(
        "wrong_lock",
        AccessDenied,
        "The credential or token was issued for another lock, not {lock}. Check the serial "
        "on the order and fetch the right one.",
        "Behörigheten gäller ett annat lås än {lock}. Kontrollera serienumret på ordern.",
    ),
    S.BAD_SIGNATURE: Refusal(
        "signature_not_accepted",
        AccessDenied,
        "Lock {lock} did not accept the signature: the credential or token was not issued by "
        "the server this lock is paired with, or it was issued to another gateway's key. "
        "Fetch a new one for this gateway.",
        "Låset {lock} godtog inte signaturen: behörigheten kommer inte från den server låset "
        "är parkopplat med, eller gäller en annan gateway. Hämta en ny.",
    ),
    S.REPLAYED_NONCE: Refusal(
        "replayed_request",
        LockRefused,
        "Lock {lock} refused a reused one-time code (the request arrived twice). Try again.",
        "Låset {lock} avvisade en återanvänd engångskod. Försök igen.",
    ),
    S.NONCE_EXPIRED: Refusal(
        "one_time_code_expired",
        LockRefused,
        "The lock's one-time code expired before the command reached lock {lock} (a slow "
        "connection). Stay close to the door and try again.",
        "Låsets engångskod gick ut innan kommandot kom fram till {lock}. Stanna nära dörren "
        "och försök igen.",
    ),
    S.MALFORMED: Refusal(
        "request_not_understood",
        LockRefused,
        "Lock {lock} could not read the request. The gateway and the lock firmware may not "
        "match: update the gateway, and report the lock's serial if it persists.",
        "Låset {lock} kunde inte läsa begäran. Uppdatera gatewayen; rapportera låsets "
        "serienummer om felet kvarstår.",
    ),
    S.STORAGE_FAILURE: Refusal(
        "lock_storage_failure",
        LockRefused,
        "Lock {lock} could not save its state and refused to act, as it must. The lock unit "
        "needs service.",
        "Låset {lock} kunde inte spara sitt tillstånd och vägrade agera. Låsenheten behöver "
        "service.",
    ),
    S.NOT_IN_PAIRING_WINDOW: Refusal(
        "not_in_pairing_mode",
        PairingRefused,
        "Lock {lock} is not in pairing mode. Press the pairing button on the lock, then pair "
        "within {pairing_window_s} s.",
        "Låset {lock} är inte i parkopplingsläge. Tryck på parkopplingsknappen och parkoppla "
        "inom {pairing_window_s} sekunder.",
    ),
    S.ALREADY_PAIRED: Refusal(
        "already_paired",
        PairingRefused,
        "Lock {lock} is already paired to a customer. To pair it again it must first be "
        "unpaired with a server-issued unbind token (lockwork-gateway unpair).",
        "Låset {lock} är redan parkopplat till en kund. Det måste först kopplas från med en "
        "frånkopplingsbiljett från servern.",
    ),
    S.TICKET_EXPIRED: Refusal(
        "ticket_expired",
        PairingRefused,
        "Lock {lock} says the ticket or token has expired (they live at most {ticket_minutes} "
        "minutes). Fetch a new one from the server.",
        "Låset {lock} säger att biljetten har gått ut (den gäller högst {ticket_minutes} "
        "minuter). Hämta en ny från servern.",
    ),
    S.WRONG_PAIRING: Refusal(
        "wrong_pairing",
        PairingRefused,
        "The unbind token is for an earlier pairing of lock {lock}. Fetch a new unbind token.",
        "Frånkopplingsbiljetten gäller en tidigare parkoppling av {lock}. Hämta en ny.",
    ),
    S.WRONG_CERTIFICATE: Refusal(
        "server_not_trusted_by_lock",
        PairingRefused,
        "Lock {lock} does not trust the server that issued the pairing ticket (its operator "
        "certificate is not from this lock's factory). Fetch a ticket from the right server.",
        "Låset {lock} litar inte på servern som utfärdade biljetten. Hämta biljetten från "
        "rätt server.",
    ),
    S.BATTERY_TOO_LOW: Refusal(
        "battery_too_low",
        BatteryTooLow,
        "The battery of lock {lock} is too weak to turn the motor. The lock did not start the "
        "motor and the bolt was left as it was. Replace the battery, then test again.",
        "Batteriet i låset {lock} är för svagt för motorn. Motorn startades inte och regeln "
        "lämnades som den var. Byt batteri och testa igen.",
    ),
    S.MOTOR_FAULT: Refusal(
        "motor_fault",
        MotorFault,
        "The motor of lock {lock} drew an abnormal current and was stopped; the bolt was left "
        "as it was. The lock unit needs service or replacement.",
        "Motorn i låset {lock} drog onormal ström och stoppades; regeln lämnades som den var. "
        "Låsenheten behöver service eller bytas.",
    ),
}

# BOLT_JAMMED, by the fault the lock measured: who fixes it.
JAMS: Final[dict[FaultCode, Refusal]] = {
    FaultCode.LOCK_CASE_BOLT_JAMMED: Refusal(
        "bolt_jammed_lock_case",
        BoltJammed,
        "The bolt of lock {lock} is jammed while the motor worked normally: the lock case "
        "(låskistan) in the door blocks it, not the lock unit. The bolt was left as it was. "
        "The lock case is the customer's responsibility: note it on the order.",
        "Regeln i låset {lock} kärvar fast motorn fungerar normalt: det är låskistan i dörren "
        "som blockerar, inte låsenheten. Regeln lämnades som den var. Låskistan är kundens "
        "ansvar: notera det på ordern.",
    ),
    FaultCode.LOCK_UNIT_BOLT_JAMMED: Refusal(
        "bolt_jammed_lock_unit",
        BoltJammed,
        "The bolt of lock {lock} is jammed and the motor current was abnormal: the lock unit "
        "itself is at fault. The bolt was left as it was. The lock unit needs service.",
        "Regeln i låset {lock} kärvar och motorströmmen var onormal: felet sitter i "
        "låsenheten. Regeln lämnades som den var. Låsenheten behöver service.",
    ),
}


def refusal_for(status: S, fault: FaultCode = FaultCode.NONE) -> Refusal:
    """The row for a refusal with ``status`` (and, for a jam, ``fault``)."""
    if status is S.BOLT_JAMMED:
        return JAMS.get(fault, JAMS[FaultCode.LOCK_UNIT_BOLT_JAMMED])
    known = REFUSALS.get(status)
    if known is not None:
        return known
    return Refusal(
        "lock_refused",
        LockRefused,
        "Lock {lock} refused {command} (" + status.name + ").",
        "Låset {lock} sa nej (" + status.name + ").",
    )


def refusal_error(
    status: S,
    *,
    lock: str,
    command: Command | None = None,
    fault: FaultCode = FaultCode.NONE,
    receipt: Receipt | None = None,
) -> LockRefused:
    """The typed error, with the fitter's message, for a refusal with ``status``."""
    refusal = refusal_for(status, fault)
    return refusal.error(
        refusal.english_for(lock, command),
        lock=lock,
        status=status,
        fault=fault,
        receipt=receipt,
    )

"""Typed error codes with Swedish and English messages, for the local API (pure).

The gateway's errors carry an English message written for the fitter (with details such as
the lock's name). The app needs a stable code to act on and a Swedish text: this table gives
both, by error class and, for the lock's own refusals, by the lock's status code. The English
message stays the error's own (more specific) text.
"""

from __future__ import annotations

from typing import Final

import msgspec

from gateway.ble.errors import (
    BleError,
    BleTimeout,
    CharacteristicMissing,
    ConnectFailed,
    EncryptionRequired,
    LinkLost,
    LockNotFound,
    PairingFailed,
    RadioUnavailable,
)
from gateway.errors import CodedError, GatewayError, InputError
from gateway.lock_client import (
    CommandInterrupted,
    CredentialProblem,
    LockAnswerTimeout,
    LockError,
    LockNotGenuine,
    LockRefused,
    SessionBroken,
)
from gateway.operations import ReportNotVerified, TicketProblem, WakeTimeout
from gateway.protocol.codes import FaultCode
from gateway.protocol.codes import StatusCode as S
from gateway.report_queue import ReportQueueError


class ErrorBody(msgspec.Struct, frozen=True):
    """Contract B's error object."""

    code: str
    message_sv: str
    message_en: str


# The lock's signed refusals: status -> (code, Swedish text). `{lock}` is filled in.
_STATUS_TEXT: Final[dict[S, tuple[str, str]]] = {
    S.NOT_PAIRED: (
        "lock_not_paired",
        "Låset {lock} är fabriksnytt (inte parkopplat till en kund) och tar inte emot "
        "kommandon. Parkoppla det först.",
    ),
    S.NOT_PERMITTED: (
        "command_not_permitted",
        "Din behörighet tillåter inte det här kommandot på låset {lock}. Be planeraren om en "
        "behörighet som omfattar det.",
    ),
    S.CREDENTIAL_EXPIRED: (
        "credential_expired",
        "Låset {lock} säger att din behörighet har gått ut. Hämta en ny behörighet för besöket.",
    ),
    S.CREDENTIAL_NOT_YET_VALID: (
        "credential_not_yet_valid",
        "Låset {lock} säger att din behörighet inte gäller än. Kontrollera besökstiden eller "
        "hämta en ny behörighet.",
    ),
    S.CREDENTIAL_REVOKED: (
        "credential_revoked",
        "Låset {lock} säger att din behörighet är återkallad. Hämta en ny behörighet.",
    ),
    S.WRONG_LOCK: (
        "wrong_lock",
        "Behörigheten gäller ett annat lås än {lock}. Kontrollera serienumret på ordern.",
    ),
    S.BAD_SIGNATURE: (
        "signature_not_accepted",
        "Låset {lock} godtog inte signaturen: behörigheten kommer inte från den server låset "
        "är parkopplat med, eller gäller en annan gateway. Hämta en ny.",
    ),
    S.REPLAYED_NONCE: (
        "replayed_request",
        "Låset {lock} avvisade en återanvänd engångskod. Försök igen.",
    ),
    S.NONCE_EXPIRED: (
        "one_time_code_expired",
        "Låsets engångskod gick ut innan kommandot kom fram till {lock}. Stanna nära dörren "
        "och försök igen.",
    ),
    S.MALFORMED: (
        "request_not_understood",
        "Låset {lock} kunde inte läsa begäran. Uppdatera gatewayen; rapportera låsets "
        "serienummer om felet kvarstår.",
    ),
    S.STORAGE_FAILURE: (
        "lock_storage_failure",
        "Låset {lock} kunde inte spara sitt tillstånd och vägrade agera. Låsenheten behöver "
        "service.",
    ),
    S.NOT_IN_PAIRING_WINDOW: (
        "not_in_pairing_mode",
        "Låset {lock} är inte i parkopplingsläge. Tryck på parkopplingsknappen och parkoppla "
        "inom 30 sekunder.",
    ),
    S.ALREADY_PAIRED: (
        "already_paired",
        "Låset {lock} är redan parkopplat till en kund. Det måste först kopplas från med en "
        "frånkopplingsbiljett från servern.",
    ),
    S.TICKET_EXPIRED: (
        "ticket_expired",
        "Låset {lock} säger att biljetten har gått ut (den gäller högst 10 minuter). Hämta en "
        "ny från servern.",
    ),
    S.WRONG_PAIRING: (
        "wrong_pairing",
        "Frånkopplingsbiljetten gäller en tidigare parkoppling av {lock}. Hämta en ny.",
    ),
    S.WRONG_CERTIFICATE: (
        "server_not_trusted_by_lock",
        "Låset {lock} litar inte på servern som utfärdade biljetten. Hämta biljetten från "
        "rätt server.",
    ),
    S.BATTERY_TOO_LOW: (
        "battery_too_low",
        "Batteriet i låset {lock} är för svagt för motorn. Motorn startades inte och regeln "
        "lämnades som den var. Byt batteri och testa igen.",
    ),
    S.MOTOR_FAULT: (
        "motor_fault",
        "Motorn i låset {lock} drog onormal ström och stoppades; regeln lämnades som den var. "
        "Låsenheten behöver service eller bytas.",
    ),
}

_JAMMED: Final[dict[FaultCode, tuple[str, str]]] = {
    FaultCode.LOCK_CASE_BOLT_JAMMED: (
        "bolt_jammed_lock_case",
        "Regeln i låset {lock} kärvar fast motorn fungerar normalt: det är låskistan i dörren "
        "som blockerar, inte låsenheten. Regeln lämnades som den var. Låskistan är kundens "
        "ansvar: notera det på ordern.",
    ),
    FaultCode.LOCK_UNIT_BOLT_JAMMED: (
        "bolt_jammed_lock_unit",
        "Regeln i låset {lock} kärvar och motorströmmen var onormal: felet sitter i "
        "låsenheten. Regeln lämnades som den var. Låsenheten behöver service.",
    ),
}

# Error class -> (code, Swedish text); the first class that matches wins, so subclasses
# come before their bases. `{lock}` is the lock's name when the error knows it.
_CLASS_TEXT: Final[list[tuple[type[BaseException], str, str]]] = [
    (
        TicketProblem,
        "ticket_unusable",
        "Parkopplingsbiljetten kan inte användas (för gammal, fel server eller ingen biljett). "
        "Hämta en ny biljett för ordern.",
    ),
    (
        ReportNotVerified,
        "report_not_verified",
        "Rapporten från låset {lock} kunde inte verifieras och sparades inte. Väck låset och "
        "läs batteriet igen.",
    ),
    (
        LockNotGenuine,
        "lock_not_genuine",
        "Låset {lock} kunde inte bevisa att det är äkta. Inget kommando skickades. Kontakta "
        "Lockwork om det här låset.",
    ),
    (
        LockAnswerTimeout,
        "lock_answer_timeout",
        "Låset {lock} svarade inte i tid. Regeln lämnades som den var. Gå närmare och försök igen.",
    ),
    (
        CommandInterrupted,
        "command_interrupted",
        "Anslutningen till låset {lock} bröts mitt i kommandot. Stanna nära dörren och försök "
        "igen; läs låsets logg om du vill veta om kommandot hann utföras.",
    ),
    (
        CredentialProblem,
        "credential_problem",
        "Behörigheten passar inte låset {lock}, den här gatewayen eller tiden. Hämta en ny "
        "behörighet för besöket.",
    ),
    (
        SessionBroken,
        "session_broken",
        "Den säkra förbindelsen med låset {lock} fungerade inte. Försök igen.",
    ),
    (
        WakeTimeout,
        "wake_timeout",
        "Låset {lock} vaknade inte i tid. Tryck ordentligt på låsets pekyta och försök igen. "
        "Hörs låset inte alls kan batteriet vara slut.",
    ),
    (
        LockNotFound,
        "lock_not_found",
        "Låset hittades inte. Väck låset och se till att du är nära dörren.",
    ),
    (ConnectFailed, "connect_failed", "Kunde inte ansluta till låset. Väck låset och försök igen."),
    (LinkLost, "link_lost", "Anslutningen till låset bröts. Stanna nära dörren och försök igen."),
    (BleTimeout, "bluetooth_timeout", "Låset svarade inte i tid. Gå närmare och försök igen."),
    (
        EncryptionRequired,
        "encryption_required",
        "Låset kräver en parkopplad anslutning. Parkoppla låset först.",
    ),
    (
        PairingFailed,
        "bluetooth_pairing_failed",
        "Bluetooth-parkopplingen med låset misslyckades. Väck låset och försök igen.",
    ),
    (
        CharacteristicMissing,
        "lock_model_not_supported",
        "Låset saknar en funktion som gatewayen behöver. Kontrollera låsmodell och firmware.",
    ),
    (
        RadioUnavailable,
        "radio_unavailable",
        "Gatewayens Bluetooth-radio går inte att använda. Kontrollera adaptern och starta om "
        "gatewayen.",
    ),
    (BleError, "bluetooth_error", "Bluetooth-fel. Försök igen."),
    (
        ReportQueueError,
        "report_store_failed",
        "Gatewayen kunde inte spara låsets signerade rapport. Åtgärden är INTE registrerad. "
        "Frigör utrymme på gatewayen och försök igen.",
    ),
    (InputError, "bad_input", "Uppgifterna kan inte användas som de är. Se det engelska felet."),
    (LockError, "lock_error", "Något gick fel med låset {lock}. Försök igen."),
    (GatewayError, "gateway_error", "Gatewayen kunde inte slutföra åtgärden. Försök igen."),
]

INTERNAL_ERROR: Final = ErrorBody(
    code="internal_error",
    message_sv="Ett oväntat fel uppstod i gatewayen. Försök igen; kvarstår felet, starta om "
    "gatewayen.",
    message_en="An unexpected error occurred in the gateway. Try again; if it persists, "
    "restart the gateway.",
)

INTERRUPTED: Final = ErrorBody(
    code="interrupted",
    message_sv="Gatewayen startades om medan åtgärden pågick. Låset lämnades som det var eller "
    "har sitt kvitto sparat; kontrollera låset och gör om åtgärden vid behov.",
    message_en="The gateway restarted while the operation was running. The lock was left as it "
    "was or its receipt is stored; check the lock and run the operation again if needed.",
)


def describe(exc: BaseException) -> ErrorBody:
    """The typed error for anything an operation raised."""
    lock = str(getattr(exc, "lock", "") or "")
    if isinstance(exc, CodedError):
        return ErrorBody(exc.code, exc.message_sv, exc.message)
    english = exc.message if isinstance(exc, GatewayError) else INTERNAL_ERROR.message_en
    if isinstance(exc, LockRefused):
        if exc.status is S.BOLT_JAMMED:
            code, swedish = _JAMMED.get(exc.fault, _JAMMED[FaultCode.LOCK_UNIT_BOLT_JAMMED])
        else:
            code, swedish = _STATUS_TEXT.get(
                exc.status,
                ("lock_refused", "Låset {lock} sa nej (" + exc.status.name + ")."),
            )
        return ErrorBody(code, swedish.format(lock=lock), english)
    if isinstance(exc, WakeTimeout) and not exc.heard_asleep:
        return ErrorBody(
            "lock_not_heard",
            f"Låset {lock} hördes inte alls. Gå närmare dörren. Förblir det tyst kan batteriet "
            "vara slut (ett lås med tomt batteri vaknar inte): byt batteri.",
            english,
        )
    for cls, code, swedish in _CLASS_TEXT:
        if isinstance(exc, cls):
            return ErrorBody(code, swedish.format(lock=lock or "?"), english)
    return INTERNAL_ERROR

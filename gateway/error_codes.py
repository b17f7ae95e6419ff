"""Typed error codes with Swedish and English messages, for the local API and the hub (pure).

The gateway's errors carry an English message written for the fitter (with details such as
the lock's name). The app needs a stable code to act on and a Swedish text: this table gives
both, by error class; the lock's own refusals take theirs from the one table of refusals
(`gateway.refusals`). The English message stays the error's own (more specific) text.
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
from gateway.errors import CodedError, GatewayError, InputError, LockError
from gateway.lock_client import (
    CommandInterrupted,
    CredentialProblem,
    LockAnswerTimeout,
    LockNotGenuine,
    SessionBroken,
)
from gateway.operations import ReportNotVerified, TicketProblem, WakeTimeout
from gateway.refusals import LockRefused, refusal_for
from gateway.report_queue import ReportQueueError
from gateway.server_client import ServerAccessError
from lock_protocol.errors import ProtocolError

HTTP_NOT_FOUND: Final = 404


class ErrorBody(msgspec.Struct, frozen=True):
    """Contract B's error object."""

    code: str
    message_sv: str
    message_en: str


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
    # The protocol's root is its own (not a GatewayError); one that reaches here is still the
    # gateway failing to finish, as it was when the protocol lived inside the gateway.
    (ProtocolError, "gateway_error", "Gatewayen kunde inte slutföra åtgärden. Försök igen."),
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


def order_not_found(exc: ServerAccessError) -> ErrorBody:
    """The server said 404 for an order (or its lock): it does not exist for this fitter."""
    return ErrorBody(
        "order_not_found",
        "Servern känner inte till ordern, eller så är den inte din. Synka appen och öppna "
        "ordern igen; finns den inte kvar har planeraren tagit bort eller flyttat den.",
        "The server does not know this order, or it is not yours "
        f"({exc.message}). Sync the app and open the order again; if it is gone, the planner "
        "removed or reassigned it.",
    )


def describe(exc: BaseException) -> ErrorBody:
    """The typed error for anything an operation raised."""
    lock = str(getattr(exc, "lock", "") or "")
    if isinstance(exc, ServerAccessError) and exc.status == HTTP_NOT_FOUND:
        return order_not_found(exc)
    if isinstance(exc, CodedError):
        return ErrorBody(exc.code, exc.message_sv, exc.message)
    english = (
        exc.message if isinstance(exc, GatewayError | ProtocolError) else INTERNAL_ERROR.message_en
    )
    if isinstance(exc, LockRefused):
        refusal = refusal_for(exc.status, exc.fault)
        return ErrorBody(refusal.code, refusal.swedish_for(lock), english)
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

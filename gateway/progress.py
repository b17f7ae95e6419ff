"""Progress lines of the gateway's operations, in English and Swedish (pure).

Every step an operation reports has a stable code (`Step`) and a message in both languages.
A `Progress` *is* its English text (a ``str``), so the terminal prints it as it always did and
code that only wants text needs nothing else; the local API also sends its step code and the
Swedish text to the app (contract B: ``{"step", "message_sv", "message_en", "at"}``).
Norwegian can be added as another column without touching the callers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Self

from lock_protocol.timing import PAIRING_WINDOW_SECONDS


class Step(StrEnum):
    SCAN_LISTENING = "scan_listening"
    SCAN_HEARD_AWAKE = "scan_heard_awake"
    SCAN_HEARD_ASLEEP = "scan_heard_asleep"
    SCAN_DONE = "scan_done"
    TOUCH_TO_WAKE = "touch_to_wake"
    PRESS_PAIRING_BUTTON = "press_pairing_button"
    STILL_WAITING = "still_waiting_for_wake"
    NOT_HEARD = "lock_not_heard_yet"
    LOCK_AWAKE = "lock_awake"
    LOCK_ASLEEP = "lock_asleep"
    LOCK_BUSY = "waiting_for_other_operation"
    LOOKING_FOR_LOCK = "looking_for_lock"
    FOUND_LOCK = "found_lock"
    CONNECTING = "connecting"
    CONNECT_RETRY = "connect_retry"
    CONNECTED = "connected"
    LINK_LOST = "link_lost"
    DISCONNECTING = "disconnecting"
    BLE_PAIRING = "bluetooth_pairing"
    BLE_PAIRED = "bluetooth_paired"
    SESSION_OPENING = "secure_session_opening"
    SESSION_OPEN = "secure_session_open"
    ASKING_NONCE = "asking_one_time_code"
    SENDING_COMMAND = "sending_command"
    COMMAND_CONFIRMED = "command_confirmed"
    PRESENTING_TICKET = "presenting_pairing_ticket"
    CONFIRMING_PAIRING = "confirming_pairing"
    LOCK_PAIRED = "lock_paired"
    RECEIPT_RECOVERED = "pairing_receipt_recovered"
    REPORT_STORED = "report_stored"
    PAIRING_RECEIPT_STORED = "pairing_receipt_stored"
    UNPAIR_RECEIPT_STORED = "unpair_receipt_stored"
    FETCHING_CREDENTIAL = "fetching_credential"
    SENDING_LOCK_CERTIFICATE = "sending_lock_certificate"
    PUSHING_REVOCATIONS = "pushing_revocations"
    NONCE_ALREADY_USED = "server_nonce_already_used"
    NO_SERVER_NONCE = "no_server_nonce"
    READING_NOT_EVIDENCE = "reading_not_evidence"
    UPLOADING = "uploading_reports"


# Step -> (English, Swedish) templates; fields in braces are filled by `Progress.of`.
MESSAGES: Final[dict[Step, tuple[str, str]]] = {
    Step.SCAN_LISTENING: ("Listening for locks for {seconds} s", "Lyssnar efter lås i {seconds} s"),
    Step.SCAN_HEARD_AWAKE: ("Heard {lock} (awake)", "Hörde {lock} (vaket)"),
    Step.SCAN_HEARD_ASLEEP: ("Heard {lock} (asleep)", "Hörde {lock} (sover)"),
    Step.SCAN_DONE: ("{count} lock(s) heard", "{count} lås hörda"),
    Step.TOUCH_TO_WAKE: (
        "Touch lock {lock} to wake it (waiting up to {seconds} s)",
        "Tryck på låset {lock} för att väcka det (väntar upp till {seconds} s)",
    ),
    Step.PRESS_PAIRING_BUTTON: (
        "Press the pairing button on lock {lock} (it wakes the lock and opens pairing for "
        f"{PAIRING_WINDOW_SECONDS:.0f} s)",
        "Tryck på parkopplingsknappen på låset {lock} (den väcker låset och öppnar "
        f"parkopplingen i {PAIRING_WINDOW_SECONDS:.0f} s)",
    ),
    Step.STILL_WAITING: (
        "Still waiting for {lock} to wake ({seconds} s left). Touch the lock.",
        "Väntar fortfarande på att {lock} ska vakna ({seconds} s kvar). Tryck på låset.",
    ),
    Step.NOT_HEARD: (
        "Not hearing {lock} yet. Touch the lock to wake it and stay close to the door.",
        "Hör inte {lock} än. Tryck på låset för att väcka det och stanna nära dörren.",
    ),
    Step.LOCK_AWAKE: ("{lock} is awake", "{lock} är vaket"),
    Step.LOCK_ASLEEP: (
        "{lock} is asleep. Touch the lock to wake it.",
        "{lock} sover. Tryck på låset för att väcka det.",
    ),
    Step.LOCK_BUSY: (
        "Waiting: another operation on {lock} is in progress",
        "Väntar: en annan åtgärd pågår med {lock}",
    ),
    Step.LOOKING_FOR_LOCK: ("Looking for lock {lock}", "Letar efter låset {lock}"),
    Step.FOUND_LOCK: ("Found {lock} at {address}", "Hittade {lock} på {address}"),
    Step.CONNECTING: (
        "Connecting to {lock} (attempt {attempt} of {attempts})",
        "Ansluter till {lock} (försök {attempt} av {attempts})",
    ),
    Step.CONNECT_RETRY: (
        "No connection yet; retrying in {seconds} s",
        "Ingen anslutning än; försöker igen om {seconds} s",
    ),
    Step.CONNECTED: (
        "Connected to {lock} ({services} services, MTU {mtu})",
        "Ansluten till {lock} ({services} tjänster, MTU {mtu})",
    ),
    Step.LINK_LOST: ("The connection to {lock} was lost", "Anslutningen till {lock} bröts"),
    Step.DISCONNECTING: ("Disconnecting from {lock}", "Kopplar från {lock}"),
    Step.BLE_PAIRING: ("Pairing with {lock}", "Bluetooth-parkopplar med {lock}"),
    Step.BLE_PAIRED: ("Paired with {lock}", "Bluetooth-parkopplad med {lock}"),
    Step.SESSION_OPENING: (
        "Opening a secure session with {lock}",
        "Öppnar en säker förbindelse med {lock}",
    ),
    Step.SESSION_OPEN: (
        "Secure session with lock {lock}",
        "Säker förbindelse med låset {lock}",
    ),
    Step.ASKING_NONCE: (
        "Asking {lock} for a one-time code",
        "Ber {lock} om en engångskod",
    ),
    Step.SENDING_COMMAND: (
        "Sending the signed {command} command to {lock}",
        "Skickar det signerade kommandot {command} till {lock}",
    ),
    Step.COMMAND_CONFIRMED: (
        "{lock} confirmed {command} (counter {counter})",
        "{lock} bekräftade {command} (räknare {counter})",
    ),
    Step.PRESENTING_TICKET: (
        "Presenting the pairing ticket to {lock}",
        "Visar parkopplingsbiljetten för {lock}",
    ),
    Step.CONFIRMING_PAIRING: (
        "Confirming the pairing with {lock}",
        "Bekräftar parkopplingen med {lock}",
    ),
    Step.LOCK_PAIRED: ("{lock} is paired", "{lock} är parkopplat"),
    Step.RECEIPT_RECOVERED: (
        "{lock} was already paired with this ticket; its pairing receipt was fetched again",
        "{lock} var redan parkopplat med den här biljetten; parkopplingskvittot hämtades igen",
    ),
    Step.REPORT_STORED: (
        "Signed report from {lock} stored for upload ({id})",
        "Signerad rapport från {lock} sparad för uppladdning ({id})",
    ),
    Step.PAIRING_RECEIPT_STORED: (
        "Pairing receipt from {lock} stored for upload ({id})",
        "Parkopplingskvitto från {lock} sparat för uppladdning ({id})",
    ),
    Step.UNPAIR_RECEIPT_STORED: (
        "Unpair receipt from {lock} stored for upload ({id})",
        "Kvitto på frånkoppling från {lock} sparat för uppladdning ({id})",
    ),
    Step.FETCHING_CREDENTIAL: (
        "Fetching the credential for {lock}",
        "Hämtar behörigheten för {lock}",
    ),
    Step.SENDING_LOCK_CERTIFICATE: (
        "The server does not know lock {lock} yet: fetching the credential with the factory "
        "certificate the lock has just shown",
        "Servern känner inte till låset {lock} än: hämtar behörigheten med låsets "
        "fabrikscertifikat",
    ),
    Step.PUSHING_REVOCATIONS: (
        "Telling lock {lock} which credentials the server has revoked",
        "Talar om för låset {lock} vilka behörigheter servern har återkallat",
    ),
    Step.NONCE_ALREADY_USED: (
        "The server's one-time code for {lock} was used by an earlier reading and no new one "
        "could be fetched (no connection to the server, or no order): the gateway chooses the "
        "code for this reading",
        "Serverns engångskod för {lock} har redan använts av en tidigare avläsning och ingen "
        "ny kunde hämtas (ingen kontakt med servern, eller ingen order): gatewayen väljer "
        "koden för den här avläsningen",
    ),
    Step.NO_SERVER_NONCE: (
        "No one-time code from the server for {lock}: the gateway chooses the code for this "
        "reading",
        "Ingen engångskod från servern för {lock}: gatewayen väljer koden för den här avläsningen",
    ),
    Step.READING_NOT_EVIDENCE: (
        "This reading of {lock} cannot count as the lock's evidence, since its one-time code "
        "is not from the server. Read the battery again when the gateway is online.",
        "Den här avläsningen av {lock} kan inte räknas som låsets bevis, eftersom "
        "engångskoden inte kommer från servern. Läs av batteriet igen när gatewayen är "
        "ansluten till nätet.",
    ),
    Step.UPLOADING: (
        "Uploading {count} signed report(s) to the server",
        "Laddar upp {count} signerade rapporter till servern",
    ),
}


class Progress(str):
    """One progress line: the English text, carrying its step code and Swedish text."""

    step: Step
    message_sv: str

    def __new__(cls, step: Step, message_en: str, message_sv: str) -> Self:
        line = super().__new__(cls, message_en)
        line.step = step
        line.message_sv = message_sv
        return line

    @classmethod
    def of(cls, step: Step, **fields: object) -> Progress:
        english, swedish = MESSAGES[step]
        return cls(step, english.format(**fields), swedish.format(**fields))

    @property
    def message_en(self) -> str:
        return str.__str__(self)

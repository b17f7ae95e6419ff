"""Booking letters, the bulk jobs that make them, and the residents' replies (seed 002)."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, Bytea, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Organisation, User
from server.orders.tables import WorkOrder


class BookingLetter(Table, tablename="booking_letter"):
    """One generated letter, kept as the PDF that was made (what is printed is what was made).

    Made in the transaction that moves its order to awaiting_response, so an order has its
    letter exactly when it left ready_to_print by one; one letter per code (a new time makes a
    new code and so a new letter).
    """

    id = UUID(primary_key=True)
    order = ForeignKey(WorkOrder, null=False, index=True)
    organisation = ForeignKey(
        Organisation, null=False, index=True, help_text="The performing organisation (its tray)."
    )
    code = Varchar(length=9, unique=True, help_text="The booking code the letter prints.")
    language = Varchar(length=5, help_text="sv | nb | en")
    pdf = Bytea(help_text="The letter as generated.")
    pages = Integer(default=1)
    job = UUID(null=True, default=None, help_text="The bulk job that made it, if any.")
    created_at = Timestamptz(default=TimestamptzNow())
    printed_at = Timestamptz(
        null=True, default=None, index=True, help_text="Marked printed: it leaves the tray."
    )
    printed_by = ForeignKey(User, null=True, default=None)
    folder_path = Text(default="", help_text="Where it was also written (LOCKWORK_LETTERS_DIR).")


class LetterJob(Table, tablename="booking_letter_job"):
    """Letters for many orders at once (seed 002, "Masseoppdatering"), done in the background.

    The job survives a restart: whichever instance finds it unclaimed (or its claim expired)
    goes on with the orders not done yet; each order is done in its own transaction.
    """

    id = UUID(primary_key=True)
    organisation = ForeignKey(Organisation, null=False, index=True)
    requested_by = ForeignKey(User, null=False)
    order_ids = JSON(default=[], help_text="The orders chosen, in order.")
    total = Integer(default=0)
    done = Integer(default=0, help_text="Orders handled so far (a letter made, or refused).")
    failed = Integer(default=0, help_text="Orders refused: no longer ready, or incomplete.")
    refused = JSON(default=[], help_text='[{"order_id", "reference", "message", "message_sv"}]')
    state = Varchar(length=10, default="queued", index=True, help_text="queued | running | done")
    claim_owner = Varchar(length=100, null=True, default=None)
    claim_expires_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


class BookingReply(Table, tablename="booking_reply"):
    """A resident's answer to a booking, by SMS or the reply page: always kept, never lost.

    ``outcome`` says what it did: confirmed (-> ready_for_execution), follow_up (->
    manual_followup), not_awaiting (its code named an order that was not awaiting an answer)
    or unmatched (no order has the code). The planner reads the last two and every follow-up.
    """

    id = UUID(primary_key=True)
    channel = Varchar(length=5, help_text="sms | web")
    source_id = Varchar(
        length=120,
        null=True,
        default=None,
        unique=True,
        help_text="SMS: the provider's message id (a retried callback is one reply).",
    )
    sender = Varchar(length=40, default="", help_text="SMS: the number it came from.")
    client_key = Varchar(
        length=64,
        default="",
        index=True,
        help_text="Web: a keyed hash of the client's address, for the rate limit only.",
    )
    code_typed = Varchar(length=60, default="", help_text="The code as the resident wrote it.")
    code = Varchar(length=9, null=True, default=None, help_text="Its stored form, if it is one.")
    text = Text(default="", help_text="The answer, exactly as written.")
    order = ForeignKey(WorkOrder, null=True, default=None, index=True)
    organisation = ForeignKey(
        Organisation,
        null=True,
        default=None,
        index=True,
        help_text="The performing organisation of its order; none: every planner may read it.",
    )
    outcome = Varchar(length=15, help_text="confirmed | follow_up | not_awaiting | unmatched")
    received_at = Timestamptz(default=TimestamptzNow(), index=True)
    handled_at = Timestamptz(null=True, default=None)
    handled_by = ForeignKey(User, null=True, default=None)

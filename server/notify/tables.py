"""The notification outbox, push subscriptions and the server's own key pairs."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import User


class OutboxMessage(Table, tablename="notify_outbox"):
    """One message to send: written in the transaction of the change that causes it.

    The worker claims due rows (``claim_owner`` + ``claim_expires_at``), sends them and marks
    them sent; a claim that expires (the worker died) is taken over by another worker.
    """

    id = UUID(primary_key=True)
    channel = Varchar(length=10, help_text="email | push | sms")
    dedupe_key = Varchar(
        length=200,
        unique=True,
        help_text="Enqueueing the same key twice keeps one message (e.g. order:ID:completed).",
    )
    order_id = UUID(null=True, default=None, help_text="The order the message is about, if any.")
    recipients = JSON(
        default={},
        help_text='E-mail: {"to": [...], "cc": [...]}; push: {"user_id", "subscription_id"}; '
        'SMS: {"to": "+46..."} (E.164).',
    )
    subject = Varchar(length=300, default="")
    body_text = Text(default="")
    body_html = Text(default="")
    payload = JSON(default={}, help_text="Push: the JSON the service worker receives.")
    state = Varchar(
        length=12,
        default="pending",
        index=True,
        help_text="pending | held (no SMTP or SMS provider configured) | sent | failed | discarded",
    )
    attempts = Integer(default=0, help_text="Failed delivery attempts so far (drives backoff).")
    send_attempts = Integer(default=0, help_text="Times a worker claimed the message to send it.")
    reclaims = Integer(
        default=0,
        help_text="Claims taken over after an earlier claim expired unfinished: each is a "
        "possible duplicate (the earlier worker may have sent before it died).",
    )
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    claim_owner = Varchar(length=100, null=True, default=None)
    claim_expires_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    # SMS: what the provider said after it took the message.
    # Unique through the index notify_outbox_provider_message_id_key (migration
    # notify_2026_12_07t03_18_28_000000): SQLite cannot add a UNIQUE column to an existing table.
    provider_message_id = Varchar(
        length=100,
        null=True,
        default=None,
        help_text="SMS: the provider's id of the message (unique); its receipts name it.",
    )
    delivery_status = Varchar(
        length=12,
        default="",
        help_text="SMS: created | sent | delivered | failed, as the provider last reported.",
    )
    delivered_at = Timestamptz(
        null=True, default=None, help_text="SMS: when the phone got it (the provider's time)."
    )
    delivery_updated_at = Timestamptz(
        null=True, default=None, help_text="When the delivery status last changed here."
    )


class InboundSms(Table, tablename="notify_inbound_sms"):
    """An SMS a resident sent to our number, kept as received (never lost, stored once).

    The provider retries a callback until it is answered 2xx, so the same message may arrive
    several times: its id is unique here. Replies to bookings are read from this table.
    """

    id = UUID(primary_key=True)
    provider = Varchar(length=20, default="46elks")
    provider_message_id = Varchar(
        length=100,
        unique=True,
        help_text="The provider's id: one row per message, however often sent.",
    )
    sender = Varchar(length=40, help_text="The number it came from, as the provider wrote it.")
    recipient = Varchar(length=40, help_text="Our number it was sent to.")
    message = Text(help_text="The text, exactly as received.")
    sent_at = Timestamptz(help_text="When the provider received it (its 'created', UTC).")
    received_at = Timestamptz(default=TimestamptzNow(), help_text="When it reached us.")
    handled_at = Timestamptz(
        null=True, default=None, help_text="When it was read as a reply (booking), if yet."
    )


class PushSubscription(Table, tablename="notify_push_subscription"):
    """A browser's Web Push subscription (one per user and device)."""

    id = UUID(primary_key=True)
    user = ForeignKey(User, null=False, index=True)
    endpoint = Varchar(length=2000, unique=True, help_text="The push service URL (secret-ish).")
    p256dh = Varchar(length=200, help_text="The browser's P-256 public key, base64url.")
    auth = Varchar(length=100, secret=True, help_text="The 16-byte auth secret, base64url.")
    device = Varchar(length=200, default="", help_text="Which device, for the person's list.")
    created_at = Timestamptz(default=TimestamptzNow())
    last_success_at = Timestamptz(null=True, default=None)


class ServerKey(Table, tablename="notify_server_key"):
    """Key pairs the server makes once and every instance shares (the VAPID key)."""

    id = UUID(primary_key=True)
    name = Varchar(length=40, unique=True)
    public_key = Text(help_text="The public key, as its users need it (VAPID: base64url point).")
    private_key_sealed = Text(
        secret=True, help_text="The private key, AES-GCM sealed with LOCKWORK_SECRET_KEY."
    )
    created_at = Timestamptz(default=TimestamptzNow())

"""Locks. Battery, firmware and last-seen come from lock reports, never typed in by a person."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, BigInt, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import DeviceToken, User
from server.customers.tables import Customer


class Lock(Table):
    id = UUID(primary_key=True)
    serial = Varchar(length=40, unique=True, index=True)
    model = Varchar(length=60)
    kind = Varchar(length=20, default="door", help_text="door | entrance")
    firmware = Varchar(length=40, default="")
    state = Varchar(
        length=20, default="in_stock", help_text="in_stock | installed | removed | faulty"
    )
    battery_percent = Integer(null=True, default=None)
    battery_millivolts = Integer(null=True, default=None)
    battery_verified_at = Timestamptz(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)
    customer = ForeignKey(Customer, null=True, default=None)
    installed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # Learnt from the lock's factory certificate in its first verified evidence; from then on
    # only that key is believed for this serial.
    public_key = Varchar(length=64, default="", help_text="Ed25519 public key (hex)")
    lock_uid = Varchar(length=32, default="", help_text="protocol lock id (hex), from the key")
    pairing_id = Varchar(length=32, default="", help_text="current pairing (hex); '' unpaired")
    # The last counters accepted: a report or receipt must come with a larger one.
    report_counter = BigInt(null=True, default=None)
    command_counter = BigInt(null=True, default=None)
    # Revocation (server.locks.revocation): staff credentials are signed with the lock's current
    # epoch; revoking what was issued for an order raises it, and gateways push the new minimum
    # to the lock, which then refuses every credential signed below it.
    credential_epoch = Integer(default=0, help_text="epoch of new credentials (lock minimum)")


class LockReport(Table):
    """One piece of lock-signed evidence the server verified (telemetry and proof of a visit)."""

    id = UUID(primary_key=True)
    lock = ForeignKey(Lock, null=False, index=True)
    kind = Varchar(length=20, help_text="lock_report | pairing_receipt | unpair_receipt")
    counter = BigInt(null=True, default=None)
    lock_time = Timestamptz(help_text="the lock's clock when it signed")
    values = JSON(default={}, help_text="battery, firmware, faults as the lock signed them")
    # The order whose visit issued the nonce (no foreign key: orders depend on locks).
    order_id = UUID(null=True, default=None, index=True)
    issuance = UUID(null=True, default=None, help_text="the LockIssuance whose nonce it used")
    data = Text(help_text="the signed bytes exactly as uploaded (hex), for the audit trail")
    verified_at = Timestamptz()
    reported_by = ForeignKey(User, null=True, default=None)
    received_via = Varchar(length=100, default="", help_text="the uploading device's name")


class LockIssuance(Table):
    """Every pairing ticket, staff credential and unbind token the server signed.

    The audit row of who got what, when, for which order; and the record of the server nonce
    handed out with it, which is single-use and valid until ``expires_at``.
    """

    id = UUID(primary_key=True)
    purpose = Varchar(length=20, help_text="pairing_ticket | staff_credential | unbind_token")
    server_nonce = Varchar(length=32, unique=True, index=True, help_text="hex")
    order_id = UUID(null=True, default=None, index=True, help_text="None: a hub's reading")
    customer_id = UUID(null=True, default=None)
    # A hub gateway's own credential (no order): only that device may bring its evidence.
    gateway_device = UUID(null=True, default=None)
    lock_serial = Varchar(length=40, null=True, default=None)
    issued_to = ForeignKey(User, null=False)
    device = Varchar(length=100, default="", help_text="the device it was issued to")
    issued_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    used_by_report = UUID(null=True, default=None)
    # Set when the order's visit stopped being what this was issued for (cancelled, completed,
    # rebooked, reassigned): evidence the lock signed after it is refused.
    revoked_at = Timestamptz(null=True, default=None)
    ticket_hash = Varchar(length=64, default="", help_text="pairing tickets (hex)")
    credential_hash = Varchar(length=64, default="", index=True, help_text="credentials (hex)")


class GatewayLock(Table):
    """A lock a gateway device serves in hub mode; the lock is then in that device's scope."""

    id = UUID(primary_key=True)
    key = Varchar(length=80, unique=True, help_text="device id:lock id, one row per pair")
    device = ForeignKey(DeviceToken, null=False, index=True)
    lock = ForeignKey(Lock, null=False, index=True)
    added_by = ForeignKey(User, null=True, default=None)
    added_at = Timestamptz()

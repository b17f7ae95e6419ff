"""Visit access: signing pairing tickets, staff credentials and unbind tokens for the fitter
assigned to an order (and read-only credentials for a hub gateway), and the explicit step that
takes a service visit's lock down.

Every issuance is a ``LockIssuance`` row (who, when, which order, the server nonce handed out)
and an ``OrderEvent`` on the order; the evidence that comes back with those nonces is taken in
by ``server.locks.evidence_intake``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from lock_protocol.codes import Command
from lock_protocol.credentials import (
    StaffCredential,
    credential_hash,
    issue_epoch_update,
    issue_staff_credential,
    issue_unbind_token,
    verify_factory_certificate,
)
from lock_protocol.crypto import NONCE_BYTES, PUBLIC_KEY_BYTES, lock_id_for
from lock_protocol.errors import ProtocolError
from lock_protocol.pairing import issue_pairing_ticket, ticket_hash
from lock_protocol.timing import PAIRING_TICKET_MAX_LIFETIME_SECONDS
from server.accounts.permissions import Principal, Role
from server.context import Services
from server.errors import Conflict, Forbidden, ValidationFailed
from server.locks import evidence as ev
from server.locks.authority import LockAuthority
from server.locks.pairing_rules import PAIRING_KINDS
from server.locks.revocation import revoke_for_order
from server.locks.tables import GatewayLock, Lock, LockIssuance
from server.locks.visit_window import (
    VisitWindow,
    require_inside,
    require_issuable,
    visit_window,
)
from server.locks.visits import check_order_pairing
from server.orders.lifecycle import VISIT_STATUSES, OrderKind, OrderStatus
from server.orders.service import OrderService
from server.sync.changes import LOCK, changed, unit_of_work

# A pairing ticket is fetched on the doorstep; the protocol's maximum (10 min) covers fitting
# the lock after fetching it and keeps a leaked ticket short-lived.
PAIRING_TICKET_LIFETIME_S: Final = int(PAIRING_TICKET_MAX_LIFETIME_SECONDS)
# An unbind token is used at once, like a pairing ticket.
UNBIND_TOKEN_LIFETIME_S: Final = 600
UNBIND_KINDS: Final = frozenset({OrderKind.REMOVAL, OrderKind.SERVICE})
# Commands a visit needs; moving the bolt is only the test cycle. UNPAIR only where a lock
# is taken away (removal, or a replaced unit on a service visit).
VISIT_COMMANDS: Final = frozenset(
    {
        Command.READ_STATUS,
        Command.READ_BATTERY,
        Command.READ_REPORT,
        Command.READ_EVENT_LOG,
        Command.DIAGNOSE,
        Command.OPERATE_TEST,
    }
)
# A hub gateway reads its locks' batteries on a schedule (lockwork-gateway hub): read-only
# commands, and a credential per pass that lives an hour, far below the visit credential.
HUB_COMMANDS: Final = frozenset({Command.READ_STATUS, Command.READ_BATTERY, Command.READ_REPORT})
HUB_CREDENTIAL_LIFETIME_S: Final = 3600
# What the fitter names the lock taken down in a service visit's replacement step.
REPLACEMENT_REASON_MAX_CHARS: Final = 500


def _hex(value: str, field: str, size: int | None = None) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise ValidationFailed(f"{field} must be hexadecimal.", field=field) from None
    if size is not None and len(raw) != size:
        raise ValidationFailed(f"{field} must be {size} bytes ({2 * size} hex).", field=field)
    return raw


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat()


@dataclass(frozen=True)
class _IssuedCredential:
    """A signed staff credential, the server nonce handed out with it, and the signed minimum
    epoch the gateway pushes to the lock (server.locks.revocation)."""

    credential: bytes
    lock_uid: bytes
    valid_from: int
    valid_to: int
    commands: frozenset[Command]
    nonce: bytes
    epoch: int
    epoch_update: bytes

    def answer(self, serial: str) -> dict[str, Any]:
        return {
            "credential": self.credential.hex(),
            "lock_id": self.lock_uid.hex(),
            "serial": serial,
            "valid_from": _iso(self.valid_from),
            "valid_to": _iso(self.valid_to),
            "commands": sorted(c.name for c in self.commands),
            "server_nonce": self.nonce.hex(),
            "epoch": self.epoch,
            "epoch_update": self.epoch_update.hex(),
        }


class CredentialService:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.orders = OrderService(services)

    @property
    def authority(self) -> LockAuthority:
        authority = self.s.lock_authority
        assert isinstance(authority, LockAuthority)
        return authority

    async def _visit_order(
        self, principal: Principal, order_id: UUID, kinds: frozenset[OrderKind], what: str
    ) -> tuple[dict[str, Any], VisitWindow]:
        """The order, if its booked visit is the principal's; and that visit's window."""
        row = await self.orders.visible_for_update(principal, order_id)
        if not (principal.has(Role.FITTER) and str(row["assigned_fitter"]) == principal.user_id):
            raise Forbidden(f"Only the fitter assigned to this order can get {what}.")
        if OrderStatus(row["status"]) not in VISIT_STATUSES:
            raise Conflict(
                f"The order is '{row['status']}'; {what} is issued for booked orders "
                "(scheduled, ready for execution or in progress).",
                code="order_not_ready",
                message_sv=f"Ordern har status '{row['status']}'; det utfärdas bara för bokade "
                "ordrar (schemalagda, klara för utförande eller pågående).",
            )
        if OrderKind(row["kind"]) not in kinds:
            allowed = " or ".join(sorted(k.value for k in kinds))
            raise Conflict(
                f"This is a {row['kind']} order; {what} is issued for {allowed} orders.",
                code="wrong_order_kind",
            )
        return row, visit_window(row["planned_start"], row["estimate_minutes"])

    def _now(self) -> int:
        return int(self.s.clock.now().timestamp())

    async def _record(
        self,
        principal: Principal,
        row: dict[str, Any],
        purpose: str,
        nonce: bytes,
        expires_at: float,
        *,
        serial: str | None = None,
        ticket_hash: str = "",
        credential_hash: str = "",
    ) -> None:
        now = self.s.clock.now()
        await LockIssuance.insert(
            LockIssuance(
                purpose=purpose,
                server_nonce=nonce.hex(),
                order_id=row["id"],
                customer_id=row["customer"],
                lock_serial=serial,
                issued_to=principal.user_id,
                device=principal.device[:100],
                issued_at=now,
                expires_at=datetime.fromtimestamp(expires_at, UTC),
                ticket_hash=ticket_hash,
                credential_hash=credential_hash,
            )
        )
        await self.orders.record_event(
            row,
            principal,
            f"lock_{purpose}",
            {"serial": serial, "expires_at": _iso(expires_at)},
        )

    async def _lock_at_order(self, row: dict[str, Any], serial: str) -> dict[str, Any]:
        lock = await Lock.select().where(Lock.serial == serial).first()
        at_customer = lock is not None and (
            (row["lock"] is not None and lock["id"] == row["lock"])
            or (row["customer"] is not None and lock["customer"] == row["customer"])
        )
        if lock is None or not at_customer:
            raise ValidationFailed(
                f"Lock {serial} is not this order's lock nor installed at its customer. Check "
                "the serial on the lock's label.",
                field="serial",
            )
        return lock

    async def pairing_ticket(
        self, principal: Principal, order_id: UUID, serial: str | None = None
    ) -> dict[str, Any]:
        """A ticket for pairing a new lock on this visit; ``serial`` (the lock about to be
        paired, when the gateway knows it) is checked against the order's lock up front."""
        authority = self.authority
        async with unit_of_work(self.s.engine):
            row, window = await self._visit_order(
                principal, order_id, PAIRING_KINDS, "a pairing ticket"
            )
            require_inside(window, self._now())
            named = await check_order_pairing(row, serial)
            if authority.operator_certificate is None:
                raise Conflict(
                    "This server has no operator certificate, so locks would refuse its "
                    "tickets. Ask the administrator to set LOCKWORK_LOCK_OPERATOR_CERTIFICATE.",
                    code="lock_authority_unconfigured",
                )
            issued_at = int(self.s.clock.now().timestamp())
            nonce = os.urandom(NONCE_BYTES)
            ticket = issue_pairing_ticket(
                authority.key,
                operator_certificate=authority.operator_certificate,
                organisation_id=str(row["ordering_organisation"]),
                customer_id=str(row["customer"]),
                fitter_id=principal.user_id,
                server_nonce=nonce,
                issued_at=issued_at,
                lifetime_seconds=PAIRING_TICKET_LIFETIME_S,
            )
            expires = issued_at + PAIRING_TICKET_LIFETIME_S
            await self._record(
                principal,
                row,
                ev.PURPOSE_PAIRING_TICKET,
                nonce,
                expires,
                ticket_hash=ticket_hash(ticket).hex(),
            )
        return {
            "order_id": str(order_id),
            "customer_id": str(row["customer"]),
            "ticket": ticket.hex(),
            "server_nonce": nonce.hex(),
            "expires_at": _iso(expires),
            # The gateway refuses to pair any other lock with this ticket, offline too.
            "kind": row["kind"],
            "lock_serial": named,
        }

    def _learn_certificate(self, lock: dict[str, Any], certificate_hex: str | None) -> bytes:
        """The lock's public key: on record, or from a factory certificate sent with the request
        (a lock paired before this server knew it); the certificate must chain to a trusted
        factory and name this serial."""
        if lock["public_key"]:
            return bytes.fromhex(lock["public_key"])
        if certificate_hex:
            raw = _hex(certificate_hex, "lock_certificate")
            for authority in self.authority.factory_authorities:
                try:
                    certificate = verify_factory_certificate(raw, authority)
                except ProtocolError:
                    continue
                if certificate.serial == lock["serial"]:
                    return certificate.public_key
            raise ValidationFailed(
                "The lock certificate is not from a trusted factory or names another serial.",
                field="lock_certificate",
            )
        raise Conflict(
            f"The server does not know lock {lock['serial']}'s identity yet. Send its factory "
            "certificate (lock_certificate; the gateway reads it when it connects), or pair it.",
            code="lock_identity_unknown",
        )

    async def _sign_credential(
        self,
        lock: dict[str, Any],
        lock_certificate: str | None,
        staff_key: bytes,
        commands: frozenset[Command],
        window: VisitWindow,
    ) -> _IssuedCredential:
        """A staff credential for ``lock`` in ``window``, in the lock's current epoch, with a
        fresh server nonce and the signed minimum epoch; the lock's key is recorded the first
        time it is learnt from its certificate."""
        public_key = self._learn_certificate(lock, lock_certificate)
        lock_uid = lock_id_for(public_key)
        if not lock["public_key"]:
            await Lock.update(
                {Lock.public_key: public_key.hex(), Lock.lock_uid: lock_uid.hex()}
            ).where(Lock.id == lock["id"])
            changed(LOCK, lock["id"])
        epoch = int(lock["credential_epoch"])
        credential = issue_staff_credential(
            self.authority.key,
            StaffCredential(
                credential_id=os.urandom(16),
                lock_id=lock_uid,
                staff_public_key=staff_key,
                valid_from=window.start,
                valid_to=window.end,
                allowed_commands=commands,
                epoch=epoch,
            ),
        )
        update = issue_epoch_update(self.authority.key, lock_uid, epoch, self._now())
        return _IssuedCredential(
            credential,
            lock_uid,
            window.start,
            window.end,
            commands,
            os.urandom(NONCE_BYTES),
            epoch,
            update,
        )

    async def staff_credential(
        self,
        principal: Principal,
        order_id: UUID,
        staff_public_key: str,
        serial: str,
        lock_certificate: str | None = None,
    ) -> dict[str, Any]:
        staff_key = _hex(staff_public_key, "staff_public_key", PUBLIC_KEY_BYTES)
        async with unit_of_work(self.s.engine):
            row, window = await self._visit_order(
                principal, order_id, frozenset(OrderKind), "a staff credential"
            )
            require_issuable(window, self._now())
            lock = await self._lock_at_order(row, serial)
            commands = VISIT_COMMANDS | (
                {Command.UNPAIR} if OrderKind(row["kind"]) in UNBIND_KINDS else set()
            )
            # Signed for the visit's window, not from now on: the lock refuses it outside.
            issued = await self._sign_credential(
                lock, lock_certificate, staff_key, frozenset(commands), window
            )
            await self._record(
                principal,
                row,
                ev.PURPOSE_STAFF_CREDENTIAL,
                issued.nonce,
                issued.valid_to,
                serial=serial,
                credential_hash=credential_hash(issued.credential).hex(),
            )
        return issued.answer(serial)

    async def hub_credential(
        self,
        principal: Principal,
        device_id: UUID,
        staff_public_key: str,
        serial: str,
        lock_certificate: str | None = None,
    ) -> dict[str, Any]:
        """A read-only credential for a hub gateway on a lock a planner set it to serve."""
        staff_key = _hex(staff_public_key, "staff_public_key", PUBLIC_KEY_BYTES)
        if principal.device_id != str(device_id):
            raise Forbidden("Only the gateway itself asks for its hub credentials.")
        async with unit_of_work(self.s.engine):
            lock = await Lock.select().where(Lock.serial == serial).first()
            served = lock is not None and await GatewayLock.exists().where(
                (GatewayLock.device == device_id) & (GatewayLock.lock == lock["id"])
            )
            if lock is None or not served:
                raise ValidationFailed(
                    f"This gateway does not serve lock {serial}. A planner adds it to the "
                    "gateway's locks first.",
                    field="serial",
                )
            now = self._now()
            issued = await self._sign_credential(
                lock,
                lock_certificate,
                staff_key,
                HUB_COMMANDS,
                VisitWindow(now, now + HUB_CREDENTIAL_LIFETIME_S),
            )
            await LockIssuance.insert(
                LockIssuance(
                    purpose=ev.PURPOSE_STAFF_CREDENTIAL,
                    server_nonce=issued.nonce.hex(),
                    order_id=None,
                    customer_id=lock["customer"],
                    gateway_device=device_id,
                    lock_serial=serial,
                    issued_to=principal.user_id,
                    device=principal.device[:100],
                    issued_at=self.s.clock.now(),
                    expires_at=datetime.fromtimestamp(issued.valid_to, UTC),
                    credential_hash=credential_hash(issued.credential).hex(),
                )
            )
        return issued.answer(serial)

    async def unbind_token(
        self, principal: Principal, order_id: UUID, serial: str
    ) -> dict[str, Any]:
        async with unit_of_work(self.s.engine):
            row, window = await self._visit_order(
                principal, order_id, UNBIND_KINDS, "an unbind token"
            )
            require_inside(window, self._now())
            lock = await self._lock_at_order(row, serial)
            if not lock["pairing_id"] or not lock["lock_uid"]:
                raise Conflict(
                    f"The server has no record of lock {serial}'s pairing (it was not paired "
                    "through this server), so it cannot sign its unbinding.",
                    code="lock_pairing_unknown",
                )
            issued_at = int(self.s.clock.now().timestamp())
            token = issue_unbind_token(
                self.authority.key,
                bytes.fromhex(lock["lock_uid"]),
                bytes.fromhex(lock["pairing_id"]),
                issued_at,
                UNBIND_TOKEN_LIFETIME_S,
            )
            expires = issued_at + UNBIND_TOKEN_LIFETIME_S
            # The token carries no nonce; the audit row gets one of its own.
            await self._record(
                principal,
                row,
                ev.PURPOSE_UNBIND_TOKEN,
                os.urandom(NONCE_BYTES),
                expires,
                serial=serial,
            )
        return {
            "token": token.hex(),
            "lock_id": lock["lock_uid"],
            "serial": serial,
            "pairing_id": lock["pairing_id"],
            "expires_at": _iso(expires),
        }

    async def replace_lock(
        self, principal: Principal, order_id: UUID, serial: str, reason: str
    ) -> dict[str, Any]:
        """The explicit step of a service visit that takes the order's lock down so that a new
        one can be paired in its place: the old lock is recorded as removed and unbound from the
        customer, what was issued for it is revoked, and the order waits for the new lock."""
        reason = reason.strip()
        if not reason or len(reason) > REPLACEMENT_REASON_MAX_CHARS:
            raise ValidationFailed(
                "Say why the lock is replaced (for example: the motor is broken), in at most "
                f"{REPLACEMENT_REASON_MAX_CHARS} characters.",
                field="reason",
                message_sv="Ange varför låset byts ut (till exempel: motorn är trasig), med "
                f"högst {REPLACEMENT_REASON_MAX_CHARS} tecken.",
            )
        async with unit_of_work(self.s.engine):
            row, window = await self._visit_order(
                principal, order_id, frozenset({OrderKind.SERVICE}), "a lock replacement"
            )
            require_inside(window, self._now())
            old = (
                await Lock.select().where(Lock.id == row["lock"]).first()
                if row["lock"] is not None
                else None
            )
            if old is None:
                raise Conflict(
                    "This order's lock has been replaced already: pair the new lock.",
                    code="lock_already_replaced",
                    message_sv="Orderns lås är redan utbytt: parkoppla det nya låset.",
                )
            if old["serial"] != serial:
                raise ValidationFailed(
                    f"This order's lock is {old['serial']}. Name it to confirm which lock you "
                    "take down.",
                    field="serial",
                    message_sv=f"Orderns lås är {old['serial']}. Ange det för att bekräfta "
                    "vilket lås du tar ned.",
                )
            now = self.s.clock.now()
            await Lock.update({Lock.state: "removed", Lock.customer: None}).where(
                Lock.id == old["id"]
            )
            changed(LOCK, old["id"])
            await revoke_for_order(row["id"], now, serial=serial)
            await self.orders.detach_lock(row, principal, serial, reason)
        return {"order_id": str(order_id), "removed_serial": serial, "removed_at": now}

"""The lock authority's use cases: signing tickets, credentials and unbind tokens for the
fitter assigned to an order, and taking in lock-signed evidence (``lock_report.add``).

Every issuance is a ``LockIssuance`` row (who, when, which order, the server nonce handed out)
and an ``OrderEvent`` on the order. Evidence is checked by the pure ``server.locks.evidence``
against those rows and the lock as the server knows it; only what passes is stored, and the
nonce and the lock's counter are claimed with conditional updates in the same transaction,
so two uploads racing with one nonce or one counter cannot both get in.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from gateway.protocol.codes import Command
from gateway.protocol.credentials import (
    StaffCredential,
    credential_hash,
    issue_staff_credential,
    issue_unbind_token,
    verify_factory_certificate,
)
from gateway.protocol.crypto import NONCE_BYTES, PUBLIC_KEY_BYTES, lock_id_for
from gateway.protocol.errors import ProtocolError
from gateway.protocol.pairing import issue_pairing_ticket, ticket_hash
from gateway.protocol.timing import PAIRING_TICKET_MAX_LIFETIME_SECONDS
from server.accounts.permissions import Principal, Role
from server.errors import Conflict, Forbidden, ValidationFailed
from server.locks import evidence as ev
from server.locks.authority import LockAuthority
from server.locks.tables import GatewayLock, Lock, LockIssuance, LockReport
from server.orders.lifecycle import OrderKind, OrderStatus
from server.orders.service import OrderService
from server.sync.changes import LOCK, changed, unit_of_work
from server.web import Services

# A pairing ticket is fetched on the doorstep; the protocol's maximum (10 min) covers fitting
# the lock after fetching it and keeps a leaked ticket short-lived.
PAIRING_TICKET_LIFETIME_S: Final = int(PAIRING_TICKET_MAX_LIFETIME_SECONDS)
# A staff credential covers one visit: fetched before leaving for the job or at the door, it
# must last the working day's visit, and stays far below the protocol's 24 h maximum.
STAFF_CREDENTIAL_LIFETIME_S: Final = 8 * 3600
# An unbind token is used at once, like a pairing ticket.
UNBIND_TOKEN_LIFETIME_S: Final = 600
# Orders whose visit may be prepared: booked, confirmed, or under way.
VISIT_STATUSES: Final = frozenset(
    {OrderStatus.SCHEDULED, OrderStatus.READY_FOR_EXECUTION, OrderStatus.IN_PROGRESS}
)
# A new lock is paired on an installation, or when a service visit replaces the lock unit.
PAIRING_KINDS: Final = frozenset({OrderKind.INSTALLATION, OrderKind.SERVICE})
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
# No revocation epochs are managed yet: every credential is issued in epoch 0.
CREDENTIAL_EPOCH: Final = 0


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
class LockUpload:
    """The ``lock_report.add`` arguments (see gateway.report_queue.QueuedReport)."""

    kind: str
    serial: str
    lock_id: str
    data: str
    server_nonce: str | None = None
    ticket: str | None = None
    order_id: UUID | None = None


@dataclass(frozen=True)
class _IssuedCredential:
    """A signed staff credential and the server nonce handed out with it."""

    credential: bytes
    lock_uid: bytes
    valid_from: int
    valid_to: int
    commands: frozenset[Command]
    nonce: bytes

    def answer(self, serial: str) -> dict[str, Any]:
        return {
            "credential": self.credential.hex(),
            "lock_id": self.lock_uid.hex(),
            "serial": serial,
            "valid_from": _iso(self.valid_from),
            "valid_to": _iso(self.valid_to),
            "commands": sorted(c.name for c in self.commands),
            "server_nonce": self.nonce.hex(),
        }


class LockService:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.orders = OrderService(services)

    @property
    def authority(self) -> LockAuthority:
        authority = self.s.lock_authority
        assert isinstance(authority, LockAuthority)
        return authority

    # -- issuing ----------------------------------------------------------------------------
    async def _visit_order(
        self, principal: Principal, order_id: UUID, kinds: frozenset[OrderKind], what: str
    ) -> dict[str, Any]:
        row = await self.orders.visible(principal, order_id)
        if not (principal.has(Role.FITTER) and str(row["assigned_fitter"]) == principal.user_id):
            raise Forbidden(f"Only the fitter assigned to this order can get {what}.")
        if OrderStatus(row["status"]) not in VISIT_STATUSES:
            raise Conflict(
                f"The order is '{row['status']}'; {what} is issued for booked orders "
                "(scheduled, ready for execution or in progress).",
                code="order_not_ready",
            )
        if OrderKind(row["kind"]) not in kinds:
            allowed = " or ".join(sorted(k.value for k in kinds))
            raise Conflict(
                f"This is a {row['kind']} order; {what} is issued for {allowed} orders.",
                code="wrong_order_kind",
            )
        return row

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

    async def pairing_ticket(self, principal: Principal, order_id: UUID) -> dict[str, Any]:
        authority = self.authority
        async with unit_of_work(self.s.engine):
            row = await self._visit_order(principal, order_id, PAIRING_KINDS, "a pairing ticket")
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
        lifetime_s: int,
    ) -> _IssuedCredential:
        """A staff credential for ``lock`` from now on, with a fresh server nonce; the lock's key
        is recorded the first time it is learnt from its certificate."""
        public_key = self._learn_certificate(lock, lock_certificate)
        lock_uid = lock_id_for(public_key)
        if not lock["public_key"]:
            await Lock.update(
                {Lock.public_key: public_key.hex(), Lock.lock_uid: lock_uid.hex()}
            ).where(Lock.id == lock["id"])
            changed(LOCK, lock["id"])
        valid_from = int(self.s.clock.now().timestamp())
        valid_to = valid_from + lifetime_s
        credential = issue_staff_credential(
            self.authority.key,
            StaffCredential(
                credential_id=os.urandom(16),
                lock_id=lock_uid,
                staff_public_key=staff_key,
                valid_from=valid_from,
                valid_to=valid_to,
                allowed_commands=commands,
                epoch=CREDENTIAL_EPOCH,
            ),
        )
        return _IssuedCredential(
            credential, lock_uid, valid_from, valid_to, commands, os.urandom(NONCE_BYTES)
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
            row = await self._visit_order(
                principal, order_id, frozenset(OrderKind), "a staff credential"
            )
            lock = await self._lock_at_order(row, serial)
            commands = VISIT_COMMANDS | (
                {Command.UNPAIR} if OrderKind(row["kind"]) in UNBIND_KINDS else set()
            )
            issued = await self._sign_credential(
                lock, lock_certificate, staff_key, frozenset(commands), STAFF_CREDENTIAL_LIFETIME_S
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
            issued = await self._sign_credential(
                lock, lock_certificate, staff_key, HUB_COMMANDS, HUB_CREDENTIAL_LIFETIME_S
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
            row = await self._visit_order(principal, order_id, UNBIND_KINDS, "an unbind token")
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

    # -- evidence -----------------------------------------------------------------------------
    async def add_evidence(self, principal: Principal, args: LockUpload) -> UUID:
        """Verify and store one upload; returns the order it belongs to. Raises
        ``LockEvidenceRejected`` (a readable refusal) when it is not believed."""
        if args.kind not in ev.KINDS:
            raise ev.LockEvidenceRejected("unknown_kind")
        try:
            upload = ev.Upload(
                kind=args.kind,
                serial=args.serial,
                lock_id=bytes.fromhex(args.lock_id),
                data=bytes.fromhex(args.data),
                server_nonce=bytes.fromhex(args.server_nonce) if args.server_nonce else None,
                ticket=bytes.fromhex(args.ticket) if args.ticket else None,
            )
        except ValueError as exc:
            raise ev.LockEvidenceRejected("malformed", str(exc)) from exc
        async with unit_of_work(self.s.engine):
            issuance = await self._issuance_for(upload)
            if issuance is None:
                raise ev.LockEvidenceRejected("unknown_nonce")
            hub = issuance["gateway_device"]
            if str(issuance["issued_to"]) != principal.user_id or (
                hub is not None and str(hub) != principal.device_id
            ):
                # Only the fitter who fetched the visit's credential (on any of their devices),
                # or the hub gateway itself, may bring its evidence; anyone else gets the same
                # answer as a made-up nonce.
                raise ev.LockEvidenceRejected("unknown_nonce", "issued to someone else")
            if args.order_id is not None and str(args.order_id) != str(issuance["order_id"]):
                raise ValidationFailed(
                    "The lock report names another order than the one its credential was "
                    "issued for.",
                    field="order_id",
                )
            lock = await Lock.select().where(Lock.serial == upload.serial).first()
            evidence = self._verify(upload, issuance, lock)
            lock_id = await self._apply(evidence, issuance, lock)
            report_id = await self._store(principal, upload, evidence, issuance, lock_id)
            if upload.kind != ev.UNPAIR_RECEIPT:
                claimed = (
                    await LockIssuance.update(
                        {
                            LockIssuance.used_at: self.s.clock.now(),
                            LockIssuance.used_by_report: report_id,
                        }
                    )
                    .where((LockIssuance.id == issuance["id"]) & LockIssuance.used_at.is_null())
                    .returning(LockIssuance.id)
                )
                if not claimed:
                    raise ev.LockEvidenceRejected("nonce_reused", "claimed concurrently")
            order = (
                await self.orders.order_row(issuance["order_id"])
                if issuance["order_id"] is not None
                else None
            )
            if order is not None:
                await self.orders.record_event(
                    order,
                    principal,
                    f"lock_{evidence.kind}",
                    {
                        "serial": evidence.serial,
                        "counter": evidence.counter,
                        **{
                            k: evidence.values[k]
                            for k in ("battery_percent", "firmware")
                            if k in evidence.values
                        },
                    },
                )
        # The mutation's outcome names the order, or for a hub's reading the lock.
        return UUID(str(issuance["order_id"] or lock_id))

    async def _issuance_for(self, upload: ev.Upload) -> dict[str, Any] | None:
        if upload.kind == ev.UNPAIR_RECEIPT:
            wanted = ev.unpair_credential_hash(upload)
            if wanted is None:
                return None
            return (
                await LockIssuance.select()
                .where(LockIssuance.credential_hash == wanted.hex())
                .first()
            )
        nonce = ev.upload_nonce(upload)
        if nonce is None:
            return None
        return await LockIssuance.select().where(LockIssuance.server_nonce == nonce.hex()).first()

    def _verify(
        self, upload: ev.Upload, issuance: dict[str, Any], lock: dict[str, Any] | None
    ) -> ev.Evidence:
        issued = ev.IssuedNonce(
            nonce=bytes.fromhex(issuance["server_nonce"]),
            purpose=issuance["purpose"],
            order_id=str(issuance["order_id"] or ""),
            customer_id=str(issuance["customer_id"]) if issuance["customer_id"] else None,
            lock_serial=issuance["lock_serial"],
            issued_at=issuance["issued_at"].timestamp(),
            expires_at=issuance["expires_at"].timestamp(),
            used=issuance["used_at"] is not None,
            ticket_hash=bytes.fromhex(issuance["ticket_hash"]),
            credential_hash=bytes.fromhex(issuance["credential_hash"]),
        )
        known = (
            ev.KnownLock(
                serial=lock["serial"],
                public_key=bytes.fromhex(lock["public_key"]) if lock["public_key"] else None,
                report_counter=lock["report_counter"],
                command_counter=lock["command_counter"],
                pairing_id=bytes.fromhex(lock["pairing_id"]) if lock["pairing_id"] else None,
            )
            if lock is not None
            else None
        )
        now = self.s.clock.now().timestamp()
        authorities = self.authority.factory_authorities
        if upload.kind == ev.LOCK_REPORT:
            return ev.verify_lock_report(
                upload, authorities=authorities, known=known, nonce=issued, now=now
            )
        if upload.kind == ev.PAIRING_RECEIPT:
            evidence = ev.verify_pairing(
                upload,
                authorities=authorities,
                server_public_key=self.authority.public_key,
                known=known,
                nonce=issued,
                now=now,
            )
            if (
                issued.customer_id is None
                or evidence.customer_id != uuid.UUID(issued.customer_id).bytes
            ):
                raise ev.LockEvidenceRejected("ticket_not_ours", "customer differs")
            return evidence
        return ev.verify_unpair(upload, known=known, credential=issued, now=now)

    async def _apply(
        self, evidence: ev.Evidence, issuance: dict[str, Any], lock: dict[str, Any] | None
    ) -> Any:
        """Update the lock row from believed evidence; returns its id."""
        seen = datetime.fromtimestamp(evidence.lock_time, UTC)
        identity = {
            Lock.public_key: evidence.public_key.hex(),
            Lock.lock_uid: evidence.lock_id.hex(),
        }
        if evidence.kind == ev.PAIRING_RECEIPT:
            assert evidence.pairing_id is not None
            values: dict[Any, Any] = {
                **identity,
                Lock.customer: issuance["customer_id"],
                Lock.state: "installed",
                Lock.installed_at: self.s.clock.now(),
                Lock.pairing_id: evidence.pairing_id.hex(),
                Lock.last_seen_at: seen,
            }
            if lock is None:
                row = Lock(serial=evidence.serial, model="unknown (paired on site)")
                await row.save()
                lock_id = row.id
            else:
                lock_id = lock["id"]
            await Lock.update(values).where(Lock.id == lock_id)
            await self.orders.attach_lock(issuance["order_id"], lock_id)
            changed(LOCK, lock_id)
            return lock_id
        assert lock is not None and evidence.counter is not None
        if evidence.kind == ev.LOCK_REPORT:
            values = {
                **identity,
                Lock.report_counter: evidence.counter,
                Lock.battery_percent: evidence.values["battery_percent"],
                Lock.battery_millivolts: evidence.values["battery_millivolts"],
                Lock.battery_verified_at: self.s.clock.now(),
                Lock.firmware: evidence.values["firmware"][:40],
                Lock.last_seen_at: seen,
            }
            counter_column = Lock.report_counter
        else:
            values = {
                Lock.command_counter: evidence.counter,
                Lock.pairing_id: "",
                Lock.state: "removed",
                Lock.last_seen_at: seen,
            }
            counter_column = Lock.command_counter
        # Claimed conditionally: a racing upload with the same counter finds nothing to update.
        claimed = (
            await Lock.update(values)
            .where(
                (Lock.id == lock["id"])
                & (counter_column.is_null() | (counter_column < evidence.counter))
            )
            .returning(Lock.id)
        )
        if not claimed:
            raise ev.LockEvidenceRejected("counter_replayed", "claimed concurrently")
        changed(LOCK, lock["id"])
        return lock["id"]

    async def _store(
        self,
        principal: Principal,
        upload: ev.Upload,
        evidence: ev.Evidence,
        issuance: dict[str, Any],
        lock_id: Any,
    ) -> Any:
        report = LockReport(
            lock=lock_id,
            kind=evidence.kind,
            counter=evidence.counter,
            lock_time=datetime.fromtimestamp(evidence.lock_time, UTC),
            values=evidence.values,
            order_id=issuance["order_id"],
            issuance=issuance["id"],
            data=upload.data.hex(),
            verified_at=self.s.clock.now(),
            reported_by=principal.user_id,
            received_via=principal.device[:100],
        )
        await report.save()
        return report.id

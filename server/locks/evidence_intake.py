"""Taking in lock-signed evidence (``lock_report.add``): reports, pairing receipts and unpair
receipts that a gateway uploads after a visit (or a hub gateway after its pass).

Evidence is checked by the pure ``server.locks.evidence`` against the ``LockIssuance`` rows
that ``server.locks.credentials`` wrote and the lock as the server knows it; only what passes
is stored, and the nonce and the lock's counter are claimed with conditional updates in the
same transaction, so two uploads racing with one nonce or one counter cannot both get in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from server.accounts.permissions import Principal
from server.context import Services
from server.errors import ValidationFailed
from server.locks import evidence as ev
from server.locks.authority import LockAuthority
from server.locks.tables import Lock, LockIssuance, LockReport
from server.locks.visits import check_order_pairing
from server.orders.lifecycle import VISIT_STATUSES, OrderStatus
from server.orders.service import OrderService
from server.sync.changes import LOCK, changed, unit_of_work


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


class EvidenceIntakeService:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.orders = OrderService(services)

    @property
    def authority(self) -> LockAuthority:
        authority = self.s.lock_authority
        assert isinstance(authority, LockAuthority)
        return authority

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
            # The order first, then the lock: the order a sync push locks before its mutations.
            await self.orders.lock([issuance["order_id"]])
            if args.order_id is not None and str(args.order_id) != str(issuance["order_id"]):
                raise ValidationFailed(
                    "The lock report names another order than the one its credential was "
                    "issued for.",
                    field="order_id",
                )
            order = (
                await self.orders.order_row(issuance["order_id"])
                if issuance["order_id"] is not None
                else None
            )
            if issuance["order_id"] is not None and (
                order is None or OrderStatus(order["status"]) not in VISIT_STATUSES
            ):
                # A cancelled (or finished, paused) order's visit proves nothing more.
                raise ev.LockEvidenceRejected("order_not_in_visit")
            lock = await Lock.select().where(Lock.serial == upload.serial).first()
            evidence = self._verify(upload, issuance, lock)
            if order is not None and evidence.kind == ev.PAIRING_RECEIPT:
                await check_order_pairing(order, evidence.serial)
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
            revoked_at=issuance["revoked_at"].timestamp() if issuance["revoked_at"] else None,
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

"""Fault reports, the planners' triage and QR labels, with the database (issue 13).

No HTTP here (``server.intake.routes`` decodes and encodes). The public report is checked in
the order that costs least first: the honeypot and the form token (no I/O), the reporter's
contact, the rate limits (two counts), the QR token, the photo (decoding is the costly part),
and then, in one transaction that holds the intake's lock, the limits once more, the number
and the row. Nothing said to the public names a customer or a lock.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import timedelta
from hashlib import sha256
from typing import Any
from uuid import UUID

from piccolo.engine.postgres import PostgresEngine

from server.accounts.permissions import OrganisationKind, Principal, Role
from server.accounts.tables import Organisation
from server.clock import LOCAL_ZONE
from server.context import Services
from server.customers.tables import Customer
from server.db import lock_rows
from server.errors import Forbidden, NotFound, RateLimited, ValidationFailed
from server.intake import cases, tokens
from server.intake.cases import CaseAction, CaseStatus
from server.intake.errors import ReportRefused
from server.intake.labels import Label, Language, render_labels
from server.intake.schemas import FaultReportIn, MakeOrderIn
from server.intake.tables import FaultCase, QrToken
from server.locks.tables import Lock
from server.orders.lifecycle import OrderKind
from server.orders.photos import normalise_photo
from server.orders.service import OrderService
from server.orders.tables import WorkOrder
from server.sync.changes import unit_of_work

# One key for every intake write on PostgreSQL (pg_advisory_xact_lock): reports arrive a few
# an hour, so taking them one at a time costs nothing and makes the limits and the running
# number exact across server instances. SQLite's writer lock does the same by itself.
INTAKE_LOCK_KEY = 0x1A7A_C0DE_F001
# An organisation's sheet of labels: 100 A4 pages at most in one request.
MAX_LABELS = 2400
# Where the label's QR code leads, and the reporter's follow link (pwa/report, served at /f).
REPORT_PATH = "/f"
ORIGIN = "fault_report"

CASE_COLUMNS = (
    FaultCase.id,
    FaultCase.number,
    FaultCase.status,
    FaultCase.received_at,
    FaultCase.updated_at,
    FaultCase.text,
    FaultCase.reporter_name,
    FaultCase.reporter_phone,
    FaultCase.reporter_email,
    FaultCase.reporter_relation,
    FaultCase.language,
    FaultCase.photo_width,
    FaultCase.photo_height,
    FaultCase.qr_token,
    FaultCase.lock,
    FaultCase.customer,
    FaultCase.order,
    FaultCase.answer,
    FaultCase.triaged_at,
    FaultCase.closed_at,
    FaultCase.lock.serial.as_alias("lock_serial"),
    FaultCase.lock.kind.as_alias("lock_kind"),
    FaultCase.lock.state.as_alias("lock_state"),
    FaultCase.customer.name.as_alias("customer_name"),
    FaultCase.customer.street_address.as_alias("customer_street"),
    FaultCase.customer.postal_code.as_alias("customer_postcode"),
    FaultCase.customer.city.as_alias("customer_city"),
    FaultCase.customer.area.as_alias("customer_area"),
    FaultCase.order.reference.as_alias("order_reference"),
    FaultCase.triaged_by.full_name.as_alias("triaged_by_name"),
    FaultCase.closed_by.full_name.as_alias("closed_by_name"),
)

NO_SUCH_CASE = ("No such case.", "Ärendet finns inte.")


def _contractor(provider: Any) -> Any:
    """``<...>.provider.contractor``: the fitters' company that serves a customer's provider
    (Organisation.contractor refers to its own table, which the type checker cannot follow)."""
    return provider.contractor


class IntakeService:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- keys ----------------------------------------------------------------------------------
    def _key(self, purpose: bytes) -> bytes:
        return self.s.box.derive(purpose, 32)

    def client_key(self, address: str) -> str:
        """The client's address as a keyed hash: enough to count its reports, nothing more."""
        return hmac.new(self._key(tokens.CLIENT_KEY_PURPOSE), address.encode(), sha256).hexdigest()

    @property
    def language(self) -> Language:
        chosen = self.s.settings.letter_language
        if chosen in ("sv", "nb", "en"):
            return chosen  # type: ignore[return-value]
        return "nb" if self.s.settings.country == "NO" else "sv"

    def report_url(self, token: str) -> str:
        return f"{self.s.settings.public_url.rstrip('/')}{REPORT_PATH}#t={token}"

    def _now_seconds(self) -> int:
        return int(self.s.clock.now().timestamp())

    # -- the public form -----------------------------------------------------------------------
    def form(self) -> dict[str, Any]:
        return {
            "form_token": tokens.form_token(
                self._key(tokens.FORM_KEY_PURPOSE), self._now_seconds()
            ),
            "wait_seconds": self.s.settings.fault_report_min_seconds,
        }

    async def check_rate(self, client_key: str) -> None:
        settings = self.s.settings
        window = timedelta(minutes=settings.fault_report_window_minutes)
        since = self.s.clock.now() - window
        mine = await FaultCase.count().where(
            (FaultCase.client_key == client_key) & (FaultCase.received_at > since)
        )
        if mine >= settings.fault_reports_per_address:
            raise RateLimited(
                "Many reports have come from this connection in a short time. Try again later, "
                "or call us.",
                retry_after=int(window.total_seconds()),
                message_sv="Många felanmälningar har kommit från den här uppkopplingen på kort "
                "tid. Försök igen senare, eller ring oss.",
            )
        everyone = await FaultCase.count().where(FaultCase.received_at > since)
        if everyone >= settings.fault_reports_global:
            raise RateLimited(
                "The fault report page is very busy right now. Try again in a while, or call us.",
                retry_after=60,
                message_sv="Felanmälan är mycket belastad just nu. Försök igen om en stund, "
                "eller ring oss.",
            )

    async def _qr_target(self, text: str) -> dict[str, Any]:
        """The token's row and what it points at, if the token is valid and not revoked."""
        token_id = tokens.qr_token_id(text)
        row = (
            await QrToken.select(
                QrToken.id,
                QrToken.lock,
                QrToken.customer,
                QrToken.revoked_at,
                QrToken.lock.customer.as_alias("lock_customer"),
            )
            .where(QrToken.token_id == token_id)
            .first()
        )
        if row is None or row["revoked_at"] is not None:
            raise tokens.invalid_qr_token()
        if not tokens.qr_token_valid(self._key(tokens.QR_KEY_PURPOSE), text, _target(row)):
            raise tokens.invalid_qr_token()
        return {
            "qr_token": row["id"],
            "lock": row["lock"],
            "customer": row["customer"] or row["lock_customer"],
        }

    async def _serialise_intake(self) -> None:
        if isinstance(self.s.engine, PostgresEngine):
            await FaultCase.raw("SELECT pg_advisory_xact_lock({})", INTAKE_LOCK_KEY)

    async def report(self, client_address: str, data: FaultReportIn) -> dict[str, str]:
        """Keep a fault report as a new case; the case number and the follow secret."""
        if data.homepage.strip():
            # The honeypot was filled: a machine. Refused like any other bad form, no hint why.
            raise ReportRefused(
                "The report could not be accepted. Call us instead.",
                message_sv="Felanmälan kunde inte tas emot. Ring oss i stället.",
            )
        settings = self.s.settings
        tokens.check_form_token(
            self._key(tokens.FORM_KEY_PURPOSE),
            data.form_token,
            now=self._now_seconds(),
            min_seconds=settings.fault_report_min_seconds,
            max_seconds=settings.fault_report_form_hours * 3600,
        )
        text = data.text.strip()
        if not text:
            raise ValidationFailed(
                "Write what happened.", field="text", message_sv="Skriv vad som har hänt."
            )
        name, phone, email = cases.check_contact(data.name, data.phone, data.email)
        key = self.client_key(client_address)
        await self.check_rate(key)
        target = await self._qr_target(data.qr_token) if data.qr_token else {}
        photo = normalise_photo(data.photo) if data.photo else None
        secret = tokens.new_follow_secret()
        async with unit_of_work(self.s.engine):
            await self._serialise_intake()
            await self.check_rate(key)  # again, now that reports are taken one at a time
            now = self.s.clock.now()
            year = now.astimezone(LOCAL_ZONE).year
            last = (
                await FaultCase.select(FaultCase.sequence)
                .where(FaultCase.year == year)
                .order_by(FaultCase.sequence, ascending=False)
                .first()
            )
            sequence = (last["sequence"] if last else 0) + 1
            number = cases.case_number(year, sequence)
            await FaultCase.insert(
                FaultCase(
                    number=number,
                    year=year,
                    sequence=sequence,
                    status=CaseStatus.NEW.value,
                    text=text,
                    reporter_name=name,
                    reporter_phone=phone,
                    reporter_email=email,
                    reporter_relation=data.relation,
                    language=data.language,
                    photo=photo.jpeg if photo else None,
                    photo_width=photo.width if photo else None,
                    photo_height=photo.height if photo else None,
                    qr_token=target.get("qr_token"),
                    lock=target.get("lock"),
                    customer=target.get("customer"),
                    follow_hash=tokens.follow_hash(secret),
                    client_key=key,
                    received_at=now,
                    updated_at=now,
                )
            )
        return {
            "number": number,
            "follow_secret": secret,
            "follow_path": f"{REPORT_PATH}#follow={secret}",
        }

    async def follow(self, secret: str | None) -> dict[str, Any]:
        """The case a follow link names: its number, status and the planner's answer."""
        hashed = tokens.follow_hash(secret or "")
        row = None
        if hashed is not None:
            row = (
                await FaultCase.select(FaultCase.number, FaultCase.status, FaultCase.answer)
                .where(FaultCase.follow_hash == hashed)
                .first()
            )
        if row is None:
            raise NotFound(
                "No report was found with this link. Check that the whole link was copied.",
                message_sv="Ingen felanmälan hittades med den här länken. Kontrollera att hela "
                "länken kom med.",
            )
        return row

    # -- the planners' triage ------------------------------------------------------------------
    def _require_planner(self, principal: Principal) -> None:
        if not (principal.is_admin or principal.has(Role.PLANNER)):
            raise Forbidden(
                "Only planners handle fault reports.",
                message_sv="Bara planerare hanterar felanmälningar.",
            )

    def _scope(self, principal: Principal) -> Any | None:
        """The cases a planner sees: those of customers whose provider their company serves,
        and those with no known customer (every planner may be the one it concerns)."""
        if principal.is_admin:
            return None
        return FaultCase.customer.is_null() | (
            _contractor(FaultCase.customer.provider) == principal.organisation_id
        )

    def _where(self, principal: Principal, *conditions: Any) -> list[Any]:
        scope = self._scope(principal)
        return [c for c in (scope, *conditions) if c is not None]

    async def cases(
        self, principal: Principal, status: str | None, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        self._require_planner(principal)
        conditions = self._where(
            principal, FaultCase.status == status if status is not None else None
        )
        total = await FaultCase.count().where(*conditions)
        rows = (
            await FaultCase.select(*CASE_COLUMNS)
            .where(*conditions)
            .order_by(FaultCase.received_at, ascending=False)
            .limit(limit)
            .offset(offset)
        )
        return total, rows

    async def case(self, principal: Principal, case_id: UUID) -> dict[str, Any]:
        self._require_planner(principal)
        row = (
            await FaultCase.select(*CASE_COLUMNS)
            .where(*self._where(principal, FaultCase.id == case_id))
            .first()
        )
        if row is None:
            raise NotFound(NO_SUCH_CASE[0], message_sv=NO_SUCH_CASE[1])
        locks: list[dict[str, Any]] = []
        if row["customer"] is not None:
            locks = await (
                Lock.select(Lock.id, Lock.serial, Lock.kind, Lock.state)
                .where(Lock.customer == row["customer"])
                .order_by(Lock.serial)
            )
        # The token's lock first: it is the one the reporter stood at.
        row["customer_locks"] = sorted(locks, key=lambda lock: lock["id"] != row["lock"])
        return row

    async def photo(self, principal: Principal, case_id: UUID) -> bytes:
        self._require_planner(principal)
        row = (
            await FaultCase.select(FaultCase.photo)
            .where(*self._where(principal, FaultCase.id == case_id))
            .first()
        )
        if row is None or row["photo"] is None:
            raise NotFound(
                "The case has no photo." if row else NO_SUCH_CASE[0],
                message_sv="Ärendet har inget foto." if row else NO_SUCH_CASE[1],
            )
        return bytes(row["photo"])

    async def _case_for_update(self, principal: Principal, case_id: UUID) -> dict[str, Any]:
        await lock_rows(self.s.engine, FaultCase, [case_id])
        row = (
            await FaultCase.select(
                FaultCase.id,
                FaultCase.number,
                FaultCase.status,
                FaultCase.text,
                FaultCase.reporter_name,
                FaultCase.reporter_relation,
                FaultCase.reporter_phone,
                FaultCase.reporter_email,
            )
            .where(*self._where(principal, FaultCase.id == case_id))
            .first()
        )
        if row is None:
            raise NotFound(NO_SUCH_CASE[0], message_sv=NO_SUCH_CASE[1])
        return row

    async def close(self, principal: Principal, case_id: UUID, answer: str) -> None:
        """Close the case with an answer the reporter reads."""
        self._require_planner(principal)
        answer = answer.strip()
        if not answer:
            raise ValidationFailed(
                "Write the answer the reporter will read.",
                field="answer",
                message_sv="Skriv svaret som anmälaren får läsa.",
            )
        async with unit_of_work(self.s.engine):
            row = await self._case_for_update(principal, case_id)
            status = cases.transition(CaseStatus(row["status"]), CaseAction.CLOSE)
            now = self.s.clock.now()
            await FaultCase.update(
                {
                    FaultCase.status: status.value,
                    FaultCase.answer: answer,
                    FaultCase.closed_by: principal.user_id,
                    FaultCase.closed_at: now,
                    FaultCase.updated_at: now,
                }
            ).where(FaultCase.id == case_id)

    async def _check_order_target(
        self, principal: Principal, customer_id: UUID, lock_id: UUID | None
    ) -> None:
        customer = (
            await Customer.select(
                Customer.id, _contractor(Customer.provider).as_alias("contractor")
            )
            .where(Customer.id == customer_id)
            .first()
        )
        if customer is None or not _serves(principal, customer["contractor"]):
            raise ValidationFailed(
                "No such customer among those your company serves. Choose another.",
                field="customer_id",
                message_sv="Kunden finns inte bland dem ert företag arbetar åt. Välj en annan.",
            )
        if lock_id is not None and not await Lock.exists().where(
            (Lock.id == lock_id) & (Lock.customer == customer_id)
        ):
            raise ValidationFailed(
                "The lock is not at this customer. Choose one of the customer's locks.",
                field="lock_id",
                message_sv="Låset sitter inte hos kunden. Välj ett av kundens lås.",
            )

    async def make_order(
        self, principal: Principal, case_id: UUID, data: MakeOrderIn
    ) -> dict[str, Any]:
        """An order from the case (OrderService.create_made), and the case triaged, in one
        transaction: a refused order (the lock has an open one of that kind) leaves the case
        as it was."""
        self._require_planner(principal)
        async with unit_of_work(self.s.engine):
            row = await self._case_for_update(principal, case_id)
            status = cases.transition(CaseStatus(row["status"]), CaseAction.MAKE_ORDER)
            await self._check_order_target(principal, data.customer_id, data.lock_id)
            description = data.description.strip() or cases.order_description(
                row["number"],
                row["text"],
                row["reporter_name"],
                row["reporter_relation"],
                row["reporter_phone"],
                row["reporter_email"],
            )
            order_id = await OrderService(self.s).create_made(
                made_by=principal,
                ordered_by=UUID(principal.user_id),
                customer_id=data.customer_id,
                kind=OrderKind(data.kind),
                lock_id=data.lock_id,
                description=description,
                origin=ORIGIN,
                origin_ref=row["number"],
            )
            now = self.s.clock.now()
            values: dict[Any, Any] = {
                FaultCase.status: status.value,
                FaultCase.order: order_id,
                FaultCase.triaged_by: principal.user_id,
                FaultCase.triaged_at: now,
                FaultCase.updated_at: now,
            }
            if data.answer.strip():
                values[FaultCase.answer] = data.answer.strip()
            await FaultCase.update(values).where(FaultCase.id == case_id)
            reference = (
                await WorkOrder.select(WorkOrder.reference).where(WorkOrder.id == order_id).first()
            )
        assert reference is not None
        return {"order_id": order_id, "order_reference": reference["reference"]}

    # -- QR tokens and labels ------------------------------------------------------------------
    async def _lock_target(self, principal: Principal, lock_id: Any) -> dict[str, Any]:
        row = (
            await Lock.select(
                Lock.id,
                Lock.serial,
                Lock.customer,
                _contractor(Lock.customer.provider).as_alias("contractor"),
            )
            .where(Lock.id == lock_id)
            .first()
        )
        if row is None or not _serves(principal, row["contractor"], row["customer"] is not None):
            raise NotFound("No such lock.", message_sv="Låset finns inte.")
        return row

    async def _customer_target(self, principal: Principal, customer_id: Any) -> dict[str, Any]:
        row = (
            await Customer.select(
                Customer.id, _contractor(Customer.provider).as_alias("contractor")
            )
            .where(Customer.id == customer_id)
            .first()
        )
        if row is None or not _serves(principal, row["contractor"]):
            raise NotFound("No such customer.", message_sv="Kunden finns inte.")
        return row

    def _token_row_out(self, row: dict[str, Any]) -> dict[str, Any]:
        token = tokens.qr_token(self._key(tokens.QR_KEY_PURPOSE), row["token_id"], _target(row))
        return {**row, "token": token, "url": self.report_url(token)}

    async def make_qr_token(
        self, principal: Principal, lock_id: UUID | None, customer_id: UUID | None
    ) -> dict[str, Any]:
        self._require_planner(principal)
        if (lock_id is None) == (customer_id is None):
            raise ValidationFailed(
                "Name the lock or the customer the label is for (one of them).",
                field="lock_id",
                message_sv="Ange låset eller kunden som etiketten gäller (en av dem).",
            )
        if lock_id is not None:
            await self._lock_target(principal, lock_id)
        else:
            await self._customer_target(principal, customer_id)
        token = QrToken(
            token_id=tokens.new_token_id(),
            lock=lock_id,
            customer=customer_id,
            created_by=principal.user_id,
            created_at=self.s.clock.now(),
        )
        await token.save()
        return await self.qr_token(principal, token.id)

    async def qr_token(self, principal: Principal, token_id: UUID) -> dict[str, Any]:
        self._require_planner(principal)
        row = await QrToken.select().where(QrToken.id == token_id).first()
        if row is None:
            raise NotFound("No such QR label.", message_sv="QR-etiketten finns inte.")
        if row["lock"] is not None:
            await self._lock_target(principal, row["lock"])
        else:
            await self._customer_target(principal, row["customer"])
        return self._token_row_out(row)

    async def qr_tokens(
        self, principal: Principal, lock_id: UUID | None, customer_id: UUID | None
    ) -> list[dict[str, Any]]:
        """The labels made for a lock or a customer's site, newest first (revoked ones too)."""
        self._require_planner(principal)
        if lock_id is not None:
            await self._lock_target(principal, lock_id)
            condition = QrToken.lock == lock_id
        elif customer_id is not None:
            await self._customer_target(principal, customer_id)
            condition = QrToken.customer == customer_id
        else:
            raise ValidationFailed(
                "Name the lock or the customer (lock_id or customer_id).",
                field="lock_id",
                message_sv="Ange låset eller kunden.",
            )
        rows = await QrToken.select().where(condition).order_by(QrToken.created_at, ascending=False)
        return [self._token_row_out(r) for r in rows]

    async def revoke_qr_token(self, principal: Principal, token_id: UUID) -> None:
        """A revoked label's reports are refused from now on. Revoking twice changes nothing."""
        await self.qr_token(principal, token_id)  # visible to this planner, or NotFound
        await QrToken.update(
            {QrToken.revoked_at: self.s.clock.now(), QrToken.revoked_by: principal.user_id}
        ).where((QrToken.id == token_id) & QrToken.revoked_at.is_null())

    async def _locks_of_organisation(self, principal: Principal, organisation_id: UUID) -> Any:
        org = (
            await Organisation.select(Organisation.id, Organisation.kind, Organisation.contractor)
            .where(Organisation.id == organisation_id)
            .first()
        )
        if org is None:
            raise NotFound("No such organisation.", message_sv="Organisationen finns inte.")
        if org["kind"] == OrganisationKind.HOME_CARE_PROVIDER.value:
            if not _serves(principal, org["contractor"]):
                raise NotFound("No such organisation.", message_sv="Organisationen finns inte.")
            return Lock.customer.provider == organisation_id
        if org["kind"] == OrganisationKind.FITTERS_COMPANY.value:
            if not (principal.is_admin or str(organisation_id) == principal.organisation_id):
                raise NotFound("No such organisation.", message_sv="Organisationen finns inte.")
            return _contractor(Lock.customer.provider) == organisation_id
        raise ValidationFailed(
            "Name a home-care provider or a fitters' company: their customers' locks get labels.",
            field="organisation_id",
            message_sv="Ange en hemtjänst eller ett låsmontörföretag: deras kunders lås får "
            "etiketter.",
        )

    async def labels_pdf(
        self,
        principal: Principal,
        lock_ids: Sequence[UUID],
        customer_ids: Sequence[UUID],
        organisation_id: UUID | None,
    ) -> bytes:
        """A sheet of labels: the locks named, every lock of the customers named (a customer
        without a lock gets a label of its own), and every lock at the customers of an
        organisation. Each lock's newest label token is used, or a new one made."""
        self._require_planner(principal)
        if not lock_ids and not customer_ids and organisation_id is None:
            raise ValidationFailed(
                "Name the locks, customers or organisation to print labels for.",
                field="lock_id",
                message_sv="Ange lås, kunder eller organisation att skriva ut etiketter för.",
            )
        wanted: dict[str, str] = {}  # lock id -> serial
        for lock_id in dict.fromkeys(lock_ids):
            row = await self._lock_target(principal, lock_id)
            wanted[str(row["id"])] = row["serial"]
        site_customers: list[str] = []
        for customer_id in dict.fromkeys(customer_ids):
            await self._customer_target(principal, customer_id)
            rows = await Lock.select(Lock.id, Lock.serial).where(Lock.customer == customer_id)
            if not rows:
                site_customers.append(str(customer_id))
            wanted.update({str(r["id"]): r["serial"] for r in rows})
        if organisation_id is not None:
            condition = await self._locks_of_organisation(principal, organisation_id)
            rows = await Lock.select(Lock.id, Lock.serial).where(condition).limit(MAX_LABELS + 1)
            wanted.update({str(r["id"]): r["serial"] for r in rows})
        if len(wanted) + len(site_customers) > MAX_LABELS:
            raise ValidationFailed(
                f"At most {MAX_LABELS} labels can be printed at once. Choose fewer locks.",
                field="organisation_id",
                message_sv=f"Högst {MAX_LABELS} etiketter kan skrivas ut på en gång. Välj "
                "färre lås.",
            )
        key = self._key(tokens.QR_KEY_PURPOSE)
        labels: list[Label] = []
        async with unit_of_work(self.s.engine):
            by_lock = await self._active_tokens(QrToken.lock, list(wanted), principal)
            by_site = await self._active_tokens(QrToken.customer, site_customers, principal)
        for lock, serial in sorted(wanted.items(), key=lambda item: item[1]):
            token = tokens.qr_token(key, by_lock[lock], tokens.QrTarget("lock", lock))
            labels.append(Label(url=self.report_url(token), serial=serial))
        for site in site_customers:
            token_id = by_site[site]
            token = tokens.qr_token(key, token_id, tokens.QrTarget("customer", site))
            labels.append(Label(url=self.report_url(token), reference=token_id[:6]))
        return render_labels(labels, self.language)

    async def _active_tokens(
        self, column: Any, target_ids: list[str], principal: Principal
    ) -> dict[str, str]:
        """target id -> the token id of its newest label not revoked; made where none is."""
        found: dict[str, str] = {}
        if not target_ids:
            return found
        rows = (
            await QrToken.select(column.as_alias("target"), QrToken.token_id)
            .where(column.is_in(target_ids) & QrToken.revoked_at.is_null())
            .order_by(QrToken.created_at)
        )
        for row in rows:
            found[str(row["target"])] = row["token_id"]  # the newest wins
        missing = [t for t in target_ids if t not in found]
        now = self.s.clock.now()
        made = []
        for target in missing:
            token = QrToken(token_id=tokens.new_token_id(), created_by=principal.user_id)
            setattr(token, column._meta.name, target)
            token.created_at = now
            made.append(token)
            found[target] = token.token_id
        if made:
            await QrToken.insert(*made)
        return found


def _target(row: dict[str, Any]) -> tokens.QrTarget:
    if row["lock"] is not None:
        return tokens.QrTarget("lock", str(row["lock"]))
    return tokens.QrTarget("customer", str(row["customer"]))


def _serves(principal: Principal, contractor: Any, has_customer: bool = True) -> bool:
    """Whether the principal's company serves a customer whose provider has this contractor
    (administrators: every customer). A lock at no customer is in the fitters' stock: every
    planner's."""
    if principal.is_admin:
        return True
    if not has_customer:
        return principal.has(Role.PLANNER)
    return contractor is not None and str(contractor) == principal.organisation_id

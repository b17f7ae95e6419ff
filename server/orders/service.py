"""Order use cases: each a transaction that checks access, runs the state machine and writes
the audit trail (OrderEvent). The HTTP routes and, later, the sync push handler both call
these, so the same rules hold whichever way a change arrives.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from server.accounts import permissions as perm
from server.accounts.permissions import OrderFacts, Principal, Role
from server.accounts.tables import Organisation, User
from server.clock import LOCAL_ZONE
from server.context import Services, found
from server.customers.tables import Customer
from server.db import lock_rows
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.locks.revocation import revoke_for_order
from server.locks.tables import Lock
from server.locks.visits import visit_has_lock_evidence
from server.orders import checklist as checklist_rules
from server.orders import contact_plan, flags, sla
from server.orders import notifications as order_notifications  # notify (issue 6)
from server.orders.call_withdrawal import (
    WITHDRAWAL_WINDOW,
    WithdrawalRefusal,
    withdrawal_refusal,
)
from server.orders.field_effects import EffectInputs, field_values, logged_changes
from server.orders.lifecycle import (
    KINDS_ON_EXISTING_LOCK,
    OPEN_STATUSES,
    SEEKING_CONTACT,
    VISIT_STATUSES,
    Action,
    OrderKind,
    OrderStatus,
    TransitionContext,
    allowed_actions,
    transition,
)
from server.orders.photos import PURPOSES as PHOTO_PURPOSES
from server.orders.photos import normalise_photo
from server.orders.schemas import AssignmentIn, ContactAttemptIn, MessageIn, OrderIn, TransitionIn
from server.orders.tables import (
    CompletionReport,
    ContactAttempt,
    OrderEvent,
    OrderMessage,
    OrderPhoto,
    WorkOrder,
)
from server.scopes import has_visible_order, order_scope
from server.sync.changes import (
    CONTACT_ATTEMPT,
    LOCK,
    MESSAGE,
    ORDER,
    ORDER_EVENT,
    changed,
    unit_of_work,
)

# Letters and digits that cannot be mistaken for one another when read out on the phone.
REFERENCE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"
REFERENCE_LENGTH = 6


def new_reference() -> str:
    return "LW-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def facts(row: dict[str, Any]) -> OrderFacts:
    def text(value: Any) -> str | None:
        return str(value) if value is not None else None

    return OrderFacts(
        ordering_organisation_id=str(row["ordering_organisation"]),
        performing_organisation_id=text(row["performing_organisation"]),
        assigned_fitter_id=text(row["assigned_fitter"]),
        status=row.get("status"),
    )


@dataclass(frozen=True)
class OrderFilters:
    status: list[str] | None = None
    kind: str | None = None
    customer_id: UUID | None = None
    fitter_id: UUID | None = None
    escalated: bool | None = None
    overdue: bool | None = None
    reference: str | None = None
    # The planner's desk: the queue asks for orders without a fitter (or without a time),
    # the board for the visits planned on local days ``planned_from``..``planned_to``.
    unassigned: bool | None = None
    planned: bool | None = None
    planned_from: date | None = None
    planned_to: date | None = None
    # Due on or before this day (the queue's "due by" filter).
    due_to: date | None = None
    # The customer's area (a district such as "Gottsunda"; fitters have areas too).
    area: str | None = None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_ZONE)


@dataclass(frozen=True)
class NextCall:
    """The contact attempts made so far, and the next call to make (None: no call needed)."""

    attempts: int
    suggestion: contact_plan.CallSuggestion | None


ORDER_SELECT = (
    *WorkOrder.all_columns(),
    WorkOrder.customer.name.as_alias("customer_name"),
    WorkOrder.customer.street_address.as_alias("customer_street"),
    WorkOrder.customer.city.as_alias("customer_city"),
    # Home-care staff see who is coming (issue 16); seed 002's letters name the fitter too.
    WorkOrder.assigned_fitter.full_name.as_alias("assigned_fitter_name"),
)


class OrderService:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- reading -----------------------------------------------------------------------------
    async def visible(self, principal: Principal, order_id: UUID) -> dict[str, Any]:
        row = (
            await WorkOrder.select(*ORDER_SELECT)
            .where(WorkOrder.id == order_id)
            .output(load_json=True)
            .first()
        )
        if not row or not perm.can_see_order(principal, facts(row)):
            raise NotFound(
                "No such order, or it is no longer yours (it may have been reassigned).",
                message_sv="Ordern finns inte, eller är inte längre din (den kan ha fått en "
                "annan montör).",
            )
        return row

    async def lock(self, order_ids: Iterable[Any]) -> None:
        """Hold these orders until the transaction ends, in a fixed order (``db.lock_rows``)."""
        await lock_rows(self.s.engine, WorkOrder, order_ids)

    async def visible_for_update(self, principal: Principal, order_id: UUID) -> dict[str, Any]:
        """``visible``, for a change: the order is locked before it is read, so what a decision
        rests on (its version, its status, who it is assigned to) still holds at the write, and
        two concurrent changes each count in its version."""
        await self.lock([order_id])
        return await self.visible(principal, order_id)

    def _conditions(self, principal: Principal, filters: OrderFilters) -> list[Any]:
        conditions = [c for c in [order_scope(principal)] if c is not None]
        if filters.status:
            conditions.append(WorkOrder.status.is_in(list(filters.status)))
        if filters.kind:
            conditions.append(WorkOrder.kind == filters.kind)
        if filters.customer_id:
            conditions.append(WorkOrder.customer == filters.customer_id)
        if filters.fitter_id:
            conditions.append(WorkOrder.assigned_fitter == filters.fitter_id)
        if filters.escalated is not None:
            conditions.append(flags.escalated_filter(filters.escalated))
        if filters.overdue is not None:
            conditions.append(flags.overdue_filter(self.s.clock.today(), filters.overdue))
        if filters.reference:
            conditions.append(WorkOrder.reference == filters.reference.upper())
        if filters.unassigned is not None:
            conditions.append(
                WorkOrder.assigned_fitter.is_null()
                if filters.unassigned
                else WorkOrder.assigned_fitter.is_not_null()
            )
        if filters.planned is not None:
            conditions.append(
                WorkOrder.planned_start.is_not_null()
                if filters.planned
                else WorkOrder.planned_start.is_null()
            )
        # Local days, so a visit at 00:30 Swedish time counts on its own day, not the one before.
        if filters.planned_from is not None:
            conditions.append(WorkOrder.planned_start >= _local_midnight(filters.planned_from))
        if filters.planned_to is not None:
            end = _local_midnight(filters.planned_to + timedelta(days=1))
            conditions.append(WorkOrder.planned_start < end)
        if filters.due_to is not None:
            conditions.append(WorkOrder.due_on <= filters.due_to)
        if filters.area:
            conditions.append(WorkOrder.customer.area == filters.area)
        return conditions

    async def list_orders(
        self, principal: Principal, filters: OrderFilters, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        conditions = self._conditions(principal, filters)
        rows = (
            await WorkOrder.select(*ORDER_SELECT)
            .where(*conditions)
            .order_by(WorkOrder.escalation_level, ascending=False)
            .order_by(WorkOrder.created_at)
            .limit(limit)
            .offset(offset)
            .output(load_json=True)
        )
        return await WorkOrder.count().where(*conditions), rows

    def is_overdue(self, row: dict[str, Any]) -> bool:
        return flags.is_overdue(row, self.s.clock.today())

    def allowed_for(self, principal: Principal, row: dict[str, Any]) -> list[str]:
        order = facts(row)
        return sorted(
            a.value
            for a in allowed_actions(OrderStatus(row["status"]))
            if perm.can_transition(principal, order, a)
        )

    async def completion(self, order_id: Any) -> dict[str, Any] | None:
        return (
            await CompletionReport.select()
            .where(CompletionReport.order == order_id)
            .output(load_json=True)
            .first()
        )

    async def contact_attempts(self, principal: Principal, order_id: UUID) -> list[dict[str, Any]]:
        """The contact attempts on an order the principal may see, oldest first."""
        await self.visible(principal, order_id)
        return list(
            await ContactAttempt.select()
            .where(ContactAttempt.order == order_id)
            .order_by(ContactAttempt.at)
        )

    async def contact_attempt(self, attempt_id: Any) -> dict[str, Any]:
        return found(
            await ContactAttempt.select().where(ContactAttempt.id == attempt_id).first(), "attempt"
        )

    async def next_call(self, principal: Principal, order_id: UUID) -> NextCall:
        """When to call next: once every working day, rotating the time of day (seed 000);
        no call once the customer was reached, or outside the statuses that seek contact."""
        row = await self.visible(principal, order_id)
        attempts = (
            await ContactAttempt.select(ContactAttempt.at, ContactAttempt.outcome)
            .where(ContactAttempt.order == order_id)
            .order_by(ContactAttempt.at)
        )
        reached = any(a["outcome"] == "reached" for a in attempts)
        if reached or row["status"] not in SEEKING_CONTACT or row["ordered_at"] is None:
            return NextCall(attempts=len(attempts), suggestion=None)
        suggestion = contact_plan.next_call(
            [a["at"] for a in attempts],
            self.s.clock.now(),
            self.s.calendar,
            ordered_on=row["ordered_at"].astimezone(LOCAL_ZONE).date(),
            zone=LOCAL_ZONE,
        )
        return NextCall(attempts=len(attempts), suggestion=suggestion)

    async def messages(self, principal: Principal, order_id: UUID) -> list[dict[str, Any]]:
        """The dialogue on an order the principal may see, oldest first."""
        await self.visible(principal, order_id)
        return list(
            await OrderMessage.select()
            .where(OrderMessage.order == order_id)
            .order_by(OrderMessage.at)
        )

    async def message(self, message_id: Any) -> dict[str, Any]:
        return found(
            await OrderMessage.select().where(OrderMessage.id == message_id).first(), "message"
        )

    async def events(self, principal: Principal, order_id: UUID) -> list[dict[str, Any]]:
        """The audit trail of an order the principal may see, oldest first."""
        await self.visible(principal, order_id)
        return list(
            await OrderEvent.select()
            .where(OrderEvent.order == order_id)
            .order_by(OrderEvent.at)
            .output(load_json=True)
        )

    # -- writing -----------------------------------------------------------------------------
    async def _event(
        self,
        order_id: Any,
        principal: Principal | None,
        action: str,
        from_status: str | None,
        to_status: str | None,
        changes: dict[str, Any] | None = None,
        *,
        flagged: bool = False,
        note: str = "",
        actor_name: str | None = None,
    ) -> None:
        # Every change to an order goes through here, so this is where sync learns of it.
        event = OrderEvent(
            order=order_id,
            at=self.s.clock.now(),
            actor=principal.user_id if principal else None,
            actor_name=actor_name or (principal.name if principal else "system"),
            device=principal.device if principal else "",
            action=action,
            from_status=from_status,
            to_status=to_status,
            changes=changes or {},
            flagged=flagged,
            note=note,
        )
        await event.save()
        changed(ORDER, order_id)
        changed(ORDER_EVENT, event.id)

    async def log_move(
        self,
        order_id: Any,
        principal: Principal | None,
        action: str,
        from_status: str | None,
        to_status: str | None,
        changes: dict[str, Any] | None = None,
        *,
        note: str = "",
        actor_name: str | None = None,
    ) -> None:
        """The audit entry (and sync's notice) of a change another area made to an order
        (server.booking); ``principal`` None with ``actor_name`` for a resident or a job."""
        await self._event(
            order_id,
            principal,
            action,
            from_status,
            to_status,
            changes,
            note=note,
            actor_name=actor_name,
        )

    async def record_event(
        self,
        row: dict[str, Any],
        principal: Principal,
        action: str,
        changes: dict[str, Any],
    ) -> None:
        """An audit entry that does not move the order (e.g. a lock credential issued)."""
        await self._event(row["id"], principal, action, row["status"], row["status"], changes)

    async def order_row(self, order_id: Any) -> dict[str, Any] | None:
        """The order without an access check: for code that checked access another way."""
        return await WorkOrder.select().where(WorkOrder.id == order_id).first()

    async def attach_lock(self, order_id: Any, lock_id: Any) -> None:
        """The lock paired on this order's visit is the order's lock from now on. Only an order
        without a lock takes one (server.locks.pairing_rules decided which lock may pair)."""
        await self.lock([order_id])
        row = await self.order_row(order_id)
        if row is None or row["lock"] == lock_id:
            return
        if row["lock"] is not None:
            raise Conflict(
                "This order has another lock. Record the replacement of that lock first.",
                code="lock_replacement_required",
            )
        await WorkOrder.update(
            {
                WorkOrder.lock: lock_id,
                WorkOrder.version: row["version"] + 1,
                WorkOrder.updated_at: self.s.clock.now(),
            }
        ).where(WorkOrder.id == order_id)
        changed(ORDER, order_id)
        # Who may see a lock follows the orders that name it: both locks are looked at again.
        changed(LOCK, lock_id)
        if row["lock"] is not None:
            changed(LOCK, row["lock"])

    async def detach_lock(
        self, row: dict[str, Any], principal: Principal, serial: str, reason: str
    ) -> None:
        """A service visit took the order's lock down (server.locks.credentials.replace_lock): the
        order waits for the new lock, and the audit trail says which lock went and why."""
        await WorkOrder.update(
            {
                WorkOrder.lock: None,
                WorkOrder.version: row["version"] + 1,
                WorkOrder.updated_at: self.s.clock.now(),
            }
        ).where(WorkOrder.id == row["id"])
        await self._event(
            row["id"],
            principal,
            "lock_replaced",
            row["status"],
            row["status"],
            {"removed_serial": serial},
            note=reason,
        )

    async def revoke_lock_access(
        self, row: dict[str, Any], principal: Principal | None, reason: str
    ) -> None:
        """The visit is no longer what its tickets and credentials were issued for: revoke
        them (server.locks.revocation) and say so in the audit trail."""
        serials = await revoke_for_order(row["id"], self.s.clock.now())
        if serials:
            await self._event(
                row["id"],
                principal,
                "lock_access_revoked",
                row["status"],
                row["status"],
                {"serials": serials, "reason": reason},
            )

    async def create(
        self, principal: Principal, data: OrderIn, order_id: UUID | None = None
    ) -> UUID:
        """Place (or draft) an order. ``order_id`` is the id a phone chose for an order it
        queued while offline (seed 001: cases queued during an outage are worked through
        when the system is back); the sync layer applies that mutation exactly once."""
        customer = (
            await Customer.select(Customer.id, Customer.provider)
            .where(Customer.id == data.customer_id)
            .first()
        )
        if not customer or not perm.can_see_customer(
            principal,
            str(customer["provider"]),
            via_visible_order=await has_visible_order(principal, customer_id=data.customer_id),
        ):
            raise ValidationFailed(
                "No such customer. Choose one of your organisation's customers.",
                field="customer_id",
                message_sv="Kunden finns inte. Välj en av er organisations kunder.",
            )
        provider_id = str(customer["provider"])
        if not perm.can_order_for(principal, provider_id):
            raise Forbidden(
                "Only the customer's home-care provider can order jobs for this customer.",
                message_sv="Bara kundens hemtjänst kan beställa till den här kunden.",
            )
        kind = OrderKind(data.kind)
        answers = (
            checklist_rules.validate_checklist(kind, data.checklist)
            if checklist_rules.checklist_required(kind)
            else {}
        )
        lock_id = await self._lock_for(kind, data.customer_id, data.lock_id)
        provider = (
            await Organisation.select(Organisation.contractor)
            .where(Organisation.id == provider_id)
            .first()
        )
        if provider is None or provider["contractor"] is None:
            raise ValidationFailed(
                "Your organisation has no fitters' company set up to do its jobs. "
                "Ask the administrator to set one.",
                message_sv="Er organisation har inget låsmontörföretag kopplat. Be "
                "administratören koppla ett.",
            )
        orderer = found(
            await User.select(User.full_name, User.email, User.phone)
            .where(User.id == principal.user_id)
            .first(),
            "user",
        )
        feedback_email = data.feedback_email or orderer["email"]
        feedback_phone = data.feedback_phone or orderer["phone"]
        if not feedback_email and not feedback_phone:
            raise ValidationFailed(
                "Give an e-mail address or phone number where the fitter can reach you with "
                "feedback (seed routine: the orderer checks the contact details).",
                field="feedback_email",
                message_sv="Ange en e-postadress eller ett telefonnummer där låsmontören når er.",
            )
        now = self.s.clock.now()
        today = self.s.clock.today()
        status = OrderStatus.DRAFT if data.draft else OrderStatus.ORDERED
        order = WorkOrder(
            reference=new_reference(),
            kind=kind.value,
            status=status.value,
            customer=data.customer_id,
            lock=lock_id,
            ordering_organisation=provider_id,
            ordered_by=principal.user_id,
            performing_organisation=provider["contractor"],
            feedback_name=data.feedback_name or orderer["full_name"],
            feedback_email=feedback_email,
            feedback_phone=feedback_phone,
            customer_best_times=data.customer_best_times,
            provider_best_times=data.provider_best_times,
            checklist=answers,
            description=data.description,
            created_at=now,
            updated_at=now,
        )
        if status is OrderStatus.ORDERED:
            # Created placed: the fields placing sets (server.orders.field_effects).
            placed = EffectInputs(now=now, today=today, current=OrderStatus.DRAFT)
            for name, value in field_values(Action.PLACE, placed, self.s.calendar).items():
                setattr(order, name, value)
        if order_id is not None:
            order.id = order_id  # made on the phone, so its queued copy matches
        async with unit_of_work(self.s.engine):
            if order_id is not None and await WorkOrder.exists().where(WorkOrder.id == order_id):
                raise Conflict("An order with this id exists already.", code="duplicate_id")
            if lock_id is not None:
                # Checked under the lock's row lock: two orders placed at once for the same
                # lock cannot both find none open.
                await lock_rows(self.s.engine, Lock, [lock_id])
                await self._refuse_second_open_order(lock_id, kind)
            await order.save()
            await self._event(
                order.id, principal, "create", None, status.value, {"kind": kind.value}
            )
            if status is OrderStatus.ORDERED:
                await self._route(order.id)
                # --- notify (issue 11): the planners hear of a new order ---
                await order_notifications.enqueue_new_order(self.s, order.id, now)
        return order.id

    async def create_made(
        self,
        *,
        made_by: Principal | None,
        ordered_by: UUID,
        customer_id: UUID,
        kind: OrderKind,
        lock_id: UUID | None,
        description: str,
        origin: str,
        origin_ref: str,
    ) -> UUID:
        """An order made for the customer by the fitters' side (issue 13): a fault report a
        planner triaged, a recurring schedule, an automatic battery rule. Placed at once,
        without seed 000's checklist (no home-care worker stood at the door); ``ordered_by``
        is the person responsible (the planner who triaged, the schedule's or rule's author).
        Refused with ``order_exists`` when the lock has an open order of the kind already.
        Placed by the assignment rules like every new order."""
        customer = found(
            await Customer.select(Customer.id, Customer.provider)
            .where(Customer.id == customer_id)
            .first(),
            "customer",
        )
        provider = found(
            await Organisation.select(Organisation.contractor)
            .where(Organisation.id == customer["provider"])
            .first(),
            "organisation",
        )
        if provider["contractor"] is None:
            raise ValidationFailed(
                "The customer's home-care provider has no fitters' company set up.",
                message_sv="Kundens hemtjänst har inget låsmontörföretag kopplat.",
            )
        if lock_id is None and kind in KINDS_ON_EXISTING_LOCK:
            lock_id = await self._lock_for(kind, customer_id, None)
        now = self.s.clock.now()
        order = WorkOrder(
            reference=new_reference(),
            kind=kind.value,
            status=OrderStatus.ORDERED.value,
            customer=customer_id,
            lock=lock_id,
            ordering_organisation=customer["provider"],
            ordered_by=ordered_by,
            performing_organisation=provider["contractor"],
            description=description,
            origin=origin,
            origin_ref=origin_ref,
            created_at=now,
            updated_at=now,
        )
        placed = EffectInputs(now=now, today=self.s.clock.today(), current=OrderStatus.DRAFT)
        for name, value in field_values(Action.PLACE, placed, self.s.calendar).items():
            setattr(order, name, value)
        async with unit_of_work(self.s.engine):
            if lock_id is not None:
                await lock_rows(self.s.engine, Lock, [lock_id])
                await self._refuse_second_open_order(lock_id, kind)
            await order.save()
            await self._event(
                order.id,
                made_by,
                "create",
                None,
                OrderStatus.ORDERED.value,
                {"kind": kind.value, "origin": origin, "origin_ref": origin_ref},
            )
            await self._route(order.id)
            await order_notifications.enqueue_new_order(self.s, order.id, now)
        return order.id

    async def _route(self, order_id: Any) -> None:
        """Issue 13: the assignment rules place a new order (a fitter, a group's queue, or the
        planner's queue). Imported here: the routing area builds on this one."""
        from server.routing.service import place_new_order

        await place_new_order(self.s, order_id)

    async def _refuse_second_open_order(self, lock_id: Any, kind: OrderKind) -> None:
        existing = (
            await WorkOrder.select(WorkOrder.reference)
            .where(
                (WorkOrder.lock == lock_id)
                & (WorkOrder.kind == kind.value)
                & WorkOrder.status.is_in([s.value for s in OPEN_STATUSES])
            )
            .first()
        )
        if existing:
            raise Conflict(
                f"This lock already has an open {kind.value} order ({existing['reference']}). "
                "Add what you know to that order instead of placing a new one.",
                code="order_exists",
                message_sv=f"Låset har redan en öppen order av samma slag "
                f"({existing['reference']}). Skriv det du vet på den ordern i stället för att "
                "beställa en ny.",
            )

    async def _lock_for(self, kind: OrderKind, customer_id: UUID, lock_id: UUID | None) -> Any:
        if lock_id is not None:
            lock = await Lock.select(Lock.customer).where(Lock.id == lock_id).first()
            if not lock or lock["customer"] != customer_id:
                raise ValidationFailed(
                    "That lock is not installed at this customer.",
                    field="lock_id",
                    message_sv="Låset sitter inte hos den här kunden. Välj kundens lås.",
                )
            return lock_id
        if kind not in KINDS_ON_EXISTING_LOCK:
            return None
        locks = await Lock.select(Lock.id).where(
            (Lock.customer == customer_id) & (Lock.state == "installed")
        )
        if len(locks) == 1:
            return locks[0]["id"]
        if not locks:
            raise ValidationFailed(
                "This customer has no installed lock registered. Order an installation, or ask "
                "the administrator to link the lock to the customer.",
                field="lock_id",
                message_sv="Kunden har inget registrerat lås. Beställ en installation, eller be "
                "administratören koppla låset till kunden.",
            )
        raise ValidationFailed(
            "This customer has several locks; choose which one.",
            field="lock_id",
            message_sv="Kunden har flera lås: välj vilket det gäller.",
        )

    def _check_version(self, row: dict[str, Any], expected: int | None) -> None:
        if expected is not None and expected != row["version"]:
            raise Conflict(
                f"Someone else changed this order meanwhile (version {row['version']}, you had "
                f"{expected}). Reload it, check the changes and try again.",
                code="version_conflict",
            )

    async def transition(self, principal: Principal, order_id: UUID, data: TransitionIn) -> None:
        action = Action(data.action)
        async with unit_of_work(self.s.engine):
            row = await self.visible_for_update(principal, order_id)
            if not perm.can_transition(principal, facts(row), action):
                if action is Action.CANCEL and Role.ORDERER in principal.roles:
                    raise Forbidden(
                        "The visit is booked, so the fitters' planner cancels it now: write "
                        "on the order why it should be cancelled.",
                        message_sv="Besöket är bokat, så nu makulerar montörernas planerare "
                        "ordern: skriv på ordern varför den ska makuleras.",
                    )
                raise Forbidden(
                    f"Your role cannot '{action.value.replace('_', ' ')}' this order."
                    + (
                        " Only the assigned fitter can."
                        if action in {Action.START, Action.COMPLETE}
                        else ""
                    )
                )
            self._check_version(row, data.expected_version)
            unassign = self._check_unassign(principal, row, action, data)
            current = OrderStatus(row["status"])
            today = self.s.clock.today()
            now = self.s.clock.now()
            if action is Action.COMPLETE and data.completion is None:
                raise ValidationFailed(
                    "Completing an order needs the completion report: what was done and the "
                    "time spent.",
                    field="completion",
                )
            context = TransitionContext(
                kind=OrderKind(row["kind"]),
                today=today,
                planned_start=data.planned_start,
                hold_until=data.hold_until,
                held_from=OrderStatus(row["held_from"]) if row["held_from"] else None,
                reply_text=data.reply_text,
                reason=data.reason,
                has_completion_report=data.completion is not None,
                # A lock-signed report verified for this visit (server.locks.visits).
                has_verified_lock_report=(
                    action is Action.COMPLETE and await visit_has_lock_evidence(row)
                ),
                override_reason=data.override_reason,
            )
            result = transition(current, action, context)
            visit_day = today
            if action is Action.COMPLETE:
                assert data.completion is not None
                visit_day = data.completion.visit_on or row["visit_on"] or today
                if visit_day > today:
                    raise ValidationFailed(
                        "The visit date cannot be in the future.", field="completion.visit_on"
                    )
            # What the action writes besides the status (server.orders.field_effects).
            effects = field_values(
                action,
                EffectInputs(
                    now=now,
                    today=today,
                    current=current,
                    planned_start=data.planned_start,
                    estimate_minutes=data.estimate_minutes,
                    hold_until=data.hold_until,
                    reason=data.reason,
                    visit_day=visit_day,
                ),
                self.s.calendar,
            )
            values: dict[Any, Any] = {
                WorkOrder.status: result.status.value,
                WorkOrder.version: row["version"] + 1,
                WorkOrder.updated_at: now,
                **{WorkOrder._meta.get_column_by_name(n): v for n, v in effects.items()},
            }
            changes = logged_changes(action, effects)
            if unassign:
                # Seed 002: held and unassigned, the order leaves the fitter's phone at its
                # next sync and comes back to the planner's queue unassigned.
                # Nobody is booked or calling any more: it comes back as a new order in the
                # queue (ordered, no planned time), whatever status it was held from.
                values[WorkOrder.assigned_fitter] = None
                values[WorkOrder.held_from] = OrderStatus.ORDERED.value
                values[WorkOrder.planned_start] = None
                changes = {**changes, "unassigned": str(row["assigned_fitter"])}
            if action is Action.COMPLETE:
                assert data.completion is not None
                late = sla.is_report_late(self.s.calendar, visit_day, today)
                await CompletionReport.insert(
                    CompletionReport(
                        order=order_id,
                        reported_by=principal.user_id,
                        reported_at=now,
                        visit_on=visit_day,
                        work_done=data.completion.work_done,
                        battery_replaced=data.completion.battery_replaced,
                        lock_replaced=data.completion.lock_replaced,
                        materials=[
                            {"name": m.name, "quantity": m.quantity}
                            for m in data.completion.materials
                        ],
                        minutes_spent=data.completion.minutes_spent,
                        late=late,
                        lock_evidence_overridden=result.lock_evidence_overridden,
                        override_reason=data.override_reason or "",
                    )
                )
                changes = {"late_report": late}
            await WorkOrder.update(values).where(WorkOrder.id == order_id)
            await self._event(
                order_id,
                principal,
                action.value,
                current.value,
                result.status.value,
                changes,
                flagged=result.lock_evidence_overridden,
                note=(data.override_reason or "")
                if result.lock_evidence_overridden
                else (data.reason or data.reply_text or ""),
            )
            if action is Action.SCHEDULE and row.get("booking_code"):
                # Seed 002: a new time voids the booking code the old letter printed. Imported
                # here: the booking area builds on this one, not the other way round.
                from server.booking.service import BookingService

                await BookingService(self.s).after_schedule(row, principal)
            # A visit that ends, pauses or moves takes its lock access with it.
            if result.status not in VISIT_STATUSES or action is Action.SCHEDULE:
                await self.revoke_lock_access(
                    {**row, "status": result.status.value}, principal, action.value
                )
            # --- notify (issue 6): the completion e-mail and push commit with the change ---
            if result.status is OrderStatus.DONE:
                await order_notifications.enqueue_completion(self.s, order_id, now)
            if action is Action.PLACE:
                await self._route(order_id)
                await order_notifications.enqueue_new_order(self.s, order_id, now)
            if result.status is not current:
                await order_notifications.enqueue_status_change(
                    self.s,
                    order_id,
                    result.status.value,
                    row["version"] + 1,
                    principal.user_id,
                    now,
                )
            # --- end notify ---

    @staticmethod
    def _check_unassign(
        principal: Principal, row: dict[str, Any], action: Action, data: TransitionIn
    ) -> bool:
        """Whether this transition also unassigns the order (``unassign`` with a hold, by
        whoever may assign it); refused with any other action or role."""
        if not data.unassign:
            return False
        if action is not Action.PUT_ON_HOLD:
            raise ValidationFailed(
                "Only putting an order on hold can unassign it with the same step; use the "
                "assignment to unassign otherwise.",
                field="unassign",
                message_sv="Bara när en order läggs vilande kan den samtidigt tas från "
                "montören; använd tilldelningen annars.",
            )
        if not perm.can_assign(principal, facts(row)):
            raise Forbidden(
                "Only the fitters' company's planner can take an order from its fitter.",
                message_sv="Bara montörföretagets planerare kan ta en order från montören.",
            )
        return row["assigned_fitter"] is not None

    async def add_contact_attempt(
        self,
        principal: Principal,
        order_id: UUID,
        data: ContactAttemptIn,
        attempt_id: UUID | None = None,
    ) -> UUID:
        async with unit_of_work(self.s.engine):
            row = await self.visible_for_update(principal, order_id)
            if not perm.can_log_contact_attempt(principal, facts(row)):
                raise Forbidden("Only the assigned fitter or the planner logs contact attempts.")
            if (
                row["status"] not in {s.value for s in OPEN_STATUSES}
                or row["status"] == OrderStatus.DRAFT
            ):
                raise Conflict(
                    f"The order is '{row['status']}'; contact attempts are logged on open orders."
                )
            if attempt_id and await ContactAttempt.exists().where(ContactAttempt.id == attempt_id):
                raise Conflict(
                    "A contact attempt with this id exists already.", code="duplicate_id"
                )
            now = self.s.clock.now()
            at = data.at or now
            if at > now:
                raise ValidationFailed("A contact attempt cannot be in the future.", field="at")
            attempt = ContactAttempt(
                order=order_id,
                at=at,
                made_by=principal.user_id,
                to_whom=data.to_whom,
                contact_name=data.contact_name,
                phone=data.phone,
                outcome=data.outcome,
                note=data.note,
                device=principal.device,
            )
            if attempt_id:
                attempt.id = attempt_id  # made on the device, so its offline copy matches
            await attempt.save()
            changed(CONTACT_ATTEMPT, attempt.id)
            status = row["status"]
            values: dict[Any, Any] = {
                WorkOrder.version: row["version"] + 1,
                WorkOrder.updated_at: now,
            }
            if status == OrderStatus.ORDERED:
                status = transition(
                    OrderStatus.ORDERED,
                    Action.START_CONTACTING,
                    TransitionContext(kind=OrderKind(row["kind"]), today=self.s.clock.today()),
                ).status.value
                values[WorkOrder.status] = status
            await WorkOrder.update(values).where(WorkOrder.id == order_id)
            await self._event(
                order_id,
                principal,
                "contact_attempt",
                row["status"],
                status,
                {"to_whom": data.to_whom, "outcome": data.outcome},
                note=data.note,
            )
        return attempt.id

    async def withdraw_contact_attempt(
        self,
        principal: Principal,
        order_id: UUID,
        attempt_id: UUID,
        withdrawn_at: datetime | None = None,
    ) -> None:
        """Take back a call logged by mistake (the app's undo): the attempt is deleted, so
        every rule that counts calls (the next call, escalation, days without a call) sees
        it gone, and the order's history keeps an event saying what was taken back."""
        async with unit_of_work(self.s.engine):
            row = await self.visible_for_update(principal, order_id)
            attempt = await (
                ContactAttempt.select()
                .where((ContactAttempt.id == attempt_id) & (ContactAttempt.order == order_id))
                .first()
            )
            if attempt is None:
                raise NotFound("The call is not on this order (or was taken back already).")
            now = self.s.clock.now()
            refusal = withdrawal_refusal(
                caller=UUID(str(attempt["made_by"])),
                withdrawn_by=UUID(str(principal.user_id)),
                called_at=attempt["at"],
                withdrawn_at=withdrawn_at or now,
                now=now,
            )
            if refusal is WithdrawalRefusal.NOT_THE_CALLER:
                raise Forbidden(
                    "Only the person who logged a call can take it back; log the right call "
                    "instead.",
                    message_sv="Bara den som loggade samtalet kan ångra det. Logga rätt samtal "
                    "i stället.",
                )
            if refusal is not None:
                raise Conflict(
                    "The call can no longer be taken back (undo is for the first "
                    f"{WITHDRAWAL_WINDOW.seconds // 60} minutes); log the right call instead.",
                    code="withdrawal_too_late",
                    message_sv="Samtalet kan inte längre ångras. Logga rätt samtal i stället.",
                )
            if row["status"] not in {s.value for s in OPEN_STATUSES}:
                raise Conflict(
                    f"The order is '{row['status']}'; calls are taken back on open orders only.",
                    message_sv="Ordern är avslutad; samtal kan bara ångras på öppna ordrar.",
                )
            await ContactAttempt.delete().where(ContactAttempt.id == attempt_id)
            changed(CONTACT_ATTEMPT, attempt_id)
            await WorkOrder.update(
                {WorkOrder.version: row["version"] + 1, WorkOrder.updated_at: now}
            ).where(WorkOrder.id == order_id)
            await self._event(
                order_id,
                principal,
                "contact_attempt_withdrawn",
                row["status"],
                row["status"],
                {
                    "to_whom": attempt["to_whom"],
                    "outcome": attempt["outcome"],
                    "at": attempt["at"].isoformat(),
                },
            )

    async def add_photo(
        self,
        principal: Principal,
        order_id: UUID,
        photo: bytes,
        purpose: str,
        photo_id: UUID | None = None,
    ) -> UUID:
        """Keep a photo for the order, re-encoded without metadata (server.orders.photos)."""
        if purpose not in PHOTO_PURPOSES:
            raise ValidationFailed(f"Unknown photo purpose {purpose!r}.", field="purpose")
        normalised = normalise_photo(photo)  # refused before anything is locked or written
        async with unit_of_work(self.s.engine):
            row = await self.visible_for_update(principal, order_id)
            if not perm.can_add_photo(principal, facts(row)):
                raise Forbidden(
                    "Only the order's fitter or the fitters' planner adds photos.",
                    message_sv="Bara orderns montör eller montörernas planerare lägger till foton.",
                )
            if row["status"] == OrderStatus.CANCELLED:
                raise Conflict(
                    "The order is cancelled; photos are not added to it.",
                    message_sv="Ordern är makulerad; foton läggs inte till.",
                )
            if photo_id and await OrderPhoto.exists().where(OrderPhoto.id == photo_id):
                raise Conflict("A photo with this id exists already.", code="duplicate_id")
            kept = OrderPhoto(
                order=order_id,
                taken_by=principal.user_id,
                at=self.s.clock.now(),
                purpose=purpose,
                width=normalised.width,
                height=normalised.height,
                size_bytes=len(normalised.jpeg),
                jpeg=normalised.jpeg,
                device=principal.device,
            )
            if photo_id:
                kept.id = photo_id  # made on the phone
            await kept.save()
            await self._event(
                order_id,
                principal,
                "photo_added",
                row["status"],
                row["status"],
                {"photo_id": str(kept.id), "purpose": purpose},
            )
        return UUID(str(kept.id))

    async def photos(self, principal: Principal, order_id: UUID) -> list[dict[str, Any]]:
        """The order's photos (without their bytes), oldest first."""
        await self.visible(principal, order_id)
        return list(
            await OrderPhoto.select(
                OrderPhoto.id,
                OrderPhoto.order,
                OrderPhoto.taken_by,
                OrderPhoto.at,
                OrderPhoto.purpose,
                OrderPhoto.width,
                OrderPhoto.height,
                OrderPhoto.size_bytes,
            )
            .where(OrderPhoto.order == order_id)
            .order_by(OrderPhoto.at)
        )

    async def photo_jpeg(self, principal: Principal, order_id: UUID, photo_id: UUID) -> bytes:
        await self.visible(principal, order_id)
        row = found(
            await OrderPhoto.select(OrderPhoto.jpeg)
            .where((OrderPhoto.id == photo_id) & (OrderPhoto.order == order_id))
            .first(),
            "photo",
        )
        return bytes(row["jpeg"])

    async def add_message(
        self, principal: Principal, order_id: UUID, data: MessageIn, message_id: UUID | None = None
    ) -> UUID:
        async with unit_of_work(self.s.engine):
            row = await self.visible_for_update(principal, order_id)
            if not perm.can_post_message(principal, facts(row)):
                raise Forbidden("You cannot write on this order.")
            if message_id and await OrderMessage.exists().where(OrderMessage.id == message_id):
                raise Conflict("A message with this id exists already.", code="duplicate_id")
            message = OrderMessage(
                order=order_id,
                author=principal.user_id,
                author_name=principal.name,
                body=data.body,
                at=self.s.clock.now(),
                device=principal.device,
            )
            if message_id:
                message.id = message_id  # made on the device, so its offline copy matches
            await message.save()
            changed(MESSAGE, message.id)
            # --- notify (issue 13): the other side of the order hears of it ---
            await order_notifications.enqueue_message(
                self.s,
                order_id,
                message.id,
                principal.user_id,
                principal.name,
                data.body,
                self.s.clock.now(),
            )
        return UUID(str(message.id))

    async def assign(self, principal: Principal, order_id: UUID, data: AssignmentIn) -> None:
        """Assign the order to a fitter (or unassign it); with ``planned_start``, also plan it
        (the schedule action) in the same transaction: both happen or neither."""
        if data.planned_start is not None and data.fitter_id is None:
            raise ValidationFailed(
                "An order without a fitter cannot be planned: choose a fitter, or leave out "
                "the planned start.",
                field="planned_start",
            )
        async with unit_of_work(self.s.engine):
            await self._assign(principal, order_id, data)
            if data.planned_start is not None:
                await self.transition(
                    principal,
                    order_id,
                    TransitionIn(
                        action="schedule",
                        planned_start=data.planned_start,
                        estimate_minutes=data.estimate_minutes,
                    ),
                )

    async def _assign(self, principal: Principal, order_id: UUID, data: AssignmentIn) -> None:
        async with unit_of_work(self.s.engine):
            row = await self.visible_for_update(principal, order_id)
            if not perm.can_assign(principal, facts(row)):
                raise Forbidden("Only the fitters' company's planner assigns orders.")
            self._check_version(row, data.expected_version)
            if row["status"] not in {s.value for s in OPEN_STATUSES}:
                raise Conflict(f"The order is '{row['status']}'; only open orders can be assigned.")
            if data.fitter_id is not None:
                fitter = (
                    await User.select(User.organisation, User.roles, User.active)
                    .where(User.id == data.fitter_id)
                    .output(load_json=True)
                    .first()
                )
                if (
                    not fitter
                    or not fitter["active"]
                    or Role.FITTER.value not in fitter["roles"]
                    or str(fitter["organisation"]) != str(row["performing_organisation"])
                ):
                    raise ValidationFailed(
                        "Choose an active fitter of the fitters' company that does this order.",
                        field="fitter_id",
                    )
            await WorkOrder.update(
                {
                    WorkOrder.assigned_fitter: data.fitter_id,
                    # Placed by hand now: out of any group's queue, and no rule placed it.
                    WorkOrder.assigned_group: None,
                    WorkOrder.assignment_rule: "",
                    WorkOrder.version: row["version"] + 1,
                    WorkOrder.updated_at: self.s.clock.now(),
                }
            ).where(WorkOrder.id == order_id)
            await self._event(
                order_id,
                principal,
                "assign",
                row["status"],
                row["status"],
                {
                    "from": str(row["assigned_fitter"]) if row["assigned_fitter"] else None,
                    "to": str(data.fitter_id) if data.fitter_id else None,
                },
            )
            if str(data.fitter_id) != str(row["assigned_fitter"]):
                # What the previous fitter was issued is not theirs to use any more.
                await self.revoke_lock_access(row, principal, "assign")
            # --- notify (issue 6): the new fitter's phone hears of the job ---
            if data.fitter_id is not None and str(data.fitter_id) != str(row["assigned_fitter"]):
                await order_notifications.enqueue_assignment(
                    self.s, order_id, data.fitter_id, row["version"] + 1, self.s.clock.now()
                )
            # --- end notify ---

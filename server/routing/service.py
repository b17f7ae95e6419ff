"""Areas, groups, assignment rules, schedules and the battery rule with the database (issue 13).

The planner of a fitters' company (or an administrator) keeps them; ``place_new_order`` applies
the rules to every new order in the transaction that makes it (server.orders.service).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from server.accounts.permissions import Principal, Role
from server.accounts.tables import Organisation, User
from server.context import Services
from server.errors import Forbidden, NotFound, ValidationFailed
from server.orders.tables import WorkOrder
from server.routing import rules
from server.routing.tables import (
    Area,
    AssignmentRule,
    BatteryRule,
    FitterGroup,
    RecurringSchedule,
)
from server.sync.changes import unit_of_work

AREA_KINDS = {k.value for k in rules.AreaKind}


def area_spec(row: dict[str, Any]) -> rules.Area:
    return rules.Area(
        id=str(row["id"]), kind=rules.AreaKind(row["kind"]), values=tuple(row["values"] or ())
    )


def rule_spec(row: dict[str, Any], areas: dict[str, rules.Area]) -> rules.Rule:
    return rules.Rule(
        id=str(row["id"]),
        name=row["name"],
        position=row["position"],
        fitter_id=str(row["fitter"]) if row["fitter"] else None,
        group_id=str(row["fitter_group"]) if row["fitter_group"] else None,
        area=areas.get(str(row["area"])) if row["area"] else None,
        kinds=frozenset(row["kinds"] or ()),
        provider_id=str(row["provider"]) if row["provider"] else None,
        active=row["active"],
    )


async def rules_of(organisation_id: Any) -> list[rules.Rule]:
    areas = {
        str(r["id"]): area_spec(r)
        for r in await Area.select()
        .where(Area.organisation == organisation_id)
        .output(load_json=True)
    }
    rows = (
        await AssignmentRule.select()
        .where(AssignmentRule.organisation == organisation_id)
        .output(load_json=True)
    )
    return rules.in_order(rule_spec(r, areas) for r in rows)


async def place_new_order(services: Services, order_id: Any) -> rules.Placement:
    """Apply the performing company's rules to a new order, inside the caller's unit of work:
    a fitter, a group's queue, or (no rule matches) the planner's queue. An order that already
    has a fitter (placed by hand) keeps it."""
    from server.orders.service import OrderService

    row = (
        await WorkOrder.select(
            WorkOrder.id,
            WorkOrder.kind,
            WorkOrder.status,
            WorkOrder.version,
            WorkOrder.assigned_fitter,
            WorkOrder.ordering_organisation,
            WorkOrder.performing_organisation,
            WorkOrder.customer.area.as_alias("area"),
            WorkOrder.customer.postal_code.as_alias("postcode"),
            WorkOrder.customer.street_address.as_alias("street"),
        )
        .where(WorkOrder.id == order_id)
        .first()
    )
    if row is None or row["performing_organisation"] is None or row["assigned_fitter"]:
        return rules.PLANNER_QUEUE
    order = rules.NewOrder(
        kind=row["kind"],
        provider_id=str(row["ordering_organisation"]),
        customer=rules.Customer(
            area=row["area"] or "", postcode=row["postcode"] or "", street=row["street"] or ""
        ),
    )
    placement = rules.place(await rules_of(row["performing_organisation"]), order)
    if placement.target is rules.Target.PLANNER_QUEUE:
        return placement
    await WorkOrder.update(
        {
            WorkOrder.assigned_fitter: placement.fitter_id,
            WorkOrder.assigned_group: placement.group_id,
            WorkOrder.assignment_rule: placement.rule_name,
            WorkOrder.version: row["version"] + 1,
        }
    ).where(WorkOrder.id == order_id)
    await OrderService(services).log_move(
        order_id,
        None,
        "auto_assign",
        row["status"],
        row["status"],
        {
            "rule": placement.rule_name,
            "rule_id": placement.rule_id,
            "to": placement.fitter_id,
            "group": placement.group_id,
        },
        note=placement.rule_name,
        actor_name="system",
    )
    if placement.fitter_id is not None:
        from server.orders import notifications

        await notifications.enqueue_assignment(
            services, order_id, placement.fitter_id, row["version"] + 1, services.clock.now()
        )
    return placement


class RoutingService:
    """The planner's settings: what each person's areas cover and where orders go."""

    def __init__(self, services: Services) -> None:
        self.s = services

    @staticmethod
    async def organisation(principal: Principal, organisation_id: UUID | None = None) -> str:
        """The fitters' company whose settings are meant: the planner's own; an administrator
        names one (that exists and is a fitters' company)."""
        if principal.is_admin:
            if organisation_id is None:
                raise ValidationFailed(
                    "Name the fitters' company (organisation_id).", field="organisation_id"
                )
            company = await Organisation.exists().where(
                (Organisation.id == organisation_id) & (Organisation.kind == "fitters_company")
            )
            if not company:
                raise NotFound(
                    "No such fitters' company.", message_sv="Montörföretaget finns inte."
                )
            return str(organisation_id)
        if not principal.has(Role.PLANNER):
            raise Forbidden(
                "Only the fitters' planner sets areas, groups, rules and schedules.",
                message_sv="Bara montörernas planerare ställer in områden, grupper, regler "
                "och scheman.",
            )
        if organisation_id is not None and str(organisation_id) != principal.organisation_id:
            raise NotFound("No such organisation.")
        return principal.organisation_id

    async def _fitters(self, organisation: str, ids: list[Any]) -> None:
        if not ids:
            return
        rows = (
            await User.select(User.id, User.organisation, User.roles, User.active)
            .where(User.id.is_in([str(i) for i in ids]))
            .output(load_json=True)
        )
        good = {
            str(r["id"])
            for r in rows
            if str(r["organisation"]) == organisation and "fitter" in r["roles"] and r["active"]
        }
        bad = [str(i) for i in ids if str(i) not in good]
        if bad:
            raise ValidationFailed(
                "Choose active fitters of your own company.",
                field="fitter",
                message_sv="Välj aktiva montörer i ert eget företag.",
            )

    async def _owned(self, table: Any, organisation: str, row_id: Any, what: str) -> dict[str, Any]:
        row = (
            await table.select()
            .where((table.id == row_id) & (table.organisation == organisation))
            .output(load_json=True)
            .first()
        )
        if row is None:
            raise NotFound(f"No such {what}.")
        return dict(row)

    # -- areas --------------------------------------------------------------------------
    async def areas(self, organisation: str) -> list[dict[str, Any]]:
        return (
            await Area.select()
            .where(Area.organisation == organisation)
            .order_by(Area.name)
            .output(load_json=True)
        )

    async def save_area(
        self, organisation: str, data: dict[str, Any], area_id: Any = None
    ) -> dict[str, Any]:
        if data["kind"] not in AREA_KINDS:
            raise ValidationFailed("An area is a district, postcodes or addresses.", field="kind")
        values = [v.strip() for v in data["values"] if v.strip()]
        if not values:
            raise ValidationFailed(
                "An area needs at least one district, postcode or address.",
                field="values",
                message_sv="Ett område behöver minst ett distrikt, postnummer eller en adress.",
            )
        fields: dict[Any, Any] = {
            "name": data["name"].strip(),
            "kind": data["kind"],
            "values": values,
        }
        async with unit_of_work(self.s.engine):
            if area_id is None:
                row = Area(organisation=organisation, **fields)
                await row.save()
                area_id = row.id
            else:
                await self._owned(Area, organisation, area_id, "area")
                await Area.update(fields).where(Area.id == area_id)
        return await self._owned(Area, organisation, area_id, "area")

    async def delete_area(self, organisation: str, area_id: Any) -> None:
        await self._owned(Area, organisation, area_id, "area")
        if await AssignmentRule.exists().where(AssignmentRule.area == area_id):
            raise ValidationFailed(
                "A rule uses this area: change or delete the rule first.",
                message_sv="En regel använder området: ändra eller ta bort regeln först.",
            )
        await Area.delete().where(Area.id == area_id)

    # -- groups ---------------------------------------------------------------------------
    async def groups(self, organisation: str) -> list[dict[str, Any]]:
        return (
            await FitterGroup.select()
            .where(FitterGroup.organisation == organisation)
            .order_by(FitterGroup.name)
            .output(load_json=True)
        )

    async def save_group(
        self, organisation: str, data: dict[str, Any], group_id: Any = None
    ) -> dict[str, Any]:
        if group_id is not None:  # someone else's group is not found, whatever it names
            await self._owned(FitterGroup, organisation, group_id, "group")
        members = list(dict.fromkeys(str(m) for m in data["members"]))
        await self._fitters(organisation, members)
        fields: dict[Any, Any] = {"name": data["name"].strip(), "members": members}
        if group_id is None:
            row = FitterGroup(organisation=organisation, **fields)
            await row.save()
            group_id = row.id
        else:
            await self._owned(FitterGroup, organisation, group_id, "group")
            await FitterGroup.update(fields).where(FitterGroup.id == group_id)
        return await self._owned(FitterGroup, organisation, group_id, "group")

    async def delete_group(self, organisation: str, group_id: Any) -> None:
        await self._owned(FitterGroup, organisation, group_id, "group")
        if await AssignmentRule.exists().where(AssignmentRule.fitter_group == group_id):
            raise ValidationFailed(
                "A rule sends orders to this group: change or delete the rule first.",
                message_sv="En regel skickar order till gruppen: ändra eller ta bort regeln först.",
            )
        await FitterGroup.delete().where(FitterGroup.id == group_id)

    # -- rules ----------------------------------------------------------------------------
    async def providers(self, organisation: str) -> list[dict[str, Any]]:
        """The home-care providers this fitters' company serves: what a rule may name (the
        planner sees no other organisation's record, so only their ids and names)."""
        return (
            await Organisation.select(Organisation.id, Organisation.name)
            .where(Organisation.contractor == organisation)
            .order_by(Organisation.name)
        )

    async def rule_rows(self, organisation: str) -> list[dict[str, Any]]:
        return (
            await AssignmentRule.select()
            .where(AssignmentRule.organisation == organisation)
            .order_by(AssignmentRule.position)
            .output(load_json=True)
        )

    async def save_rule(
        self, organisation: str, data: dict[str, Any], rule_id: Any = None
    ) -> dict[str, Any]:
        if rule_id is not None:  # someone else's rule is not found, whatever it names
            await self._owned(AssignmentRule, organisation, rule_id, "rule")
        fields: dict[Any, Any] = {
            "name": data["name"].strip(),
            "area": data.get("area_id"),
            "kinds": sorted(set(data.get("kinds") or [])),
            "provider": data.get("provider_id"),
            "fitter": data.get("fitter_id"),
            "fitter_group": data.get("group_id"),
            "active": data.get("active", True),
        }
        try:
            rules.check_rule(
                rules.Rule(
                    id="new",
                    name=fields["name"],
                    position=0,
                    fitter_id=str(fields["fitter"]) if fields["fitter"] else None,
                    group_id=str(fields["fitter_group"]) if fields["fitter_group"] else None,
                )
            )
        except rules.RuleInvalid as exc:
            raise ValidationFailed(str(exc), field="fitter_id") from exc
        if fields["fitter"]:
            await self._fitters(organisation, [fields["fitter"]])
        if fields["fitter_group"]:
            await self._owned(FitterGroup, organisation, fields["fitter_group"], "group")
        if fields["area"]:
            await self._owned(Area, organisation, fields["area"], "area")
        async with unit_of_work(self.s.engine):
            if rule_id is None:
                last = (
                    await AssignmentRule.select(AssignmentRule.position)
                    .where(AssignmentRule.organisation == organisation)
                    .order_by(AssignmentRule.position, ascending=False)
                    .first()
                )
                row = AssignmentRule(
                    organisation=organisation,
                    position=(last["position"] + 1) if last else 1,
                    **fields,
                )
                await row.save()
                rule_id = row.id
            else:
                await self._owned(AssignmentRule, organisation, rule_id, "rule")
                await AssignmentRule.update(fields).where(AssignmentRule.id == rule_id)
        return await self._owned(AssignmentRule, organisation, rule_id, "rule")

    async def reorder_rules(self, organisation: str, rule_ids: list[Any]) -> list[dict[str, Any]]:
        """The planner's new order of the whole list (every rule named once)."""
        current = {str(r["id"]) for r in await self.rule_rows(organisation)}
        wanted = [str(i) for i in rule_ids]
        if sorted(wanted) != sorted(current) or len(set(wanted)) != len(wanted):
            raise ValidationFailed(
                "Name every rule of the list once, in the new order.",
                field="rule_ids",
                message_sv="Ange varje regel i listan en gång, i den nya ordningen.",
            )
        async with unit_of_work(self.s.engine):
            for position, rule_id in enumerate(wanted, start=1):
                await AssignmentRule.update({AssignmentRule.position: position}).where(
                    AssignmentRule.id == rule_id
                )
        return await self.rule_rows(organisation)

    async def delete_rule(self, organisation: str, rule_id: Any) -> None:
        await self._owned(AssignmentRule, organisation, rule_id, "rule")
        await AssignmentRule.delete().where(AssignmentRule.id == rule_id)

    # -- schedules ------------------------------------------------------------------------
    async def schedules(self, organisation: str) -> list[dict[str, Any]]:
        return (
            await RecurringSchedule.select()
            .where(RecurringSchedule.organisation == organisation)
            .order_by(RecurringSchedule.name)
        )

    async def save_schedule(
        self, principal: Principal, organisation: str, data: dict[str, Any], schedule_id: Any = None
    ) -> dict[str, Any]:
        fields: dict[Any, Any] = {
            "name": data["name"].strip(),
            "kind": data["kind"],
            "lock_model": (data.get("lock_model") or "").strip(),
            "first_day": data["first_day"],
            "interval_months": data["interval_months"],
            "lead_days": data["lead_days"],
            "paused": data.get("paused", False),
        }
        if schedule_id is None:
            row = RecurringSchedule(
                organisation=organisation, created_by=principal.user_id, **fields
            )
            await row.save()
            schedule_id = row.id
        else:
            await self._owned(RecurringSchedule, organisation, schedule_id, "schedule")
            await RecurringSchedule.update(fields).where(RecurringSchedule.id == schedule_id)
        return await self._owned(RecurringSchedule, organisation, schedule_id, "schedule")

    async def delete_schedule(self, organisation: str, schedule_id: Any) -> None:
        await self._owned(RecurringSchedule, organisation, schedule_id, "schedule")
        # Its runs are its history; a schedule with runs is paused rather than deleted.
        from server.routing.tables import ScheduleRun

        if await ScheduleRun.exists().where(ScheduleRun.schedule == schedule_id):
            raise ValidationFailed(
                "This schedule has made orders: pause it instead, so its history stays.",
                message_sv="Schemat har skapat order: pausa det i stället, så finns historiken "
                "kvar.",
            )
        await RecurringSchedule.delete().where(RecurringSchedule.id == schedule_id)

    # -- the battery rule ------------------------------------------------------------------
    async def battery_rule(self, organisation: str) -> dict[str, Any] | None:
        return await BatteryRule.select().where(BatteryRule.organisation == organisation).first()

    async def save_battery_rule(
        self, principal: Principal, organisation: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        fields: dict[Any, Any] = {
            "below_percent": data["below_percent"],
            "stale_after_days": data["stale_after_days"],
            "active": data.get("active", True),
            "updated_at": self.s.clock.now(),
        }
        existing = await self.battery_rule(organisation)
        if existing is None:
            await BatteryRule(
                organisation=organisation, created_by=principal.user_id, **fields
            ).save()
        else:
            await BatteryRule.update(fields).where(BatteryRule.id == existing["id"])
        rule = await self.battery_rule(organisation)
        assert rule is not None
        return rule


class GroupQueue:
    """A group's queue (issue 13): orders a rule sent to a group of fitters, until one of them
    takes one. The members see the queue's orders in brief (no resident's name: not theirs
    yet) and take one; it is then theirs like any assigned order."""

    def __init__(self, services: Services) -> None:
        self.s = services

    @staticmethod
    async def groups_of(principal: Principal) -> list[dict[str, Any]]:
        rows = (
            await FitterGroup.select()
            .where(FitterGroup.organisation == principal.organisation_id)
            .output(load_json=True)
        )
        return [g for g in rows if principal.user_id in {str(m) for m in g["members"]}]

    async def orders(self, principal: Principal) -> list[dict[str, Any]]:
        if not principal.has(Role.FITTER):
            raise Forbidden(
                "The group queue is for the group's fitters; planners see it on the board.",
                message_sv="Gruppens kö är för gruppens montörer; planeraren ser den på tavlan.",
            )
        groups = {str(g["id"]): g["name"] for g in await self.groups_of(principal)}
        if not groups:
            return []
        from server.orders.lifecycle import OPEN_STATUSES

        rows = (
            await WorkOrder.select(
                WorkOrder.id,
                WorkOrder.reference,
                WorkOrder.kind,
                WorkOrder.status,
                WorkOrder.due_on,
                WorkOrder.ordered_at,
                WorkOrder.assigned_group,
                WorkOrder.customer.area.as_alias("area"),
                WorkOrder.customer.city.as_alias("city"),
            )
            .where(
                WorkOrder.assigned_group.is_in(list(groups))
                & WorkOrder.assigned_fitter.is_null()
                & WorkOrder.status.is_in([s.value for s in OPEN_STATUSES])
                & (WorkOrder.performing_organisation == principal.organisation_id)
            )
            .order_by(WorkOrder.ordered_at)
        )
        return [{**r, "group_name": groups[str(r["assigned_group"])]} for r in rows]

    async def take(self, principal: Principal, order_id: UUID) -> None:
        from server.orders import notifications
        from server.orders.service import OrderService

        orders = OrderService(self.s)
        async with unit_of_work(self.s.engine):
            await orders.lock([order_id])
            queued = {str(r["id"]) for r in await self.orders(principal)}
            if str(order_id) not in queued:
                raise NotFound(
                    "This order is not in your group's queue (any more): someone may have "
                    "taken it.",
                    message_sv="Ordern finns inte (längre) i din grupps kö: någon kan ha tagit "
                    "den.",
                )
            row = (
                await WorkOrder.select(
                    WorkOrder.status, WorkOrder.version, WorkOrder.assigned_group
                )
                .where(WorkOrder.id == order_id)
                .first()
            )
            assert row is not None
            await WorkOrder.update(
                {
                    WorkOrder.assigned_fitter: principal.user_id,
                    WorkOrder.assigned_group: None,
                    WorkOrder.version: row["version"] + 1,
                    WorkOrder.updated_at: self.s.clock.now(),
                }
            ).where(WorkOrder.id == order_id)
            await orders.log_move(
                order_id,
                principal,
                "take_from_queue",
                row["status"],
                row["status"],
                {"group": str(row["assigned_group"]), "to": principal.user_id},
            )
            await notifications.enqueue_assignment(
                self.s, order_id, principal.user_id, row["version"] + 1, self.s.clock.now()
            )

"""HTTP routes of the routing area (issue 13): the planner's areas, groups, rules, schedules
and battery rule. Planners of a fitters' company edit their own; administrators name one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, delete, get, post, put
from litestar.di import Provide

from server.accounts.permissions import Principal
from server.context import Services
from server.routing import recurrence
from server.routing.schemas import (
    AreaIn,
    AreaOut,
    BatteryRuleIn,
    BatteryRuleOut,
    GroupIn,
    GroupOut,
    ProviderOut,
    QueuedOrderOut,
    RuleIn,
    RuleOrderIn,
    RuleOut,
    ScheduleIn,
    ScheduleOut,
)
from server.routing.service import GroupQueue, RoutingService
from server.web import provide_principal


def _area(row: dict[str, Any]) -> AreaOut:
    return AreaOut(id=row["id"], name=row["name"], kind=row["kind"], values=list(row["values"]))


def _group(row: dict[str, Any]) -> GroupOut:
    return GroupOut(id=row["id"], name=row["name"], members=[str(m) for m in row["members"]])


def _rule(row: dict[str, Any]) -> RuleOut:
    return RuleOut(
        id=row["id"],
        position=row["position"],
        name=row["name"],
        area_id=row["area"],
        kinds=list(row["kinds"]),
        provider_id=row["provider"],
        fitter_id=row["fitter"],
        group_id=row["fitter_group"],
        active=row["active"],
    )


def _schedule(row: dict[str, Any], today: Any) -> ScheduleOut:
    spec = recurrence.Schedule(row["first_day"], row["interval_months"], row["lead_days"])
    current = recurrence.due_period(spec, today)
    upcoming = 0 if current is None else current + 1
    return ScheduleOut(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        lock_model=row["lock_model"],
        first_day=row["first_day"],
        interval_months=row["interval_months"],
        lead_days=row["lead_days"],
        paused=row["paused"],
        next_period=None if row["paused"] else recurrence.period_start(spec, upcoming),
    )


class RoutingController(Controller):
    path = "/api/routing"
    tags = ["routing"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/areas")
    async def areas(
        self, principal: Principal, services: Services, organisation_id: UUID | None = None
    ) -> list[AreaOut]:
        org = await RoutingService.organisation(principal, organisation_id)
        return [_area(r) for r in await RoutingService(services).areas(org)]

    @post("/areas")
    async def create_area(
        self,
        principal: Principal,
        services: Services,
        data: AreaIn,
        organisation_id: UUID | None = None,
    ) -> AreaOut:
        org = await RoutingService.organisation(principal, organisation_id)
        return _area(await RoutingService(services).save_area(org, _dict(data)))

    @put("/areas/{area_id:uuid}")
    async def update_area(
        self,
        principal: Principal,
        services: Services,
        area_id: UUID,
        data: AreaIn,
        organisation_id: UUID | None = None,
    ) -> AreaOut:
        org = await RoutingService.organisation(principal, organisation_id)
        return _area(await RoutingService(services).save_area(org, _dict(data), area_id))

    @delete("/areas/{area_id:uuid}")
    async def delete_area(
        self,
        principal: Principal,
        services: Services,
        area_id: UUID,
        organisation_id: UUID | None = None,
    ) -> None:
        org = await RoutingService.organisation(principal, organisation_id)
        await RoutingService(services).delete_area(org, area_id)

    @get("/groups")
    async def groups(
        self, principal: Principal, services: Services, organisation_id: UUID | None = None
    ) -> list[GroupOut]:
        org = await RoutingService.organisation(principal, organisation_id)
        return [_group(r) for r in await RoutingService(services).groups(org)]

    @post("/groups")
    async def create_group(
        self,
        principal: Principal,
        services: Services,
        data: GroupIn,
        organisation_id: UUID | None = None,
    ) -> GroupOut:
        org = await RoutingService.organisation(principal, organisation_id)
        return _group(await RoutingService(services).save_group(org, _dict(data)))

    @put("/groups/{group_id:uuid}")
    async def update_group(
        self,
        principal: Principal,
        services: Services,
        group_id: UUID,
        data: GroupIn,
        organisation_id: UUID | None = None,
    ) -> GroupOut:
        org = await RoutingService.organisation(principal, organisation_id)
        return _group(await RoutingService(services).save_group(org, _dict(data), group_id))

    @delete("/groups/{group_id:uuid}")
    async def delete_group(
        self,
        principal: Principal,
        services: Services,
        group_id: UUID,
        organisation_id: UUID | None = None,
    ) -> None:
        org = await RoutingService.organisation(principal, organisation_id)
        await RoutingService(services).delete_group(org, group_id)

    @get("/providers")
    async def providers(
        self, principal: Principal, services: Services, organisation_id: UUID | None = None
    ) -> list[ProviderOut]:
        """The home-care providers the company serves (a rule may send one provider's orders)."""
        org = await RoutingService.organisation(principal, organisation_id)
        rows = await RoutingService(services).providers(org)
        return [ProviderOut(id=r["id"], name=r["name"]) for r in rows]

    @get("/rules")
    async def rules(
        self, principal: Principal, services: Services, organisation_id: UUID | None = None
    ) -> list[RuleOut]:
        org = await RoutingService.organisation(principal, organisation_id)
        return [_rule(r) for r in await RoutingService(services).rule_rows(org)]

    @post("/rules")
    async def create_rule(
        self,
        principal: Principal,
        services: Services,
        data: RuleIn,
        organisation_id: UUID | None = None,
    ) -> RuleOut:
        org = await RoutingService.organisation(principal, organisation_id)
        return _rule(await RoutingService(services).save_rule(org, _dict(data)))

    @put("/rules/{rule_id:uuid}")
    async def update_rule(
        self,
        principal: Principal,
        services: Services,
        rule_id: UUID,
        data: RuleIn,
        organisation_id: UUID | None = None,
    ) -> RuleOut:
        org = await RoutingService.organisation(principal, organisation_id)
        return _rule(await RoutingService(services).save_rule(org, _dict(data), rule_id))

    @post("/rules/order", status_code=200)
    async def reorder(
        self,
        principal: Principal,
        services: Services,
        data: RuleOrderIn,
        organisation_id: UUID | None = None,
    ) -> list[RuleOut]:
        org = await RoutingService.organisation(principal, organisation_id)
        rows = await RoutingService(services).reorder_rules(org, list(data.rule_ids))
        return [_rule(r) for r in rows]

    @delete("/rules/{rule_id:uuid}")
    async def delete_rule(
        self,
        principal: Principal,
        services: Services,
        rule_id: UUID,
        organisation_id: UUID | None = None,
    ) -> None:
        org = await RoutingService.organisation(principal, organisation_id)
        await RoutingService(services).delete_rule(org, rule_id)

    @get("/schedules")
    async def schedules(
        self, principal: Principal, services: Services, organisation_id: UUID | None = None
    ) -> list[ScheduleOut]:
        org = await RoutingService.organisation(principal, organisation_id)
        today = services.clock.today()
        return [_schedule(r, today) for r in await RoutingService(services).schedules(org)]

    @post("/schedules")
    async def create_schedule(
        self,
        principal: Principal,
        services: Services,
        data: ScheduleIn,
        organisation_id: UUID | None = None,
    ) -> ScheduleOut:
        org = await RoutingService.organisation(principal, organisation_id)
        row = await RoutingService(services).save_schedule(principal, org, _dict(data))
        return _schedule(row, services.clock.today())

    @put("/schedules/{schedule_id:uuid}")
    async def update_schedule(
        self,
        principal: Principal,
        services: Services,
        schedule_id: UUID,
        data: ScheduleIn,
        organisation_id: UUID | None = None,
    ) -> ScheduleOut:
        org = await RoutingService.organisation(principal, organisation_id)
        row = await RoutingService(services).save_schedule(principal, org, _dict(data), schedule_id)
        return _schedule(row, services.clock.today())

    @delete("/schedules/{schedule_id:uuid}")
    async def delete_schedule(
        self,
        principal: Principal,
        services: Services,
        schedule_id: UUID,
        organisation_id: UUID | None = None,
    ) -> None:
        org = await RoutingService.organisation(principal, organisation_id)
        await RoutingService(services).delete_schedule(org, schedule_id)

    @get("/battery-rule")
    async def battery_rule(
        self, principal: Principal, services: Services, organisation_id: UUID | None = None
    ) -> BatteryRuleOut | None:
        org = await RoutingService.organisation(principal, organisation_id)
        row = await RoutingService(services).battery_rule(org)
        return _battery(row) if row else None

    @put("/battery-rule")
    async def save_battery_rule(
        self,
        principal: Principal,
        services: Services,
        data: BatteryRuleIn,
        organisation_id: UUID | None = None,
    ) -> BatteryRuleOut:
        org = await RoutingService.organisation(principal, organisation_id)
        return _battery(
            await RoutingService(services).save_battery_rule(principal, org, _dict(data))
        )


class GroupQueueController(Controller):
    path = "/api/routing/queue"
    tags = ["routing"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def queue(self, principal: Principal, services: Services) -> list[QueuedOrderOut]:
        """The orders waiting in the caller's groups' queues (fitters)."""
        rows = await GroupQueue(services).orders(principal)
        return [
            QueuedOrderOut(
                order_id=r["id"],
                reference=r["reference"],
                kind=r["kind"],
                status=r["status"],
                area=r["area"] or "",
                city=r["city"] or "",
                due_on=r["due_on"],
                group_name=r["group_name"],
            )
            for r in rows
        ]

    @post("/{order_id:uuid}/take", status_code=204)
    async def take(self, principal: Principal, services: Services, order_id: UUID) -> None:
        """Take an order from the group's queue: it is the caller's from now on."""
        await GroupQueue(services).take(principal, order_id)


def _battery(row: dict[str, Any]) -> BatteryRuleOut:
    return BatteryRuleOut(
        below_percent=row["below_percent"],
        stale_after_days=row["stale_after_days"],
        active=row["active"],
    )


def _dict(data: Any) -> dict[str, Any]:
    import msgspec

    return msgspec.structs.asdict(data)

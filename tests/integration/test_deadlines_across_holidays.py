"""Time travel across Swedish holidays for every deadline of seed 000.

For an order placed the day before midsummer eve, before Good Friday and before Christmas
eve: the due date, the escalation to the provider (level 1) once the three working days after
the ordering day are over, and to the system administration (level 2) once the fitter has
tried the provider in vain and the provider's working day to answer is over; the overdue and
at-risk flags, the completion-report deadline and the late flag. Expected dates are written
out by hand from the 2026 calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest

from server.clock import LOCAL_ZONE
from tests.integration.notify_helpers import complete, services_of, start_visit
from tests.integration.world import assign, make_world, place_order

pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class Case:
    placed: date
    escalation_check: date  # ordered + 3 working days: the last day to reach someone
    provider_told: date  # the day after it: level 1
    still_level_1: tuple[date, ...]  # up to the end of the provider's working day to answer
    administrator: date  # level 2, with an unanswered call to the provider
    due: date  # ordered + 5 working days
    at_risk_from: date  # the working day before the due date
    report_deadline: date  # the visit on the day placed: the first working day after it


CASES = {
    # Midsummer eve Fri 19 June, midsummer day Sat 20 June.
    "midsummer": Case(
        placed=date(2026, 6, 18),
        escalation_check=date(2026, 6, 24),
        provider_told=date(2026, 6, 25),
        still_level_1=(date(2026, 6, 26),),
        administrator=date(2026, 6, 27),
        due=date(2026, 6, 26),
        at_risk_from=date(2026, 6, 25),
        report_deadline=date(2026, 6, 22),
    ),
    # Good Friday 3 April, Easter Monday 6 April.
    "easter": Case(
        placed=date(2026, 4, 2),
        escalation_check=date(2026, 4, 9),
        provider_told=date(2026, 4, 10),
        still_level_1=(date(2026, 4, 11), date(2026, 4, 12), date(2026, 4, 13)),
        administrator=date(2026, 4, 14),
        due=date(2026, 4, 13),
        at_risk_from=date(2026, 4, 10),
        report_deadline=date(2026, 4, 7),
    ),
    # Christmas eve Thu 24 Dec, Christmas 25-26 Dec, New Year's eve and day, Epiphany 6 Jan.
    "christmas": Case(
        placed=date(2026, 12, 23),
        escalation_check=date(2026, 12, 30),
        provider_told=date(2026, 12, 31),
        still_level_1=(date(2027, 1, 1), date(2027, 1, 3), date(2027, 1, 4)),
        administrator=date(2027, 1, 5),
        due=date(2027, 1, 5),
        at_risk_from=date(2027, 1, 4),
        report_deadline=date(2026, 12, 28),
    ),
}


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_ZONE).astimezone(UTC)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_every_deadline_across_the_holiday(client, clock, name) -> None:
    from server.orders.escalation import run_escalations

    case = CASES[name]
    world = await make_world()
    services = services_of(client)
    orderer, planner, fitter = world["orderer_a"], world["planner_1"], world["fitter_1"]
    clock.set(at(case.placed))
    waiting = await place_order(client, orderer, world.ids["customer_a"])
    await assign(client, planner, waiting["id"], fitter)
    assert waiting["due_on"] == case.due.isoformat()
    assert waiting["escalation_check_on"] == case.escalation_check.isoformat()
    # Two more orders, visited on the day they were placed, reported in time and late.
    visited = []
    for kind in ("battery", "inspection"):
        order = await place_order(client, orderer, world.ids["customer_a"], kind=kind)
        await assign(client, planner, order["id"], fitter)
        await client.post(
            f"/api/orders/{order['id']}/contact-attempts",
            json={"to_whom": "customer", "outcome": "reached"},
            headers=fitter.headers,
        )
        await start_visit(client, fitter, order["id"])
        visited.append(order["id"])

    async def get(order_id: str) -> dict:
        response = await client.get(f"/api/orders/{order_id}", headers=orderer.headers)
        return response.json()

    in_time, late = visited
    started = await get(in_time)
    assert started["report_deadline"] == case.report_deadline.isoformat()

    async def level_on(day: date, hour: int = 7, minute: int = 0) -> int:
        clock.set(at(day, hour, minute))
        await run_escalations(services)
        return (await get(waiting["id"]))["escalation_level"]

    assert await level_on(case.placed) == 0
    # The third working day is not over at its end's last minute, nor in its morning.
    assert await level_on(case.escalation_check) == 0
    assert await level_on(case.escalation_check, 23, 59) == 0
    assert await level_on(case.provider_told, 0, 1) == 1
    # The fitter calls the provider: nobody answers. The provider has its working day.
    called = await client.post(
        f"/api/orders/{waiting['id']}/contact-attempts",
        json={"to_whom": "provider", "outcome": "no_answer"},
        headers=fitter.headers,
    )
    assert called.status_code == 201, called.text
    for day in case.still_level_1:
        assert await level_on(day, 23, 59) == 1
    assert await level_on(case.administrator, 0, 1) == 2

    # Completion reports: on the deadline in time; the day after it late, and flagged
    # before that on the open order already.
    clock.set(at(case.report_deadline, 15))
    assert (await get(late))["report_late"] is False
    done = await complete(client, fitter, in_time)
    assert done["completion"]["late"] is False and done["report_late"] is False
    clock.set(at(services.calendar.next_working_day(case.report_deadline), 10))
    assert (await get(late))["report_late"] is True
    done_late = await complete(client, fitter, late)
    assert done_late["completion"]["late"] is True and done_late["report_late"] is True

    # Due date: at risk the working day before, in time on the day, overdue after it.
    clock.set(at(case.escalation_check, 12))  # two working days before the due date
    flags = await get(waiting["id"])
    assert (flags["at_risk"], flags["overdue"]) == (False, False)
    clock.set(at(case.at_risk_from, 12))
    flags = await get(waiting["id"])
    assert (flags["at_risk"], flags["overdue"]) == (True, False)
    clock.set(at(case.due, 16))
    flags = await get(waiting["id"])
    assert (flags["at_risk"], flags["overdue"]) == (True, False)
    clock.set(at(services.calendar.next_working_day(case.due), 8))
    flags = await get(waiting["id"])
    assert (flags["at_risk"], flags["overdue"]) == (False, True)
    overdue = await client.get("/api/activity", params={"overdue": "true"}, headers=orderer.headers)
    assert [o["id"] for o in overdue.json()["items"]] == [waiting["id"]]
    assert overdue.json()["items"][0]["escalation_level"] == 2

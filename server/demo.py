"""Believable demo data: two home-care providers in Uppsala, one fitters' company, the
administration, their people, about 200 customers with locks, and orders in every status."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

from server.accounts.service import hash_password
from server.accounts.tables import DeviceToken, LoginFailure, LoginSession, Organisation, User
from server.booking import codes
from server.booking.letters import LetterFacts, page_count, render_letter
from server.booking.tables import BookingLetter, BookingReply, LetterJob
from server.calendar.working_days import WorkingDayCalendar
from server.clock import LOCAL_ZONE
from server.customers.tables import Customer, CustomerContact
from server.locks.tables import Lock, LockIssuance, LockReport
from server.orders import sla
from server.orders.lifecycle import OrderStatus
from server.orders.service import new_reference
from server.orders.tables import CompletionReport, ContactAttempt, OrderEvent, WorkOrder
from server.settings import Settings
from server.sync.changes import touch_everything
from server.sync.tables import SyncChange, SyncClient, SyncMutation

# Stock locks that `make demo` runs in the simulator (lockwork-sim run --serial ...); each has an
# installation order for montor1, booked from the hour the demo data is made, so the lock panel
# can pair it (a visit gives access to the lock only in its booked window).
SIMULATED_LOCK_SERIALS = ("LW-900000", "LW-900001", "LW-900002")
# Those visits last a working day, so the demo works for as long as anyone tries it out.
DEMO_VISIT_MINUTES = 8 * 60

DEMO_PASSWORD = "lockwork-demo"  # noqa: S105 - the published demo password

FIRST_NAMES = [
    "Astrid",
    "Gunnar",
    "Karin",
    "Sven",
    "Margit",
    "Bengt",
    "Ingrid",
    "Lennart",
    "Birgitta",
    "Rolf",
    "Elsa",
    "Göran",
    "Solveig",
    "Åke",
    "Maj-Britt",
    "Stig",
    "Gunvor",
    "Ove",
    "Siv",
    "Arne",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Lindberg",
    "Lindqvist",
    "Berg",
    "Sjöberg",
    "Holm",
    "Ekström",
    "Wallin",
    "Öberg",
]
AREAS = {
    "Gottsunda": ("Gottsundavägen", "752 64"),
    "Sävja": ("Hjalmar Bergmans väg", "757 57"),
    "Luthagen": ("Götgatan", "753 15"),
    "Eriksberg": ("Eriksbergsvägen", "752 39"),
    "Gränby": ("Gränbyvägen", "754 50"),
    "Svartbäcken": ("Svartbäcksgatan", "753 20"),
    "Kvarngärdet": ("Kvarngärdesgatan", "754 33"),
    "Årsta": ("Årstagatan", "754 43"),
}
DESCRIPTIONS = [
    "Låset går inte att öppna med telefonen, personalen har fått använda reservnyckel.",
    "Låset piper vid låsning och batterilarm visas i appen.",
    "Dörren går trögt sedan kylan kom, låset stänger inte alltid.",
    "Låsvredet snurrar utan att kolven rör sig.",
    "Appen hittar inte låset trots att personalen står vid dörren.",
]
GOOD_CHECKLIST = {
    "door_handled_like_metal_key": "yes",
    "battery_checked": "replaced",
    "lock_woken": "woken",
    "linked_correctly_in_care_system": "yes",
    "fault_location": "lock_unit",
}
BATTERY_CHECKLIST = {**GOOD_CHECKLIST, "battery_checked": "needs_replacement"}
# How many demo orders end in each status: every status of the life cycle appears.
ORDERS_PER_STATUS = {
    OrderStatus.DRAFT: 2,
    OrderStatus.ORDERED: 10,
    OrderStatus.CONTACTING: 8,
    OrderStatus.SCHEDULED: 5,
    OrderStatus.READY_TO_PRINT: 2,
    OrderStatus.AWAITING_RESPONSE: 3,
    OrderStatus.MANUAL_FOLLOWUP: 2,
    OrderStatus.READY_FOR_EXECUTION: 6,
    OrderStatus.IN_PROGRESS: 2,
    OrderStatus.ON_HOLD: 2,
    OrderStatus.DONE: 12,
    OrderStatus.CANCELLED: 2,
}


async def _reset() -> None:
    for table in (
        BookingReply,
        BookingLetter,
        LetterJob,
        SyncChange,
        SyncMutation,
        SyncClient,
        OrderEvent,
        CompletionReport,
        ContactAttempt,
        WorkOrder,
        LockReport,
        LockIssuance,
        Lock,
        CustomerContact,
        Customer,
        LoginFailure,
        LoginSession,
        DeviceToken,
        User,
    ):
        await table.delete(force=True)
    await Organisation.update({Organisation.contractor: None}, force=True)
    await Organisation.delete(force=True)


async def create_demo_data(
    settings: Settings,
    *,
    seed: int = 2026,
    customers: int = 200,
    reset: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    if reset:
        await _reset()
    elif await Organisation.exists().where(Organisation.name == "Låsservice Mälardalen AB"):
        print("Demo data exists already (use --reset to create it anew).")
        _print_logins()
        return {}
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not security
    now = now or datetime.now(UTC)
    today = now.astimezone(LOCAL_ZONE).date()
    calendar = WorkingDayCalendar(
        country=settings.country, extra_non_working=settings.non_working_eve_names
    )

    fitters_co = Organisation(
        name="Låsservice Mälardalen AB",
        kind="fitters_company",
        email="order@lasservice.example",
        phone="018-100 200",
    )
    admin_org = Organisation(
        name="Uppsala kommun, KLK-IT",
        kind="administration",
        email="systemforvaltare@uppsala.example",
        phone="018-727 00 00",
    )
    await Organisation.insert(fitters_co, admin_org)
    providers = [
        Organisation(
            name="Hemtjänst Uppsala Nord",
            kind="home_care_provider",
            email="nord@hemtjanst.example",
            phone="018-727 10 10",
            completion_copy_email="seniorguide@uppsala.example",
            administration_email="systemforvaltare@uppsala.example",
            contractor=fitters_co.id,
        ),
        Organisation(
            name="Omsorg Uppsala Syd",
            kind="home_care_provider",
            email="syd@omsorg.example",
            phone="018-727 20 20",
            completion_copy_email="seniorguide@uppsala.example",
            administration_email="systemforvaltare@uppsala.example",
            contractor=fitters_co.id,
        ),
    ]
    await Organisation.insert(*providers)

    password_hash = await hash_password(DEMO_PASSWORD)

    def user(
        org: Organisation,
        username: str,
        name: str,
        roles: list[str],
        areas: list[str] | None = None,
    ) -> User:
        return User(
            organisation=org.id,
            username=username,
            full_name=name,
            roles=roles,
            areas=areas or [],
            email=f"{username}@demo.example",
            phone=f"070-{rng.randint(1000000, 9999999)}",
            password_hash=password_hash,
        )

    admin = user(admin_org, "admin", "Sara Systemförvaltare", ["admin"])
    planner = user(fitters_co, "planerare", "Per Planerare", ["planner"])
    fitters = [
        user(
            fitters_co, "montor1", "Maria Montör", ["fitter"], ["Gottsunda", "Sävja", "Eriksberg"]
        ),
        user(
            fitters_co, "montor2", "Jonas Montör", ["fitter"], ["Luthagen", "Svartbäcken", "Gränby"]
        ),
        user(fitters_co, "montor3", "Leila Montör", ["fitter"], ["Kvarngärdet", "Årsta"]),
    ]
    orderers = [
        user(providers[0], "nord1", "Anna Undersköterska", ["orderer"]),
        user(providers[0], "nord2", "Erik Samordnare", ["orderer"]),
        user(providers[1], "syd1", "Fatima Gruppledare", ["orderer"]),
        user(providers[1], "syd2", "Olle Undersköterska", ["orderer"]),
    ]
    await User.insert(admin, planner, *fitters, *orderers)

    customer_rows: list[Customer] = []
    contacts: list[CustomerContact] = []
    locks: list[Lock] = []
    for index in range(customers):
        provider = providers[index % 2]
        area = rng.choice(list(AREAS))
        street, postal = AREAS[area]
        customer = Customer(
            provider=provider.id,
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            street_address=f"{street} {rng.randint(1, 80)}",
            postal_code=postal,
            city="Uppsala",
            area=area,
            # Every third resident has a mobile phone (booking SMS and reminders reach them).
            phone=_resident_phone(index, rng.randint(100000, 999999)),
            best_times=rng.choice(
                ["Förmiddag", "Efter lunch", "Efter kl. 10", "Ring anhörig först"]
            ),
        )
        customer_rows.append(customer)
        contacts.append(
            CustomerContact(
                customer=customer.id,
                name=f"{rng.choice(FIRST_NAMES)} {customer.name.split()[-1]}",
                relation="relative",
                phone=f"070-{rng.randint(1000000, 9999999)}",
                best_times=rng.choice(["Kvällar", "Vardagar 8-17", "När som helst"]),
            )
        )
        battery = rng.choice([95, 88, 72, 60, 41, 25, 12])
        locks.append(
            Lock(
                serial=f"LW-{100000 + index}",
                model="Lockwork D1",
                kind="door",
                firmware="1.4.2",
                state="installed",
                customer=customer.id,
                battery_percent=battery,
                battery_millivolts=2600 + battery * 6,
                battery_verified_at=now - timedelta(days=rng.randint(1, 60)),
                last_seen_at=now - timedelta(days=rng.randint(0, 14)),
                installed_at=now - timedelta(days=rng.randint(90, 900)),
            )
        )
    for batch in range(0, len(customer_rows), 100):
        await Customer.insert(*customer_rows[batch : batch + 100])
        await CustomerContact.insert(*contacts[batch : batch + 100])
        await Lock.insert(*locks[batch : batch + 100])
    stock = [
        Lock(serial=f"LW-9{index:05d}", model="Lockwork D1", firmware="1.5.0")
        for index in range(10)
    ]
    await Lock.insert(*stock)

    customer_index = 0
    order_count = 0
    for status, count in ORDERS_PER_STATUS.items():
        for _ in range(count):
            customer = customer_rows[customer_index % len(customer_rows)]
            lock = locks[customer_index % len(locks)]
            customer_index += 7  # spread orders over customers and areas
            await _demo_order(
                rng,
                calendar,
                now,
                today,
                status,
                customer,
                lock,
                providers,
                orderers,
                fitters,
                fitters_co,
            )
            order_count += 1
    by_serial = {lock.serial: lock for lock in stock}
    for index, serial in enumerate(SIMULATED_LOCK_SERIALS):
        await _demo_installation(
            calendar,
            now,
            today,
            customer_rows[index],
            by_serial[serial],
            orderers[0 if customer_rows[index].provider == providers[0].id else 2],
            fitters[0],
            fitters_co,
        )
        order_count += 1
    # The rows above were written in bulk, outside the services: log them for sync in one go.
    await touch_everything(Organisation._meta.db)
    print(
        f"Demo data: {len(providers)} home-care providers, 1 fitters' company, "
        f"{customers} customers "
        f"with locks, {order_count} orders in {len(ORDERS_PER_STATUS)} statuses."
    )
    _print_logins()
    return {"orders": order_count, "customers": customers}


async def _demo_installation(
    calendar: WorkingDayCalendar,
    now: datetime,
    today: Any,
    customer: Customer,
    lock: Lock,
    orderer: User,
    fitter: User,
    fitters_co: Organisation,
) -> None:
    """An installation booked from this hour: montor1 pairs a simulated lock to the customer."""
    ordered_at = now - timedelta(days=2)
    order = WorkOrder(
        reference=new_reference(),
        kind="installation",
        status=OrderStatus.READY_FOR_EXECUTION.value,
        customer=customer.id,
        lock=lock.id,
        ordering_organisation=customer.provider,
        ordered_by=orderer.id,
        performing_organisation=fitters_co.id,
        feedback_name=orderer.full_name,
        feedback_email=orderer.email,
        feedback_phone=orderer.phone,
        customer_best_times=customer.best_times,
        provider_best_times="Vardagar 7-16, ring gruppledaren",
        checklist={},
        description=f"Montera nytt lås {lock.serial} (demo: ett simulerat lås, parkoppla via "
        "gatewayen).",
        assigned_fitter=fitter.id,
        planned_start=now.replace(minute=0, second=0, microsecond=0),
        estimate_minutes=DEMO_VISIT_MINUTES,
        ordered_at=ordered_at,
        due_on=sla.due_date(calendar, ordered_at.date()),
        escalation_check_on=sla.escalation_check_date(calendar, ordered_at.date()),
        created_at=ordered_at,
        updated_at=ordered_at,
    )
    await order.save()
    await OrderEvent.insert(
        OrderEvent(
            order=order.id,
            at=now,
            actor=fitter.id,
            actor_name=fitter.full_name,
            device="demo",
            action="demo_state",
            from_status=OrderStatus.ORDERED.value,
            to_status=OrderStatus.READY_FOR_EXECUTION.value,
            note="Demo data placed this order in its status.",
        )
    )


def _print_logins() -> None:
    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, what in [
        ("admin", "administrator (Uppsala kommun, KLK-IT)"),
        ("planerare", "planner (Låsservice Mälardalen AB)"),
        ("montor1", "fitter"),
        ("montor2", "fitter"),
        ("montor3", "fitter"),
        ("nord1", "orderer (Hemtjänst Uppsala Nord)"),
        ("syd1", "orderer (Omsorg Uppsala Syd)"),
    ]:
        print(f"  {username:<10} {what}")


def _resident_phone(index: int, digits: int) -> str:
    return f"070-{digits}{index % 10}" if index % 3 == 0 else f"018-{digits}"


# Seed 002's letter path: orders in these statuses were locked with a booking code; those past
# ready_to_print have their letter, and those in manual follow-up the resident's answer.
LETTER_PATH = {
    OrderStatus.READY_TO_PRINT,
    OrderStatus.AWAITING_RESPONSE,
    OrderStatus.MANUAL_FOLLOWUP,
}
DEMO_REPLY = "Passer ikke, ring meg etter kl. 12"


async def _demo_booking(
    order: WorkOrder,
    status: OrderStatus,
    customer: Customer,
    fitter: User,
    fitters_co: Organisation,
    now: datetime,
) -> None:
    code = codes.new_code()
    values: dict[Any, Any] = {WorkOrder.booking_code: code, WorkOrder.booking_channel: "letter"}
    if status is not OrderStatus.READY_TO_PRINT:
        sent = now - timedelta(days=2)
        values[WorkOrder.booking_sent_at] = sent
        pdf = render_letter(
            LetterFacts(
                organisation_name=fitters_co.name,
                contact_phone=fitters_co.phone,
                resident_name=customer.name,
                street=customer.street_address,
                postcode=customer.postal_code,
                town=customer.city,
                planned_start=order.planned_start,
                estimate_minutes=order.estimate_minutes,
                fitter_name=fitter.full_name,
                booking_code=code,
                order_reference=order.reference,
                reply_url="http://127.0.0.1:8000/s",
            )
        )
        await BookingLetter(
            order=order.id,
            organisation=fitters_co.id,
            code=code,
            language="sv",
            pdf=pdf,
            pages=page_count(pdf),
            created_at=sent,
        ).save()
    if status is OrderStatus.MANUAL_FOLLOWUP:
        values[WorkOrder.booking_reply] = DEMO_REPLY
        await BookingReply(
            channel="web",
            code_typed=codes.format_code(code),
            code=code,
            text=DEMO_REPLY,
            order=order.id,
            organisation=fitters_co.id,
            outcome="follow_up",
            received_at=now - timedelta(hours=20),
        ).save()
    await WorkOrder.update(values).where(WorkOrder.id == order.id)


async def _demo_order(
    rng: random.Random,
    calendar: WorkingDayCalendar,
    now: datetime,
    today: Any,
    status: OrderStatus,
    customer: Customer,
    lock: Lock,
    providers: list[Organisation],
    orderers: list[User],
    fitters: list[User],
    fitters_co: Organisation,
) -> None:
    provider_index = 0 if customer.provider == providers[0].id else 1
    orderer = orderers[provider_index * 2 + rng.randint(0, 1)]
    kind = rng.choice(["service", "service", "battery", "inspection"])
    days_ago = rng.randint(0, 9) if status is not OrderStatus.DONE else rng.randint(3, 30)
    ordered_on = today - timedelta(days=days_ago)
    ordered_at = datetime.combine(ordered_on, time(9, rng.randint(0, 59)), LOCAL_ZONE)
    # Made before nine in the morning, today's orders were placed a moment ago, not later today.
    ordered_at = min(ordered_at, now - timedelta(minutes=30))
    fitter = next((f for f in fitters if customer.area in f.areas), fitters[0])
    placed = status is not OrderStatus.DRAFT
    assigned = status not in {OrderStatus.DRAFT, OrderStatus.ORDERED} or rng.random() < 0.5
    planned = status in {
        OrderStatus.SCHEDULED,
        OrderStatus.READY_TO_PRINT,
        OrderStatus.AWAITING_RESPONSE,
        OrderStatus.MANUAL_FOLLOWUP,
        OrderStatus.READY_FOR_EXECUTION,
        OrderStatus.IN_PROGRESS,
        OrderStatus.DONE,
    }
    visit_on = sla_visit = None
    if status in {OrderStatus.IN_PROGRESS, OrderStatus.DONE}:
        visit_on = min(today, ordered_on + timedelta(days=rng.randint(1, 4)))
        sla_visit = sla.completion_report_deadline(calendar, visit_on)
    order = WorkOrder(
        reference=new_reference(),
        kind=kind,
        status=status.value,
        held_from=OrderStatus.CONTACTING.value if status is OrderStatus.ON_HOLD else None,
        customer=customer.id,
        lock=lock.id,
        ordering_organisation=customer.provider,
        ordered_by=orderer.id,
        performing_organisation=fitters_co.id,
        feedback_name=orderer.full_name,
        feedback_email=orderer.email,
        feedback_phone=orderer.phone,
        customer_best_times=customer.best_times,
        provider_best_times="Vardagar 7-16, ring gruppledaren",
        checklist=BATTERY_CHECKLIST
        if kind == "battery"
        else GOOD_CHECKLIST
        if kind == "service"
        else {},
        description=rng.choice(DESCRIPTIONS),
        assigned_fitter=fitter.id if assigned else None,
        planned_start=datetime.combine(
            today + timedelta(days=rng.randint(0, 5)), time(rng.choice([8, 10, 13, 15])), LOCAL_ZONE
        )
        if planned
        else None,
        estimate_minutes=45 if planned else None,
        ordered_at=ordered_at if placed else None,
        due_on=sla.due_date(calendar, ordered_on) if placed else None,
        escalation_check_on=sla.escalation_check_date(calendar, ordered_on) if placed else None,
        escalation_level=1 if status is OrderStatus.CONTACTING and days_ago >= 5 else 0,
        hold_until=today + timedelta(days=14) if status is OrderStatus.ON_HOLD else None,
        visit_on=visit_on,
        report_deadline=sla_visit,
        completed_at=now if status is OrderStatus.DONE else None,
        cancel_reason="Kunden har flyttat till särskilt boende."
        if status is OrderStatus.CANCELLED
        else "",
        created_at=ordered_at,
        updated_at=ordered_at,
    )
    await order.save()
    if status in LETTER_PATH:
        await _demo_booking(order, status, customer, fitter, fitters_co, now)
    await OrderEvent.insert(
        OrderEvent(
            order=order.id,
            at=ordered_at,
            actor=orderer.id,
            actor_name=orderer.full_name,
            device="demo",
            action="create",
            to_status=OrderStatus.ORDERED.value if placed else "draft",
        )
    )
    if status in {OrderStatus.CONTACTING, OrderStatus.SCHEDULED, OrderStatus.ON_HOLD}:
        for attempt in range(rng.randint(1, 3)):
            await ContactAttempt.insert(
                ContactAttempt(
                    order=order.id,
                    at=ordered_at + timedelta(days=attempt, hours=2 + 3 * attempt),
                    made_by=fitter.id,
                    to_whom=rng.choice(["customer", "relative"]),
                    outcome=rng.choice(["no_answer", "busy", "reached"]),
                    note="",
                    device="demo",
                )
            )
    if status is OrderStatus.DONE and visit_on is not None:
        await CompletionReport.insert(
            CompletionReport(
                order=order.id,
                reported_by=fitter.id,
                reported_at=now,
                visit_on=visit_on,
                work_done="Bytt batteri och testat låset med personalens telefon."
                if kind == "battery"
                else "Justerat låsvredet och testat öppning/låsning fem gånger.",
                battery_replaced=kind == "battery",
                minutes_spent=rng.choice([30, 45, 60]),
                late=sla.is_report_late(calendar, visit_on, today),
                lock_evidence_overridden=True,
                override_reason="Demodata: skapad utan låsrapport.",
            )
        )
    if status is not OrderStatus.DRAFT and status is not OrderStatus.ORDERED:
        await OrderEvent.insert(
            OrderEvent(
                order=order.id,
                at=now,
                actor=fitter.id,
                actor_name=fitter.full_name,
                device="demo",
                action="demo_state",
                from_status=OrderStatus.ORDERED.value,
                to_status=status.value,
                flagged=status is OrderStatus.DONE,
                note="Demo data placed this order in its status.",
            )
        )

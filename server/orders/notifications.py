"""What the orders area tells people, and whom: the completion and escalation messages.

Each ``enqueue_*`` function only writes outbox rows and must run inside the transaction of the
change that causes it (``server.notify.outbox``). Texts are Swedish; they name the order and
the customer but never a personal identity number, and push texts (shown on lock screens)
carry the order reference only, not the customer's name.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from server.accounts.permissions import OrganisationKind, Role
from server.accounts.tables import Organisation, User
from server.clock import LOCAL_ZONE
from server.context import Services
from server.notify.outbox import Email, enqueue_email, enqueue_push
from server.orders.tables import CompletionReport, ContactAttempt, WorkOrder

KIND_SV = {
    "installation": "Installation av lås",
    "service": "Service av lås",
    "battery": "Batteribyte",
    "removal": "Demontering av lås",
    "inspection": "Kontroll av lås",
}
TO_WHOM_SV = {"customer": "kund", "relative": "anhörig", "provider": "utförare", "other": "annan"}
FOOTER_SV = "Detta meddelande skickades automatiskt av Lockwork. Svara inte på det."

logger = logging.getLogger(__name__)


def followers(order: dict[str, Any]) -> list[str]:
    """The users who follow an order and get its push notifications.

    Today the orderer who placed it; the place to add watchers (a planner, colleagues of the
    orderer) later without touching the callers.
    """
    return [str(order["ordered_by"])] if order.get("ordered_by") else []


def order_link(services: Services, order_id: Any) -> str:
    return f"{services.settings.public_url.rstrip('/')}/orders/{order_id}"


def _yes_no(value: bool) -> str:
    return "ja" if value else "nej"


def _day(d: date) -> str:
    return d.isoformat()


def _local(at: datetime) -> str:
    return at.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")


def _html(
    title: str, lines: Iterable[tuple[str, str]], paragraphs: Iterable[str], link: str
) -> str:
    """A small, inline-styled HTML version of the same content (escaped throughout)."""
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>"
        f"{html.escape(k)}</th><td>{html.escape(v).replace(chr(10), '<br>')}</td></tr>"
        for k, v in lines
    )
    paras = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return (
        "<!doctype html><html lang='sv'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        "<body style='font-family:sans-serif;line-height:1.4'>"
        f"<h1 style='font-size:1.2em'>{html.escape(title)}</h1>{paras}"
        f"<table>{rows}</table>"
        f"<p><a href='{html.escape(link, quote=True)}'>Öppna ordern i Lockwork</a></p>"
        f"<p style='color:#666;font-size:0.9em'>{html.escape(FOOTER_SV)}</p></body></html>"
    )


def _text(
    greeting: str, paragraphs: Iterable[str], lines: Iterable[tuple[str, str]], link: str
) -> str:
    body = [greeting, ""]
    for p in paragraphs:
        body += [p, ""]
    for key, value in lines:
        if "\n" in value:
            body += [f"{key}:", *("  " + v for v in value.splitlines())]
        else:
            body.append(f"{key}: {value}")
    body += ["", f"Öppna ordern: {link}", "", "-- ", FOOTER_SV, ""]
    return "\n".join(body)


async def _order(order_id: Any) -> dict[str, Any]:
    row = (
        await WorkOrder.select(
            *WorkOrder.all_columns(),
            WorkOrder.customer.name.as_alias("customer_name"),
            WorkOrder.customer.street_address.as_alias("customer_street"),
            WorkOrder.customer.city.as_alias("customer_city"),
            WorkOrder.ordering_organisation.name.as_alias("provider_name"),
            WorkOrder.ordering_organisation.email.as_alias("provider_email"),
            WorkOrder.ordering_organisation.completion_copy_email.as_alias("copy_email"),
            WorkOrder.ordering_organisation.administration_email.as_alias("administration_email"),
            WorkOrder.ordered_by.email.as_alias("orderer_email"),
            WorkOrder.ordered_by.full_name.as_alias("orderer_name"),
        )
        .where(WorkOrder.id == order_id)
        .first()
    )
    assert row is not None, "the caller holds the order in its transaction"
    return row


def _orderer_address(order: dict[str, Any]) -> str:
    """Seed 000 step 4: the e-mail in the contact field of the user who placed the order."""
    return str(order["feedback_email"] or order["orderer_email"] or "")


def _address(order: dict[str, Any]) -> str:
    return ", ".join(p for p in (order["customer_street"], order["customer_city"]) if p)


# -- completion (seed 000, step 4) --------------------------------------------------------------


def completion_email(
    order: dict[str, Any], report: dict[str, Any], fitter_name: str, link: str
) -> Email:
    reference = order["reference"]
    subject = f"Order {reference} är klar – {KIND_SV.get(order['kind'], order['kind'])}"
    materials = ", ".join(
        f"{m['name']} ({m['quantity']} st)" for m in report.get("materials") or []
    )
    lines = [
        ("Order", reference),
        ("Ärende", KIND_SV.get(order["kind"], order["kind"])),
        ("Kund", order["customer_name"]),
        ("Adress", _address(order)),
        ("Besöksdag", _day(report["visit_on"])),
        ("Utfört", report["work_done"]),
        ("Batteri bytt", _yes_no(report["battery_replaced"])),
        ("Lås bytt", _yes_no(report["lock_replaced"])),
    ]
    if materials:
        lines.append(("Material", materials))
    lines += [
        ("Tidsåtgång", f"{report['minutes_spent']} minuter"),
        ("Klarrapporterad av", f"{fitter_name}, {_local(report['reported_at'])}"),
    ]
    paragraphs = [
        f"Låsmontören har klarrapporterat order {reference} för {order['customer_name']}."
    ]
    if report["late"]:
        paragraphs.append(
            "Observera: klarrapporten lämnades senare än första arbetsdagen efter besöket."
        )
    greeting = f"Hej {order['feedback_name'] or order['orderer_name']},"
    title = f"Order {reference} är klar"
    return Email(
        to=[_orderer_address(order)],
        cc=[order["copy_email"]] if order["copy_email"] else [],
        subject=subject,
        text=_text(greeting, paragraphs, lines, link),
        html=_html(title, lines, [greeting, *paragraphs], link),
    )


def completion_push(order: dict[str, Any], link: str) -> dict[str, Any]:
    return {
        "type": "order_done",
        "order_id": str(order["id"]),
        "reference": order["reference"],
        "title": "Order klar",
        "body": f"Order {order['reference']} är klarrapporterad.",
        "url": link,
    }


async def enqueue_completion(services: Services, order_id: Any, now: datetime) -> None:
    """The completion e-mail (orderer, copy to the provider's copy address) and the push."""
    order = await _order(order_id)
    report = (
        await CompletionReport.select(
            *CompletionReport.all_columns(),
            CompletionReport.reported_by.full_name.as_alias("fitter_name"),
        )
        .where(CompletionReport.order == order_id)
        .output(load_json=True)
        .first()
    )
    assert report is not None, "completion writes its report first"
    link = order_link(services, order_id)
    key = f"order:{order_id}:completed"
    await enqueue_email(
        f"{key}:email",
        completion_email(order, report, report["fitter_name"], link),
        now=now,
        order_id=order_id,
    )
    await enqueue_push(
        f"{key}:push", followers(order), completion_push(order, link), now=now, order_id=order_id
    )


# -- escalation (seed 000, step 3a) -------------------------------------------------------------


async def _attempt_lines(order_id: Any) -> str:
    attempts = (
        await ContactAttempt.select(
            ContactAttempt.at, ContactAttempt.to_whom, ContactAttempt.outcome
        )
        .where(ContactAttempt.order == order_id)
        .order_by(ContactAttempt.at)
    )
    if not attempts:
        return "inga registrerade"
    outcome_sv = {
        "no_answer": "inget svar",
        "busy": "upptaget",
        "wrong_number": "fel nummer",
        "voicemail": "röstbrevlåda",
        "reached": "kontakt",
    }
    return "\n".join(
        f"{_local(a['at'])} – {TO_WHOM_SV.get(a['to_whom'], a['to_whom'])}: "
        f"{outcome_sv.get(a['outcome'], a['outcome'])}"
        for a in attempts
    )


async def enqueue_escalation(services: Services, order_id: Any, level: int, now: datetime) -> None:
    """Level 1: the orderer and the ordering provider (e-mail, push to the followers).
    Level 2: the municipality's system administration, an organisation's address (e-mail)."""
    order = await _order(order_id)
    link = order_link(services, order_id)
    reference = order["reference"]
    ordered_on = order["ordered_at"].astimezone(LOCAL_ZONE).date() if order["ordered_at"] else None
    lines = [
        ("Order", reference),
        ("Ärende", KIND_SV.get(order["kind"], order["kind"])),
        ("Kund", order["customer_name"]),
        ("Adress", _address(order)),
        ("Beställd", _day(ordered_on) if ordered_on else "–"),
        (
            "Beställare",
            f"{order['feedback_name'] or order['orderer_name']}, {order['provider_name']}",
        ),
        ("Bäst att nå kunden", order["customer_best_times"] or "–"),
        ("Kontaktförsök", await _attempt_lines(order_id)),
    ]
    key = f"order:{order_id}:escalation:{level}"
    # The fitters' company's planners hear of every level: the order is theirs to rescue.
    await _push_planners(services, order_id, "order_escalated", f"{key}:planners", now)
    if level == 1:
        title = f"Ingen kontakt med kunden – order {reference}"
        paragraphs = [
            f"Låsmontören har inte fått kontakt med kund, anhörig eller utförare inom tre "
            f"arbetsdagar från beställningen av order {reference}.",
            "Kontrollera att kontaktuppgifterna i ordern stämmer och hjälp gärna till att nå "
            "kunden, så att besöket kan bokas.",
        ]
        greeting = f"Hej {order['feedback_name'] or order['orderer_name']},"
        email = Email(
            to=[_orderer_address(order), order["provider_email"] or ""],
            subject=f"Eskalering: ingen kontakt med kunden i order {reference}",
            text=_text(greeting, paragraphs, lines, link),
            html=_html(title, lines, [greeting, *paragraphs], link),
        )
        await enqueue_email(f"{key}:email", email, now=now, order_id=order_id)
        await enqueue_push(
            f"{key}:push",
            followers(order),
            {
                "type": "order_escalated",
                "order_id": str(order_id),
                "reference": reference,
                "level": level,
                "title": "Ingen kontakt med kunden",
                "body": f"Order {reference}: låsmontören har inte nått kunden på tre arbetsdagar.",
                "url": link,
            },
            now=now,
            order_id=order_id,
        )
        return
    title = f"Ingen kontakt med kund eller utförare – order {reference}"
    paragraphs = [
        f"Låsmontören har varken fått kontakt med kund/anhörig eller med den beställande "
        f"utförarorganisationen för order {reference}, trots eskalering till utföraren.",
        "Enligt rutinen går ärendet nu till systemförvaltaren för vidare åtgärder.",
    ]
    greeting = "Hej systemförvaltare,"
    email = Email(
        to=await _administration_addresses(order),
        subject=f"Eskalering till systemförvaltare: order {reference}",
        text=_text(greeting, paragraphs, lines, link),
        html=_html(title, lines, [greeting, *paragraphs], link),
    )
    if not await enqueue_email(f"{key}:email", email, now=now, order_id=order_id):
        logger.warning(
            "Order %s escalated to level 2 with no system administration address: set the "
            "ordering provider's administration_email or the administration's e-mail",
            order_id,
        )


async def _administration_addresses(order: dict[str, Any]) -> list[str]:
    """Seed 000 "Steg 2": the system administration named for the ordering provider (like
    its Seniorguide copy address), else the address of the administration organisation(s).
    An organisation's address, never the administrator users one by one."""
    if order["administration_email"]:
        return [str(order["administration_email"])]
    rows = await Organisation.select(Organisation.email).where(
        (Organisation.kind == OrganisationKind.ADMINISTRATION.value) & (Organisation.email != "")
    )
    return sorted(str(r["email"]) for r in rows)


# -- the back office: the planners of the fitters' company that does the order ---------------


async def planners_of(order: dict[str, Any]) -> list[str]:
    """The active planners of the fitters' company that does the order (none without one)."""
    if order.get("performing_organisation") is None:
        return []
    rows = (
        await User.select(User.id, User.roles)
        .where(
            (User.organisation == order["performing_organisation"]) & (User.active == True)  # noqa: E712
        )
        .output(load_json=True)
    )
    return sorted(str(r["id"]) for r in rows if Role.PLANNER.value in (r["roles"] or []))


def planner_push(kind: str, order: dict[str, Any], link: str) -> dict[str, Any]:
    """What a planner's desk is told. The reference and the kind of job only: a push is shown on
    a lock screen, so no customer name, address or identity number."""
    reference = order["reference"]
    job = KIND_SV.get(order["kind"], order["kind"])
    title, body = {
        "order_new": ("Ny order", f"Order {reference} ({job.lower()}) är beställd."),
        "order_escalated": (
            "Eskalerad order",
            f"Order {reference}: ingen kontakt med kunden, eskalerad.",
        ),
        "order_back_from_hold": (
            "Tillbaka från vilande",
            f"Order {reference} är tillbaka i kön att planera.",
        ),
    }[kind]
    return {
        "type": kind,
        "audience": "planner",
        "order_id": str(order["id"]),
        "reference": reference,
        "title": title,
        "body": body,
        "url": link,
    }


async def _push_planners(
    services: Services, order_id: Any, kind: str, key: str, now: datetime
) -> int:
    order = await _order(order_id)
    return await enqueue_push(
        key,
        await planners_of(order),
        planner_push(kind, order, order_link(services, order_id)),
        now=now,
        order_id=order_id,
    )


async def enqueue_new_order(services: Services, order_id: Any, now: datetime) -> None:
    """A new order is placed: its fitters' company's planners hear of it (once)."""
    await _push_planners(services, order_id, "order_new", f"order:{order_id}:placed:planners", now)


async def enqueue_back_from_hold(
    services: Services, order_id: Any, hold_until: date, now: datetime
) -> None:
    """An order held until a date is back in the queue: its planners hear of it."""
    await _push_planners(
        services,
        order_id,
        "order_back_from_hold",
        f"order:{order_id}:back-from-hold:{hold_until.isoformat()}",
        now,
    )


# -- new job for the fitter (the PWA shows "new job assigned") ---------------------------------


def assignment_push(order: dict[str, Any], link: str) -> dict[str, Any]:
    return {
        "type": "order_assigned",
        "order_id": str(order["id"]),
        "reference": order["reference"],
        "title": "Nytt jobb",
        "body": f"Order {order['reference']} är tilldelad dig.",
        "url": link,
    }


async def enqueue_assignment(
    services: Services, order_id: Any, fitter_id: Any, version: int, now: datetime
) -> None:
    """Push "new job" to the fitter the order was just assigned to (once per assignment)."""
    order = await _order(order_id)
    link = order_link(services, order_id)
    await enqueue_push(
        f"order:{order_id}:assigned:{version}",
        [fitter_id],
        assignment_push(order, link),
        now=now,
        order_id=order_id,
    )


# -- completion-report reminder (seed 000 step 4: at the latest the first working day after) ---


def report_reminder_email(order: dict[str, Any], deadline: date, link: str) -> Email:
    title = f"Påminnelse: klarrapport för order {order['reference']}"
    paragraphs = [
        f"Klarrapporten för order {order['reference']} ska lämnas senast {_day(deadline)}, "
        "första arbetsdagen efter besöket.",
        "Lämna den i appen så snart du kan; beställaren får då sitt besked.",
    ]
    lines = [("Order", order["reference"]), ("Adress", _address(order))]
    return Email(
        to=[order["fitter_email"]] if order.get("fitter_email") else [],
        cc=[],
        subject=title,
        text=_text(title, paragraphs, lines, link),
        html=_html(title, lines, paragraphs, link),
    )


def report_reminder_push(order: dict[str, Any], link: str) -> dict[str, Any]:
    return {
        "type": "report_due",
        "order_id": str(order["id"]),
        "reference": order["reference"],
        "title": "Klarrapport saknas",
        "body": f"Lämna klarrapporten för order {order['reference']}.",
        "url": link,
    }


async def enqueue_report_reminder(
    services: Services, order_id: Any, deadline: date, today: date, now: datetime
) -> None:
    """Remind the fitter, once a day, of a completion report that is due or late."""
    order = await _order(order_id)
    if order.get("assigned_fitter") is None:
        return
    fitter = await User.select(User.email).where(User.id == order["assigned_fitter"]).first()
    order = {**order, "fitter_email": fitter["email"] if fitter else ""}
    link = order_link(services, order_id)
    key = f"order:{order_id}:report-reminder:{today.isoformat()}"
    await enqueue_email(
        f"{key}:email", report_reminder_email(order, deadline, link), now=now, order_id=order_id
    )
    await enqueue_push(
        f"{key}:push",
        [order["assigned_fitter"]],
        report_reminder_push(order, link),
        now=now,
        order_id=order_id,
    )


# -- the dialogue on an order (seeds 003/004: "Skriver kunden en uppföljning blir ansvarig
# person notifierad") ---------------------------------------------------------------------------


async def dialogue_recipients(order: dict[str, Any], author_id: Any) -> list[str]:
    """Who hears of a new message: the responsible people on the other side of the order.

    From home care (the orderer's side) to the fitters' side: the assigned fitter, or, while
    nobody is assigned, the company's planners. From the fitters' side to home care: the
    order's followers. Never the author.
    """
    from_home_care = str(author_id) == str(order["ordered_by"]) or await _in_organisation(
        author_id, order["ordering_organisation"]
    )
    if from_home_care:
        if order.get("assigned_fitter"):
            people = [str(order["assigned_fitter"])]
        else:
            people = await planners_of(order)
    else:
        people = followers(order)
    return [p for p in people if p != str(author_id)]


async def _in_organisation(user_id: Any, organisation_id: Any) -> bool:
    return bool(
        await User.exists().where((User.id == user_id) & (User.organisation == organisation_id))
    )


def message_push(order: dict[str, Any], author_name: str, link: str) -> dict[str, Any]:
    """A lock screen shows it: the reference and who wrote, not what (it may name the
    resident)."""
    return {
        "type": "order_message",
        "order_id": str(order["id"]),
        "reference": order["reference"],
        "title": "Nytt meddelande",
        "body": f"{author_name} skrev på order {order['reference']}.",
        "url": link,
    }


def message_email(order: dict[str, Any], author_name: str, body: str, link: str) -> Email:
    title = f"Nytt meddelande på order {order['reference']}"
    paragraphs = [f"{author_name} skrev:", body, "Svara på ordern i appen."]
    lines = [("Order", order["reference"]), ("Adress", _address(order))]
    return Email(
        to=[],
        cc=[],
        subject=title,
        text=_text(title, paragraphs, lines, link),
        html=_html(title, lines, paragraphs, link),
    )


async def enqueue_message(
    services: Services,
    order_id: Any,
    message_id: Any,
    author_id: Any,
    author_name: str,
    body: str,
    now: datetime,
) -> None:
    """Push to each recipient's devices; e-mail to those without any (seldom in the app: a
    person who never turned notifications on learns of a message by e-mail instead)."""
    from server.notify.tables import PushSubscription

    order = await _order(order_id)
    recipients = await dialogue_recipients(order, author_id)
    if not recipients:
        return
    link = order_link(services, order_id)
    await enqueue_push(
        f"order:{order_id}:message:{message_id}",
        recipients,
        message_push(order, author_name, link),
        now=now,
        order_id=order_id,
    )
    with_push = {
        str(r["user"])
        for r in await PushSubscription.select(PushSubscription.user).where(
            PushSubscription.user.is_in(recipients)
        )
    }
    without = [r for r in recipients if r not in with_push]
    if not without:
        return
    addresses = [
        r["email"]
        for r in await User.select(User.email).where(
            User.id.is_in(without) & (User.active == True)  # noqa: E712
        )
        if r["email"]
    ]
    if addresses:
        email = message_email(order, author_name, body, link)
        email = Email(to=addresses, cc=[], subject=email.subject, text=email.text, html=email.html)
        await enqueue_email(
            f"order:{order_id}:message:{message_id}:email", email, now=now, order_id=order_id
        )


# Status changes the order's followers (home care) are told of: a time booked or confirmed, a
# pause, the end. Completion has its own e-mail and push (enqueue_completion).
FOLLOWED_STATUSES: dict[str, str] = {
    "scheduled": "Besöket är bokat",
    "ready_for_execution": "Besöket är bekräftat",
    "on_hold": "Ordern är vilande",
    "cancelled": "Ordern är makulerad",
}


async def enqueue_status_change(
    services: Services, order_id: Any, status: str, version: int, actor_id: Any, now: datetime
) -> None:
    """Seeds 003/004: the customer follows where the case is. A push (reference and status
    only) to the followers, except the one who made the change."""
    title = FOLLOWED_STATUSES.get(status)
    if title is None:
        return
    order = await _order(order_id)
    people = [p for p in followers(order) if p != str(actor_id)]
    if not people:
        return
    await enqueue_push(
        f"order:{order_id}:status:{version}",
        people,
        {
            "type": "order_status",
            "order_id": str(order_id),
            "reference": order["reference"],
            "status": status,
            "title": title,
            "body": f"Order {order['reference']}: {title.lower()}.",
            "url": order_link(services, order_id),
        },
        now=now,
        order_id=order_id,
    )

"""Helpers for the notification tests: a real SMTP server on loopback, workers, order flows."""

from __future__ import annotations

import contextlib
import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import msgspec
from aiosmtpd.controller import Controller

from tests.live_server import free_port

# A valid Swedish personal identity number (Luhn-correct, a test number): it must never
# appear in any e-mail or push payload.
IDENTITY_NUMBER = "19121212-1212"
IDENTITY_DIGITS = ("121212-1212", "1212121212", "121212")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class SmtpSink:
    """Collects every message the loopback SMTP server accepts."""

    port: int = 0
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), parsed)  # type: ignore[arg-type]
            )
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m.message["Message-ID"]) for m in self.messages]


@contextlib.contextmanager
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def smtp_settings(settings: Any, port: int) -> Any:
    """The app's settings pointed at the loopback SMTP server (no TLS on loopback)."""
    return msgspec.structs.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        mail_from="Lockwork <lockwork@kommun.example.se>",
    )


def services_of(client: Any) -> Any:
    return client.app.state["services"]


def worker_for(client: Any, settings: Any | None = None) -> Any:
    """A worker like the one the lifespan starts, on the test's clock."""
    from server.notify.outbox import Channel
    from server.notify.transports import SmtpTransport, WebPushTransport
    from server.notify.worker import NotificationWorker

    services = services_of(client)
    settings = settings or services.settings
    return NotificationWorker(
        services.engine,
        services.clock,
        {
            Channel.EMAIL: SmtpTransport(settings),
            Channel.PUSH: WebPushTransport(settings, services.vapid),
        },
    )


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def transition(client: Any, actor: Any, order_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/orders/{order_id}/transitions", json=body, headers=actor.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def visit_and_complete(
    client: Any, fitter: Any, order_id: str, *, work_done: str = "Bytt låsvred och batteri."
) -> dict[str, Any]:
    """Contact, book, confirm, start and complete an order as its fitter."""
    response = await client.post(
        f"/api/orders/{order_id}/contact-attempts",
        json={"to_whom": "customer", "outcome": "reached"},
        headers=fitter.headers,
    )
    assert response.status_code == 201, response.text
    await start_visit(client, fitter, order_id)
    return await complete(client, fitter, order_id, work_done=work_done)


async def start_visit(client: Any, fitter: Any, order_id: str) -> None:
    await transition(
        client,
        fitter,
        order_id,
        action="schedule",
        planned_start="2030-01-01T09:00:00+01:00",
        estimate_minutes=60,
    )
    await transition(client, fitter, order_id, action="confirm")
    await transition(client, fitter, order_id, action="start")


async def complete(
    client: Any, fitter: Any, order_id: str, *, work_done: str = "Bytt låsvred och batteri."
) -> dict[str, Any]:
    return await transition(
        client,
        fitter,
        order_id,
        action="complete",
        completion={
            "work_done": work_done,
            "minutes_spent": 45,
            "battery_replaced": True,
            "materials": [{"name": "Batteri CR123A", "quantity": 2}],
        },
        override_reason="Gatewayen saknades; låset provat för hand.",
    )


async def give_customer_a_identity_number(client: Any, world: Any) -> None:
    response = await client.patch(
        f"/api/customers/{world.ids['customer_a']}",
        json={"identity_number": IDENTITY_NUMBER},
        headers=world["orderer_a"].headers,
    )
    assert response.status_code == 200, response.text

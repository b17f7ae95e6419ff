"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from litestar import Litestar, Response, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from server import db
from server.accounts.routes import (
    AuthController,
    DeviceController,
    OrganisationController,
    UserController,
)
from server.accounts.service import AccountService
from server.activity.routes import ActivityController
from server.booking import jobs as booking_jobs
from server.booking.routes import BookingController, OrderBookingController, PublicReplyController
from server.calendar.working_days import WorkingDayCalendar
from server.clock import Clock
from server.context import Services
from server.customers.routes import CustomerController
from server.http_errors import EXCEPTION_HANDLERS
from server.intake.routes import (
    CaseController,
    PublicFaultReportController,
    QrLabelController,
    QrTokenController,
)
from server.locks.authority import load_lock_authority
from server.locks.authority_routes import LockAuthorityController
from server.locks.gateway_routes import GatewayLockController
from server.locks.routes import LockController
from server.notify.elks import ElksTransport
from server.notify.keys import ensure_vapid_keys
from server.notify.outbox import Channel
from server.notify.routes import AdminOutboxController, PushController
from server.notify.sms_routes import SmsCallbackController
from server.notify.transports import SmtpTransport, WebPushTransport
from server.notify.worker import NotificationWorker, PeriodicJob
from server.orders import escalation, holds, reminders
from server.orders.calendar_routes import CalendarFeedAdminController, CalendarFeedController
from server.orders.routes import OrderController
from server.pwa_routes import PwaFiles, create_pwa_router, rules_for
from server.routing import jobs as routing_jobs
from server.routing.routes import GroupQueueController, RoutingController
from server.secrets_box import SecretBox
from server.settings import Settings, load_settings
from server.sync import live
from server.sync.routes import SyncController
from server.web import LockworkRequest, provide_services, refuse_nul_characters, services_from

logger = logging.getLogger(__name__)

# Sync pages are JSON and shrink several-fold; zlib's default level 6 keeps most of level 9's
# saving at a fraction of its CPU, which matters on a two-core server under 50 pulling phones.
GZIP_LEVEL = 6

try:
    APP_VERSION = version("lockwork")
except PackageNotFoundError:  # running from a source tree without an install
    APP_VERSION = "0.0.0"


@get("/api/health", tags=["system"])
async def health(state: State) -> Response[dict[str, Any]]:
    """Liveness and readiness: the database answers and its migrations are current."""
    services = services_from(state)
    body: dict[str, Any] = {
        "status": "ok",
        "database": db.engine_kind(services.engine),
        "version": APP_VERSION,
    }
    try:
        migrations = await db.migration_state()
    except Exception:
        logger.exception("Health check could not reach the database")
        body.update(status="unavailable", migrations=None)
        return Response(body, status_code=503)
    body["migrations"] = {
        "state": migrations.state,
        "applied": migrations.applied,
        "pending": migrations.pending,
    }
    return Response(body, status_code=200 if migrations.pending == 0 else 503)


# On shutdown, give the worker this long to finish the message in hand before cancelling it
# (a cancelled send is retried after its claim expires; see server.notify.outbox).
WORKER_STOP_SECONDS = 15.0


def background_worker(services: Services) -> NotificationWorker:
    """The outbox worker with its transports (e-mail, push, SMS) and the periodic jobs."""
    return NotificationWorker(
        services.engine,
        services.clock,
        {
            Channel.EMAIL: SmtpTransport(services.settings),
            Channel.PUSH: WebPushTransport(services.settings, services.vapid),
            Channel.SMS: ElksTransport(services.settings, services.box),
        },
        jobs=periodic_jobs(services),
    )


def periodic_jobs(services: Services) -> list[PeriodicJob]:
    """The jobs the worker runs on their intervals (``lockwork-server run-jobs`` runs each
    once, for an instance with LOCKWORK_BACKGROUND_JOBS=false driven by cron)."""
    return [
        PeriodicJob(
            "escalations",
            escalation.ESCALATION_INTERVAL_SECONDS,
            lambda: escalation.run_escalations(services),
        ),
        PeriodicJob(
            "holds ended",
            holds.HOLD_INTERVAL_SECONDS,
            lambda: holds.run_hold_resumptions(services),
        ),
        PeriodicJob(
            "report reminders",
            reminders.REMINDER_INTERVAL_SECONDS,
            lambda: reminders.run_report_reminders(services),
        ),
        PeriodicJob(
            "letter jobs",
            booking_jobs.LETTER_JOB_INTERVAL_SECONDS,
            lambda: booking_jobs.run_letter_jobs(services),
        ),
        PeriodicJob(
            "booking reminders",
            booking_jobs.REMINDER_INTERVAL_SECONDS,
            lambda: booking_jobs.run_booking_reminders(services),
        ),
        PeriodicJob(
            "appointment reminders",
            booking_jobs.REMINDER_INTERVAL_SECONDS,
            lambda: booking_jobs.run_appointment_reminders(services),
        ),
        PeriodicJob(
            "recurring orders",
            routing_jobs.RECURRING_INTERVAL_SECONDS,
            lambda: routing_jobs.run_recurring_orders(services),
        ),
        PeriodicJob(
            "battery orders",
            routing_jobs.BATTERY_INTERVAL_SECONDS,
            lambda: routing_jobs.run_battery_orders(services),
        ),
    ]


async def make_services(
    settings: Settings, clock: Clock, box: SecretBox, engine: Any, lock_authority: Any
) -> Services:
    """The running app's parts, once the database is open."""
    return Services(
        settings=settings,
        clock=clock,
        box=box,
        calendar=WorkingDayCalendar(
            country=settings.country, extra_non_working=settings.non_working_eve_names
        ),
        accounts=AccountService(settings, box, clock),
        engine=engine,
        vapid=await ensure_vapid_keys(box),  # notify (issue 6)
        lock_authority=lock_authority,
    )


async def _stop_worker(task: asyncio.Task[None]) -> None:
    try:
        await asyncio.wait_for(asyncio.shield(task), WORKER_STOP_SECONDS)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Litestar:
    """Build the app. The database is opened, checked and migrated in the lifespan."""
    settings = settings or load_settings()
    clock = clock or Clock()
    box = SecretBox(settings.secret_key)
    # Checked before serving: a wrong operator certificate stops the start with the reason.
    lock_authority = load_lock_authority(settings, box)
    url = settings.resolved_database_url

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with db.connected(url) as engine:
            if settings.migrate_on_start:
                await db.migrate()
            async with live.listening(engine):
                services = await make_services(settings, clock, box, engine, lock_authority)
                app.state["services"] = services
                # --- notify (issue 6): the outbox worker and the escalation job ---
                stop = asyncio.Event()
                worker_task = (
                    asyncio.create_task(background_worker(services).run(stop))
                    if settings.background_jobs
                    else None
                )
                try:
                    yield
                finally:
                    stop.set()
                    if worker_task is not None:
                        await _stop_worker(worker_task)

    return Litestar(
        route_handlers=[
            health,
            AuthController,
            OrganisationController,
            UserController,
            DeviceController,
            CustomerController,
            LockController,
            LockAuthorityController,
            GatewayLockController,
            OrderController,
            SyncController,
            ActivityController,
            PushController,
            AdminOutboxController,
            SmsCallbackController,
            BookingController,
            OrderBookingController,
            PublicReplyController,
            RoutingController,
            GroupQueueController,
            PublicFaultReportController,
            CaseController,
            QrTokenController,
            QrLabelController,
            CalendarFeedController,
            CalendarFeedAdminController,
            # last: its fallback serves the app for other paths
            create_pwa_router(
                PwaFiles(Path(settings.pwa_dir)) if settings.pwa_dir else None,
                rules_for(settings, clock),
            ),
        ],
        dependencies={"services": Provide(provide_services)},
        before_request=refuse_nul_characters,
        request_class=LockworkRequest,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan],
        compression_config=CompressionConfig(
            backend="gzip",
            gzip_compress_level=GZIP_LEVEL,
            # The live stream must reach the phone at once, not wait in a compressor's buffer.
            exclude=["/api/sync/events"],
        ),
        openapi_config=OpenAPIConfig(title="Lockwork", version=APP_VERSION, path="/schema"),
        debug=False,
    )

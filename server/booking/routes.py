"""HTTP routes of the booking area (seed 002): decode, call the booking service, encode.

The planner's routes need a login (planners of the performing organisation, or an
administrator; the service checks each order and letter). The reply page's route is public:
rate-limited, and its answer is the same whether or not the code exists.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from server.accounts.permissions import Principal
from server.booking import jobs
from server.booking.letters import BookingChannel
from server.booking.schemas import (
    LetterJobOut,
    LetterOut,
    LettersIn,
    Locked,
    LockIn,
    LockOut,
    MarkedOut,
    OrderBookingOut,
    OrdersIn,
    PublicReplyIn,
    ReceivedOut,
    ReplyOut,
    SentOut,
    SmsBookingOut,
    VersionIn,
)
from server.booking.service import BookingService
from server.booking.views import job_out, letter_out, order_booking_out, refusal_out, reply_out
from server.context import Services
from server.errors import ValidationFailed
from server.orders.schemas import OrderOut
from server.orders.views import order_out
from server.web import provide_principal, request_client_address

PDF = "application/pdf"
# Letters named in the merged download's address: 100 ids are about 4,000 characters, inside
# what servers take in a request line; every unprinted letter comes without ids.
MAX_MERGED_BY_ID = 100
# Printed letters are shown to be downloaded again, newest first; older ones are in the
# order's booking.
MAX_PRINTED_SHOWN = 200


def _pdf(content: bytes, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type=PDF,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            # A letter names a resident: never kept by a shared cache.
            "Cache-Control": "private, no-store",
        },
    )


class BookingController(Controller):
    path = "/api/booking"
    tags = ["booking"]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/lock", status_code=200)
    async def lock(self, principal: Principal, services: Services, data: LockIn) -> LockOut:
        """Lock appointments: the orders named, or a fitter's scheduled orders on a day."""
        booking = BookingService(services)
        if data.order_ids:
            if data.fitter_id is not None or data.day is not None:
                raise ValidationFailed(
                    "Name the orders, or a fitter and a day, not both.", field="order_ids"
                )
            order_ids: list[Any] = list(data.order_ids)
        elif data.fitter_id is not None and data.day is not None:
            order_ids = await booking.day_orders(principal, data.fitter_id, data.day)
        else:
            raise ValidationFailed(
                "Name the orders to lock (order_ids), or a fitter and a day (fitter_id, day).",
                field="order_ids",
                message_sv="Ange vilka order som ska låsas, eller en montör och en dag.",
            )
        outcome = await booking.lock(principal, order_ids, BookingChannel(data.channel))
        return LockOut(
            locked=[Locked(**entry) for entry in outcome.done],
            refused=[refusal_out(entry) for entry in outcome.refused],
        )

    @post("/letter-jobs", status_code=HTTP_202_ACCEPTED)
    async def start_letter_job(
        self, principal: Principal, services: Services, data: OrdersIn
    ) -> LetterJobOut:
        """Letters for many orders (ready to print), made in the background; poll the job."""
        row = await BookingService(services).start_letter_job(principal, data.order_ids)
        jobs.start_letter_job(services, row["id"])
        return job_out(row)

    @get("/letter-jobs/{job_id:uuid}")
    async def letter_job(
        self, principal: Principal, services: Services, job_id: UUID
    ) -> LetterJobOut:
        return job_out(await BookingService(services).job(principal, job_id))

    @post("/orders/{order_id:uuid}/letter", status_code=200)
    async def order_letter(
        self, principal: Principal, services: Services, order_id: UUID
    ) -> LetterOut:
        """One order's letter, now (seed 002: "Generer brev" on the order)."""
        return letter_out(await BookingService(services).letter_for_order(principal, order_id))

    @post("/orders/{order_id:uuid}/confirmation-sms", status_code=200)
    async def confirmation_sms(
        self, principal: Principal, services: Services, order_id: UUID, data: VersionIn
    ) -> OrderOut:
        """Seed 002 "Bookingbekreftelse": confirm by SMS; manual follow-up -> ready."""
        booking = BookingService(services)
        await booking.confirmation_sms(principal, order_id, data.expected_version)
        row = await booking.orders.visible(principal, order_id)
        return order_out(booking.orders, principal, row)

    @get("/letters")
    async def letters(
        self,
        principal: Principal,
        services: Services,
        printed: bool = False,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PRINTED_SHOWN)] = MAX_PRINTED_SHOWN,
    ) -> list[LetterOut]:
        """The letters tray: every letter not printed yet (default), or the newest printed
        ones (``limit``), to download again."""
        rows = await BookingService(services).letters(
            principal, printed=printed, limit=limit if printed else None
        )
        return [letter_out(r) for r in rows]

    @get("/letters/{letter_id:uuid}/pdf", media_type=PDF)
    async def letter_pdf(
        self, principal: Principal, services: Services, letter_id: UUID
    ) -> Response[bytes]:
        content = await BookingService(services).letter_pdf(principal, letter_id)
        return _pdf(content, f"letter-{letter_id}.pdf")

    @get("/letters/merged", media_type=PDF)
    async def merged(
        self,
        principal: Principal,
        services: Services,
        # Optional here so that a caller without a login hears 401 first; none is a 400.
        letter_ids: Annotated[
            list[UUID] | None,
            QueryParameter(name="id", max_items=MAX_MERGED_BY_ID),
        ] = None,
    ) -> Response[bytes]:
        """The chosen letters (``?id=..&id=..``) as one PDF to print; without ids, every
        letter not yet printed."""
        content = await BookingService(services).merged_pdf(principal, letter_ids or [])
        return _pdf(content, "letters.pdf")

    @post("/letters/printed", status_code=200)
    async def printed(self, principal: Principal, services: Services, data: LettersIn) -> MarkedOut:
        """Mark letters printed: they leave the tray (the seed's folder)."""
        marked = await BookingService(services).mark_printed(principal, data.letter_ids)
        return MarkedOut(marked=marked)

    @post("/sms", status_code=200)
    async def sms(self, principal: Principal, services: Services, data: OrdersIn) -> SmsBookingOut:
        """Book by SMS: the booking SMS for each order ready to print."""
        outcome = await BookingService(services).send_booking_sms(principal, data.order_ids)
        return SmsBookingOut(
            sent=[SentOut(**entry) for entry in outcome.done],
            refused=[refusal_out(entry) for entry in outcome.refused],
        )

    @get("/replies")
    async def replies(
        self, principal: Principal, services: Services, unhandled: bool = True
    ) -> list[ReplyOut]:
        """Residents' replies for the planner: by default those nobody has read yet."""
        rows = await BookingService(services).replies(principal, unhandled=unhandled)
        return [reply_out(r) for r in rows]

    @post("/replies/{reply_id:uuid}/handled", status_code=200)
    async def reply_handled(
        self, principal: Principal, services: Services, reply_id: UUID
    ) -> ReplyOut:
        return reply_out(await BookingService(services).mark_reply_handled(principal, reply_id))


class OrderBookingController(Controller):
    path = "/api/orders/{order_id:uuid}/booking"
    tags = ["booking"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def order_booking(
        self, principal: Principal, services: Services, order_id: UUID
    ) -> OrderBookingOut:
        """One order's booking: code, channel, letter, replies and booking SMS."""
        return order_booking_out(await BookingService(services).order_booking(principal, order_id))


class PublicReplyController(Controller):
    path = "/api/public/booking-replies"
    tags = ["booking"]

    @post("/", status_code=HTTP_202_ACCEPTED)
    async def reply(
        self, request: Request[Any, Any, Any], services: Services, data: PublicReplyIn
    ) -> ReceivedOut:
        """A resident's answer from the reply page. No login; the same answer whether or not
        the code exists; rate-limited per address and for everyone."""
        address = request_client_address(request, services.settings)
        await BookingService(services).web_reply(address, data.code, data.answer)
        return ReceivedOut()

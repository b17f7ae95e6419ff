"""HTTP routes of the intake area (issue 13): decode, call the intake service, encode.

The fault report's routes are public: rate-limited, and no answer names a customer or a lock.
The cases and the QR labels are the planners' (and administrators'); the service checks which
cases and locks each planner's company serves.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import Provide
from litestar.params import HeaderParameter, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from server.accounts.permissions import Principal
from server.context import Services
from server.intake.schemas import (
    MAX_REPORT_BODY_BYTES,
    CaseOut,
    CasePage,
    CloseIn,
    FaultReportIn,
    FollowOut,
    FormTokenOut,
    MadeOrderOut,
    MakeOrderIn,
    QrTokenIn,
    QrTokenOut,
    ReceiptOut,
)
from server.intake.service import IntakeService
from server.intake.views import case_out, case_summary_out, qr_token_out
from server.web import Limit, Offset, provide_principal, request_client_address

# Locks and customers named one by one in the labels' address: a day's work. More (every lock
# of a provider) is asked for by organisation_id; a longer address than this is refused by
# the HTTP server itself before the app could answer it in words.
MAX_NAMED_IN_QUERY = 100
# What the public answers hold (a case number, a secret) is the reporter's alone.
NO_STORE = {"Cache-Control": "no-store"}
FOLLOW_HEADER = "x-follow-secret"


class PublicFaultReportController(Controller):
    path = "/api/public/fault-reports"
    tags = ["intake"]

    @get("/form")
    async def form(self, services: Services) -> Response[FormTokenOut]:
        """The report form's token: a report is accepted with it after ``wait_seconds``."""
        return Response(FormTokenOut(**IntakeService(services).form()), headers=NO_STORE)

    @post("/", status_code=HTTP_202_ACCEPTED, request_max_body_size=MAX_REPORT_BODY_BYTES)
    async def report(
        self, request: Request[Any, Any, Any], services: Services, data: FaultReportIn
    ) -> Response[ReceiptOut]:
        """A fault report without login (seed 004): kept as a case for a planner to triage.
        Rate-limited per address and for everyone; the photo is re-encoded without its
        metadata. The answer is the case number and the secret of the follow link."""
        address = request_client_address(request, services.settings)
        receipt = await IntakeService(services).report(address, data)
        return Response(ReceiptOut(**receipt), status_code=HTTP_202_ACCEPTED, headers=NO_STORE)

    @get("/follow")
    async def follow(
        self,
        services: Services,
        secret: Annotated[
            str | None,
            HeaderParameter(
                name=FOLLOW_HEADER, description="The follow link's secret", required=False
            ),
        ] = None,
    ) -> Response[FollowOut]:
        """The report's status and the planner's answer. The secret travels in the
        ``X-Follow-Secret`` header, never in the address (logs, history, referrers)."""
        row = await IntakeService(services).follow(secret)
        return Response(FollowOut(**row), headers=NO_STORE)


class CaseController(Controller):
    path = "/api/cases"
    tags = ["intake"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_cases(
        self,
        principal: Principal,
        services: Services,
        status: Literal["new", "triaged", "closed"] | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> CasePage:
        """Fault reports for the planner, newest first (``status`` filters)."""
        total, rows = await IntakeService(services).cases(principal, status, limit, offset)
        return CasePage(
            total=total, limit=limit, offset=offset, items=[case_summary_out(r) for r in rows]
        )

    @get("/{case_id:uuid}")
    async def get_case(self, principal: Principal, services: Services, case_id: UUID) -> CaseOut:
        return case_out(await IntakeService(services).case(principal, case_id))

    @get("/{case_id:uuid}/photo", media_type="image/jpeg")
    async def photo(
        self, principal: Principal, services: Services, case_id: UUID
    ) -> Response[bytes]:
        """The reporter's photo as kept: a JPEG without metadata."""
        jpeg = await IntakeService(services).photo(principal, case_id)
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private"})

    @post("/{case_id:uuid}/close", status_code=200)
    async def close(
        self, principal: Principal, services: Services, case_id: UUID, data: CloseIn
    ) -> CaseOut:
        """Close the case with an answer; the reporter reads it through the follow link."""
        intake = IntakeService(services)
        await intake.close(principal, case_id, data.answer)
        return case_out(await intake.case(principal, case_id))

    @post("/{case_id:uuid}/order", status_code=201)
    async def make_order(
        self, principal: Principal, services: Services, case_id: UUID, data: MakeOrderIn
    ) -> MadeOrderOut:
        """An order from the case (origin fault_report); 409 ``order_exists`` when the lock has
        an open order of that kind already."""
        intake = IntakeService(services)
        made = await intake.make_order(principal, case_id, data)
        return MadeOrderOut(
            case=case_out(await intake.case(principal, case_id)),
            order_id=made["order_id"],
            order_reference=made["order_reference"],
        )


class QrTokenController(Controller):
    path = "/api/qr-tokens"
    tags = ["intake"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_tokens(
        self,
        principal: Principal,
        services: Services,
        lock_id: UUID | None = None,
        customer_id: UUID | None = None,
    ) -> list[QrTokenOut]:
        """The labels made for a lock or a customer's site, newest first."""
        rows = await IntakeService(services).qr_tokens(principal, lock_id, customer_id)
        return [qr_token_out(r) for r in rows]

    @post("/", status_code=201)
    async def make_token(
        self, principal: Principal, services: Services, data: QrTokenIn
    ) -> QrTokenOut:
        """A label's token for a lock or a customer's site: signed, revocable, no personal
        data in it."""
        row = await IntakeService(services).make_qr_token(principal, data.lock_id, data.customer_id)
        return qr_token_out(row)

    @delete("/{token_id:uuid}", status_code=204)
    async def revoke_token(self, principal: Principal, services: Services, token_id: UUID) -> None:
        """Revoke a label: reports that come with it are refused from now on."""
        await IntakeService(services).revoke_qr_token(principal, token_id)


class QrLabelController(Controller):
    path = "/api/qr-labels.pdf"
    tags = ["intake"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/", media_type="application/pdf")
    async def labels(
        self,
        principal: Principal,
        services: Services,
        # Optional, so that a caller without a login hears 401 first.
        lock_ids: Annotated[
            list[UUID] | None, QueryParameter(name="lock_id", max_items=MAX_NAMED_IN_QUERY)
        ] = None,
        customer_ids: Annotated[
            list[UUID] | None, QueryParameter(name="customer_id", max_items=MAX_NAMED_IN_QUERY)
        ] = None,
        organisation_id: UUID | None = None,
    ) -> Response[bytes]:
        """A4 sheets of QR labels (3 × 8): the locks named (``lock_id``, repeatable), the
        locks of the customers named (``customer_id``), or of an organisation's customers."""
        pdf = await IntakeService(services).labels_pdf(
            principal, lock_ids or [], customer_ids or [], organisation_id
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": 'inline; filename="qr-labels.pdf"',
                "Cache-Control": "private, no-store",
            },
        )

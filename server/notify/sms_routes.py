"""The SMS provider's callbacks: delivery receipts and inbound messages (46elks).

No login: the provider presents the callback secret (``server.notify.sms``). Both answer
204 with an empty body once the callback is stored (or was stored before): 46elks sends a
non-empty answer to an inbound SMS back to the resident as a reply, which must never happen.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.status_codes import HTTP_204_NO_CONTENT

from server.booking.service import BookingService
from server.context import Services
from server.notify import sms, sms_service
from server.notify.elks import callback_secret


async def _authorised_form(request: Request[Any, Any, Any], services: Services) -> dict[str, str]:
    sms.require_authorised(
        callback_secret(services.settings, services.box),
        request.headers.get("authorization", ""),
        request.query_params.get("secret", ""),
    )
    form = await request.form()
    return sms.single_values((str(k), str(v)) for k, v in form.multi_items())


class SmsCallbackController(Controller):
    path = "/api/sms/46elks"
    tags = ["notifications"]

    @post("/delivery", status_code=HTTP_204_NO_CONTENT)
    async def delivery(self, request: Request[Any, Any, Any], services: Services) -> None:
        """A delivery receipt for an SMS we sent (``whendelivered``)."""
        receipt = sms.parse_delivery(await _authorised_form(request, services))
        await sms_service.record_delivery(services.engine, receipt, services.clock.now())

    @post("/inbound", status_code=HTTP_204_NO_CONTENT)
    async def inbound(self, request: Request[Any, Any, Any], services: Services) -> None:
        """An SMS sent to our number (the number's ``sms_url``); kept, once per id, and read
        as a resident's answer to a booking (seed 002) in the same transaction."""
        message = sms.parse_inbound(await _authorised_form(request, services))
        await BookingService(services).inbound_sms(message)

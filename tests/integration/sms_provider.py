"""A fake 46elks on loopback, strict about what it receives, and calling us back like 46elks.

- ``POST /a1/sms``: checks HTTP Basic auth (the API user and password), that the body is a
  form with exactly the documented fields (``from``, ``to``, ``message``, ``whendelivered``),
  ``to`` in E.164 and ``from`` the configured sender; answers like 46elks (JSON with ``id``,
  ``status`` ``created`` ...). It can be told to answer the next requests with an error.
- Delivery receipts: :meth:`send_receipts` POSTs ``id``, ``status`` and ``delivered`` (UTC,
  46elks's format) to each message's ``whendelivered`` URL, with the Basic credentials that
  URL carries, as 46elks does.
- Inbound SMS: :meth:`send_inbound` POSTs ``id``, ``from``, ``to``, ``message``,
  ``direction`` and ``created`` to a number's ``sms_url``.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web

from tests.integration.loopback import LoopbackService

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SEND_FIELDS = {"from", "to", "message", "whendelivered"}


def elks_time(moment: datetime) -> str:
    """46elks writes UTC without an offset: 2018-07-13T13:57:23.741000."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


@dataclass
class Sent:
    id: str
    form: dict[str, str]


@dataclass
class Callback:
    url: str
    form: dict[str, str]
    status: int
    body: bytes


@dataclass
class FakeElks(LoopbackService):
    username: str = "u0123456789abcdef"
    password: str = field(default_factory=lambda: secrets.token_hex(16))
    sender: str = "+46766861004"
    port: int = 0
    sent: list[Sent] = field(default_factory=list)  # accepted messages
    requests: int = 0  # every send request, accepted or not
    rejected: list[str] = field(default_factory=list)  # what was wrong with refused ones
    answers: list[int] = field(default_factory=list)  # statuses to answer the next sends with
    callbacks: list[Callback] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/a1"

    def _check_auth(self, header: str) -> str | None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return "no Basic auth"
        user, _, password = base64.b64decode(value).decode().partition(":")
        if (user, password) != (self.username, self.password):
            return "wrong API user or password"
        return None

    async def _send(self, request: web.Request) -> web.Response:
        self.requests += 1
        problem = self._check_auth(request.headers.get("Authorization", ""))
        if problem:
            self.rejected.append(problem)
            return web.Response(status=401, text="Authorization required")
        if request.content_type != "application/x-www-form-urlencoded":
            self.rejected.append(f"content type {request.content_type}")
            return web.Response(status=400, text="Expected a form")
        posted = await request.post()
        form = {k: str(v) for k, v in posted.items()}
        unknown = set(form) - SEND_FIELDS
        if unknown or len(posted) != len(form):
            self.rejected.append(f"unexpected fields {sorted(unknown)}")
            return web.Response(status=400, text="Unknown parameter")
        if not E164.fullmatch(form.get("to", "")):
            self.rejected.append("to is not E.164")
            return web.Response(status=400, text="Invalid to number")
        if form.get("from") != self.sender:
            self.rejected.append("from is not the account's sender")
            return web.Response(status=403, text="Invalid from")
        if not form.get("message"):
            self.rejected.append("empty message")
            return web.Response(status=400, text="Missing message")
        if self.answers:
            status = self.answers.pop(0)
            return web.Response(status=status, text="Temporary failure")
        sms_id = "s" + secrets.token_hex(16)
        self.sent.append(Sent(sms_id, form))
        now = elks_time(datetime.now(UTC))
        return web.json_response(
            {
                "status": "created",
                "direction": "outgoing",
                "from": form["from"],
                "created": now,
                "parts": 1,
                "to": form["to"],
                "cost": 3500,
                "message": form["message"],
                "id": sms_id,
            }
        )

    async def _post_callback(self, url: str, form: dict[str, str]) -> Callback:
        parts = urlsplit(url)
        headers = (
            {"Authorization": aiohttp.encode_basic_auth(parts.username, parts.password or "")}
            if parts.username
            else {}
        )
        bare = urlunsplit(
            (parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, "")
        )
        async with (
            aiohttp.ClientSession() as session,
            session.post(bare, data=form, headers=headers) as response,
        ):
            callback = Callback(url, form, response.status, await response.read())
        self.callbacks.append(callback)
        return callback

    async def send_receipts(
        self, status: str = "delivered", *, at: datetime | None = None
    ) -> list[Callback]:
        """A receipt for every accepted message, to its ``whendelivered`` URL."""
        done = []
        for message in self.sent:
            form = {"id": message.id, "status": status}
            if status == "delivered":
                form["delivered"] = elks_time(at or datetime.now(UTC))
            done.append(await self._post_callback(message.form["whendelivered"], form))
        return done

    async def send_inbound(
        self,
        sms_url: str,
        message: str,
        *,
        sender: str = "+46701234567",
        sms_id: str | None = None,
        at: datetime | None = None,
    ) -> Callback:
        """An SMS from ``sender`` to our number, POSTed to its ``sms_url``."""
        form = {
            "direction": "incoming",
            "id": sms_id or "s" + secrets.token_hex(16),
            "from": sender,
            "to": self.sender,
            "created": elks_time(at or datetime.now(UTC)),
            "message": message,
        }
        return await self._post_callback(sms_url, form)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/a1/sms", self._send)


def configured(settings: Any, fake: FakeElks, public_url: str) -> Any:
    """The app's settings pointed at the fake provider, with our address for callbacks."""
    import msgspec

    return msgspec.structs.replace(
        settings,
        sms_api_url=fake.api_url,
        sms_username=fake.username,
        sms_password=fake.password,
        sms_sender=fake.sender,
        public_url=public_url,
    )

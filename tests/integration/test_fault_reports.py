"""Fault reports without login, the planners' triage and the QR labels (issue 13; seeds 003 and
004), over HTTP on SQLite and PostgreSQL: an anonymous report becomes a case, never an order
by itself; a planner makes an order from it or closes it with an answer the reporter reads; a
label's token altered to reach another lock, or revoked, is refused; a flood from one address
is cut off while another address still gets through; a photo comes out without its GPS; and
nothing said to the public names a customer or a lock.
"""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from PIL import Image
from pypdf import PdfReader

from tests.conftest import api_client
from tests.integration.world import make_world

pytestmark = pytest.mark.asyncio

REPORTS = "/api/public/fault-reports"
FOLLOW_HEADER = "X-Follow-Secret"
GPS_IFD = 0x8825


async def form_token(client: Any, clock: Any) -> str:
    """The page's form token, made old enough to be accepted (the clock moves on)."""
    answer = await client.get(f"{REPORTS}/form")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    clock.set(clock.now() + timedelta(seconds=body["wait_seconds"] + 1))
    return body["form_token"]


def report_body(token: str, **extra: Any) -> dict[str, Any]:
    return {
        "form_token": token,
        "text": "Låset piper och dörren går inte att öppna med telefonen.",
        "name": "Anna Andersson",
        "phone": "070-123 45 67",
        "relation": "relative",
        **extra,
    }


async def send_report(client: Any, token: str, *, address: str | None = None, **extra: Any) -> Any:
    headers = {"X-Forwarded-For": address} if address else {}
    return await client.post(REPORTS, json=report_body(token, **extra), headers=headers)


async def follow(client: Any, secret: str) -> Any:
    return await client.get(f"{REPORTS}/follow", headers={FOLLOW_HEADER: secret})


async def qr_token(client: Any, actor: Any, **target: str) -> dict[str, Any]:
    answer = await client.post("/api/qr-tokens", json=target, headers=actor.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def photo_with_gps(size: tuple[int, int] = (640, 480)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (59.0, 51.0, 30.0), 3: "E", 4: (17.0, 38.0, 10.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


async def test_an_anonymous_report_is_triaged_into_an_order(client, world, clock) -> None:
    """Seed 004: reported on the web without login; a case, not an order, until a planner of
    the company that serves the customer makes one; the reporter follows it by the link."""
    lock_a = world.ids["lock_a"]
    token = await qr_token(client, world["planner_1"], lock_id=lock_a)
    assert token["url"].endswith(f"/f#t={token['token']}")
    orders_before = (await client.get("/api/orders", headers=world["admin"].headers)).json()
    form = await form_token(client, clock)
    sent = await send_report(client, form, qr_token=token["token"], email="anna@example.org")
    assert sent.status_code == 202, sent.text
    receipt = sent.json()
    assert set(receipt) == {"number", "follow_secret", "follow_path"}
    assert receipt["number"] == "F-2026-000001"
    assert receipt["follow_path"] == f"/f#follow={receipt['follow_secret']}"
    assert sent.headers["cache-control"] == "no-store"
    # The receipt says nothing about the lock or the customer the label belongs to.
    for secret_word in ("LW-00A1", "Customer A", "Storgatan", lock_a, world.ids["customer_a"]):
        assert secret_word not in sent.text
    # Never an order by itself.
    orders_after = (await client.get("/api/orders", headers=world["admin"].headers)).json()
    assert orders_after["total"] == orders_before["total"]

    followed = await follow(client, receipt["follow_secret"])
    assert followed.status_code == 200
    assert followed.json() == {"number": receipt["number"], "status": "new", "answer": ""}

    planner = world["planner_1"]
    listed = await client.get("/api/cases", params={"status": "new"}, headers=planner.headers)
    assert listed.status_code == 200
    (summary,) = listed.json()["items"]
    assert summary["number"] == receipt["number"]
    assert summary["from_qr"] and summary["lock_serial"] == "LW-00A1"
    case = (await client.get(f"/api/cases/{summary['id']}", headers=planner.headers)).json()
    assert case["customer"]["id"] == world.ids["customer_a"]
    assert case["lock"]["id"] == lock_a
    assert [lock["id"] for lock in case["customer_locks"]] == [lock_a]
    assert case["reporter"] == {
        "name": "Anna Andersson",
        "phone": "070-123 45 67",
        "email": "anna@example.org",
        "relation": "relative",
    }
    assert case["allowed_actions"] == ["make_order", "close"]

    # The lock has an open service order (the world's order_a): said to the planner, and the
    # case stays as it was.
    refused = await client.post(
        f"/api/cases/{case['id']}/order",
        json={"kind": "service", "customer_id": world.ids["customer_a"], "lock_id": lock_a},
        headers=planner.headers,
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "order_exists"
    assert "message_sv" in refused.json()
    still = (await client.get(f"/api/cases/{case['id']}", headers=planner.headers)).json()
    assert still["status"] == "new" and still["order"] is None

    made = await client.post(
        f"/api/cases/{case['id']}/order",
        json={
            "kind": "battery",
            "customer_id": world.ids["customer_a"],
            "lock_id": lock_a,
            "answer": "En låsmontör ringer dig inom några dagar.",
        },
        headers=planner.headers,
    )
    assert made.status_code == 201, made.text
    order_id = made.json()["order_id"]
    assert made.json()["case"]["status"] == "triaged"
    assert made.json()["case"]["order"] == {
        "id": order_id,
        "reference": made.json()["order_reference"],
    }
    order = (await client.get(f"/api/orders/{order_id}", headers=planner.headers)).json()
    assert order["status"] == "ordered" and order["kind"] == "battery"
    assert order["lock_id"] == lock_a
    assert receipt["number"] in order["description"]
    assert "Anna Andersson" in order["description"]
    assert "Låset piper" in order["description"]
    # Placed like any new order: with a fitter, or in the planner's queue.
    if order["assigned_fitter_id"] is None:
        queue = await client.get(
            "/api/orders", params={"unassigned": "true"}, headers=planner.headers
        )
        assert order_id in {o["id"] for o in queue.json()["items"]}
    # The reporter sees the status and the word from the planner, nothing of the order.
    followed = await follow(client, receipt["follow_secret"])
    assert followed.json() == {
        "number": receipt["number"],
        "status": "triaged",
        "answer": "En låsmontör ringer dig inom några dagar.",
    }
    # No second order from the same case.
    again = await client.post(
        f"/api/cases/{case['id']}/order",
        json={"kind": "inspection", "customer_id": world.ids["customer_a"]},
        headers=planner.headers,
    )
    assert again.status_code == 409 and again.json()["code"] == "case_refused"

    closed = await client.post(
        f"/api/cases/{case['id']}/close",
        json={"answer": "Batteriet är bytt. Hör av dig om det krånglar igen."},
        headers=planner.headers,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_by_name"] == "Planner_1"
    followed = await follow(client, receipt["follow_secret"])
    assert followed.json()["status"] == "closed"
    assert followed.json()["answer"] == "Batteriet är bytt. Hör av dig om det krånglar igen."
    # The numbers run on.
    second = await send_report(client, form)
    assert second.json()["number"] == "F-2026-000002"


async def test_a_case_closed_with_an_answer_and_no_order(client, world, clock) -> None:
    form = await form_token(client, clock)
    receipt = (await send_report(client, form)).json()
    planner = world["planner_2"]
    (case,) = (await client.get("/api/cases", headers=planner.headers)).json()["items"]
    assert case["customer_name"] is None and not case["from_qr"]
    empty = await client.post(
        f"/api/cases/{case['id']}/close", json={"answer": "  "}, headers=planner.headers
    )
    assert empty.status_code == 400 and empty.json()["field"] == "answer"
    closed = await client.post(
        f"/api/cases/{case['id']}/close",
        json={"answer": "Låset sköts av fastighetsägaren. Ring dem på 018-10 10 10."},
        headers=planner.headers,
    )
    assert closed.status_code == 200
    assert (await follow(client, receipt["follow_secret"])).json()["status"] == "closed"
    for action, body in (
        ("close", {"answer": "Igen"}),
        ("order", {"kind": "service", "customer_id": world.ids["customer_b"]}),
    ):
        refused = await client.post(
            f"/api/cases/{case['id']}/{action}", json=body, headers=planner.headers
        )
        assert refused.status_code == 409 and refused.json()["code"] == "case_refused"


async def test_the_follow_link_is_the_only_key(client, world, clock) -> None:
    form = await form_token(client, clock)
    receipt = (await send_report(client, form)).json()
    secret = receipt["follow_secret"]
    # A wrong, a truncated, an absent secret: 404 alike; the secret is never read from the URL.
    for headers in (
        {FOLLOW_HEADER: secret[:-1] + ("A" if secret[-1] != "A" else "B")},
        {FOLLOW_HEADER: secret[:20]},
        {},
    ):
        answer = await client.get(f"{REPORTS}/follow", headers=headers)
        assert answer.status_code == 404, headers
    in_query = await client.get(f"{REPORTS}/follow", params={"secret": secret})
    assert in_query.status_code == 404
    from server.intake.tables import FaultCase

    stored = await FaultCase.select(FaultCase.follow_hash).first()
    assert stored is not None and secret not in stored["follow_hash"]
    assert len(stored["follow_hash"]) == 64


async def test_an_altered_or_revoked_label_is_refused(client, world, clock) -> None:
    token_a = await qr_token(client, world["planner_1"], lock_id=world.ids["lock_a"])
    token_b = await qr_token(client, world["planner_2"], lock_id=world.ids["lock_b"])
    id_a, mac_a = token_a["token"].split(".")
    id_b, mac_b = token_b["token"].split(".")
    form = await form_token(client, clock)
    # Lock A's label altered to reach lock B: B's token id under A's signature, and the other
    # way round, and a signature with one character changed.
    flipped = mac_a[:-1] + ("A" if mac_a[-1] != "A" else "B")
    for altered in (f"{id_b}.{mac_a}", f"{id_a}.{mac_b}", f"{id_a}.{flipped}", id_a, "x"):
        refused = await send_report(client, form, qr_token=altered)
        assert refused.status_code == 400, altered
        assert refused.json()["code"] == "qr_token_invalid"
        assert "LW-00" not in refused.text
    # The row made to point at lock B: its signature no longer matches.
    from server.intake.tables import FaultCase, QrToken

    await QrToken.update({QrToken.lock: world.ids["lock_b"]}).where(QrToken.id == token_a["id"])
    tampered = await send_report(client, form, qr_token=token_a["token"])
    assert tampered.status_code == 400 and tampered.json()["code"] == "qr_token_invalid"
    await QrToken.update({QrToken.lock: world.ids["lock_a"]}).where(QrToken.id == token_a["id"])
    accepted = await send_report(client, form, qr_token=token_a["token"])
    assert accepted.status_code == 202, accepted.text
    # Revoked: refused from then on, with the same answer as a forged one.
    revoked = await client.delete(
        f"/api/qr-tokens/{token_a['id']}", headers=world["planner_1"].headers
    )
    assert revoked.status_code == 204
    after = await send_report(client, form, qr_token=token_a["token"])
    assert after.status_code == 400 and after.json() == refused.json()
    assert await FaultCase.count() == 1
    listed = await client.get(
        "/api/qr-tokens",
        params={"lock_id": world.ids["lock_a"]},
        headers=world["planner_1"].headers,
    )
    assert [t["revoked_at"] is not None for t in listed.json()] == [True]


async def test_the_form_token_and_the_honeypot(client, world, clock) -> None:
    answer = await client.get(f"{REPORTS}/form")
    token = answer.json()["form_token"]
    too_fast = await send_report(client, token)
    assert too_fast.status_code == 400 and too_fast.json()["code"] == "form_too_fast"
    clock.set(clock.now() + timedelta(seconds=answer.json()["wait_seconds"]))
    assert (await send_report(client, token)).status_code == 202
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (forged, "", "1.2.3"):
        refused = await send_report(client, bad)
        assert refused.status_code == 400 and refused.json()["code"] == "form_invalid"
    clock.set(clock.now() + timedelta(hours=25))
    expired = await send_report(client, token)
    assert expired.status_code == 400 and expired.json()["code"] == "form_expired"
    fresh = await form_token(client, clock)
    trapped = await send_report(client, fresh, homepage="http://spam.example")
    assert trapped.status_code == 400 and trapped.json()["code"] == "report_refused"
    # What a person must give: the text, a name and a way to reach them.
    for extra, field in (
        ({"name": " "}, "name"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "ring mig"}, "phone"),
        ({"phone": "", "email": "anna@"}, "email"),
        ({"text": "   "}, "text"),
    ):
        refused = await send_report(client, fresh, **extra)
        assert refused.status_code == 400, extra
        assert refused.json()["field"] == field, extra
    from server.intake.tables import FaultCase

    assert await FaultCase.count() == 1


async def test_a_photo_comes_out_without_its_gps(client, world, clock) -> None:
    sent = photo_with_gps()
    with Image.open(io.BytesIO(sent)) as original:
        assert original.getexif().get_ifd(GPS_IFD)  # the phone's photo said where it was
    form = await form_token(client, clock)
    answer = await send_report(client, form, photo=base64.b64encode(sent).decode())
    assert answer.status_code == 202, answer.text
    planner = world["planner_1"]
    (case,) = (await client.get("/api/cases", headers=planner.headers)).json()["items"]
    assert case["has_photo"]
    detail = (await client.get(f"/api/cases/{case['id']}", headers=planner.headers)).json()
    assert detail["photo"] == {"width": 640, "height": 480, "url": f"/api/cases/{case['id']}/photo"}
    photo = await client.get(detail["photo"]["url"], headers=planner.headers)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in photo.content and b"PhoneMaker" not in photo.content
    with Image.open(io.BytesIO(photo.content)) as kept:
        assert kept.format == "JPEG"
        assert dict(kept.getexif()) == {}
        assert "exif" not in kept.info
    # Not a photo, or too large: refused with what to do, nothing kept.
    for data in (b"%PDF-1.4 not a photo", b"\xff" * (4 * 1024 * 1024 + 1)):
        refused = await send_report(client, form, photo=base64.b64encode(data).decode())
        assert refused.status_code == 400, refused.text
    from server.intake.tables import FaultCase

    assert await FaultCase.count() == 1


@pytest.fixture
async def proxied(settings, clock):
    from server.app import create_app

    # The test client is the proxy: X-Forwarded-For names the reporter's address.
    app_settings = msgspec.structs.replace(settings, trusted_proxies="127.0.0.1")
    async with api_client(create_app(app_settings, clock=clock)) as client:
        yield client


FLOOD = 1000


async def test_a_flood_from_one_address_is_cut_off_and_others_get_through(proxied, clock) -> None:
    await make_world()
    client = proxied
    per_address = client.app.state["services"].settings.fault_reports_per_address
    form = await form_token(client, clock)
    statuses = [
        (await send_report(client, form, address="203.0.113.7")).status_code for _ in range(FLOOD)
    ]
    assert statuses == [202] * per_address + [429] * (FLOOD - per_address)
    last = await send_report(client, form, address="203.0.113.7")
    assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0
    assert "ring" in last.json()["message_sv"]
    # Another address is not held back by the first one's flood.
    other = await send_report(client, form, address="198.51.100.9")
    assert other.status_code == 202, other.text
    from server.intake.tables import FaultCase

    assert await FaultCase.count() == per_address + 1


async def test_everyone_together_is_bounded(settings, clock) -> None:
    from server.app import create_app

    app_settings = msgspec.structs.replace(
        settings, trusted_proxies="127.0.0.1", fault_reports_global=5
    )
    async with api_client(create_app(app_settings, clock=clock)) as client:
        await make_world()
        form = await form_token(client, clock)
        statuses = [
            (await send_report(client, form, address=f"192.0.2.{n}")).status_code for n in range(7)
        ]
        assert statuses == [202] * 5 + [429] * 2
        # A window later the page takes reports again.
        clock.set(clock.now() + timedelta(minutes=app_settings.fault_report_window_minutes))
        assert (await send_report(client, form, address="192.0.2.99")).status_code == 202


PLANNERS = {"admin", "planner_1", "planner_2"}
ACTORS = [
    "admin",
    "orderer_a",
    "orderer_b",
    "planner_1",
    "planner_2",
    "fitter_1",
    "fitter_1b",
    "fitter_2",
]


async def test_who_sees_and_handles_cases_and_labels(client, world, clock) -> None:
    """Every actor of the world on every new route. A case of customer A is its servers'
    (planner_1, admin); a case without a known customer is every planner's."""
    token_a = await qr_token(client, world["planner_1"], lock_id=world.ids["lock_a"])
    site_b = await qr_token(client, world["planner_2"], customer_id=world.ids["customer_b"])
    form = await form_token(client, clock)
    photo = base64.b64encode(photo_with_gps((64, 48))).decode()
    await send_report(client, form, qr_token=token_a["token"], photo=photo)
    await send_report(client, form, qr_token=site_b["token"], photo=photo)
    await send_report(client, form, photo=photo)
    admin_cases = (await client.get("/api/cases", headers=world["admin"].headers)).json()
    by_customer = {c["customer_name"]: c["id"] for c in admin_cases["items"]}
    case_a, case_b, case_none = (
        by_customer["Customer A"],
        by_customer["Customer B"],
        by_customer[None],
    )
    sees = {
        case_a: {"admin", "planner_1"},
        case_b: {"admin", "planner_2"},
        case_none: PLANNERS,
    }
    for name in ACTORS:
        headers = world[name].headers
        listed = await client.get("/api/cases", headers=headers)
        assert listed.status_code == (200 if name in PLANNERS else 403), name
        if name in PLANNERS:
            got = {c["id"] for c in listed.json()["items"]}
            assert got == {c for c, who in sees.items() if name in who}, name
            assert listed.json()["total"] == len(got)
        for case_id, who in sees.items():
            expected = 200 if name in who else 404 if name in PLANNERS else 403
            for path in (f"/api/cases/{case_id}", f"/api/cases/{case_id}/photo"):
                answer = await client.get(path, headers=headers)
                assert answer.status_code == expected, (name, path)
            if name not in who:
                # Changes: the same answers, and nothing changes.
                close = await client.post(
                    f"/api/cases/{case_id}/close", json={"answer": "Nej"}, headers=headers
                )
                assert close.status_code == expected, name
                order = await client.post(
                    f"/api/cases/{case_id}/order",
                    json={"kind": "inspection", "customer_id": world.ids["customer_a"]},
                    headers=headers,
                )
                assert order.status_code == close.status_code, name
        # QR tokens: the planners of the company that serves the customer (and admins);
        # a lock in stock is every planner's; others are refused.
        for target, who in (
            ({"lock_id": world.ids["lock_a"]}, {"admin", "planner_1"}),
            ({"customer_id": world.ids["customer_b"]}, {"admin", "planner_2"}),
            ({"lock_id": world.ids["lock_stock"]}, PLANNERS),
        ):
            made = await client.post("/api/qr-tokens", json=target, headers=headers)
            expected = 201 if name in who else 404 if name in PLANNERS else 403
            assert made.status_code == expected, (name, target, made.text)
            listed = await client.get("/api/qr-tokens", params=target, headers=headers)
            assert listed.status_code == (200 if expected == 201 else expected), (name, target)
            labels = await client.get("/api/qr-labels.pdf", params=target, headers=headers)
            assert labels.status_code == (200 if expected == 201 else expected), (name, target)
        revoke = await client.delete(f"/api/qr-tokens/{token_a['id']}", headers=headers)
        if name not in {"admin", "planner_1"}:
            assert revoke.status_code == (404 if name in PLANNERS else 403), name
    # A planner of another company cannot make an order for customer A from a case they see.
    foreign = await client.post(
        f"/api/cases/{case_none}/order",
        json={"kind": "inspection", "customer_id": world.ids["customer_a"]},
        headers=world["planner_2"].headers,
    )
    assert foreign.status_code == 400 and foreign.json()["field"] == "customer_id"
    wrong_lock = await client.post(
        f"/api/cases/{case_none}/order",
        json={
            "kind": "inspection",
            "customer_id": world.ids["customer_a"],
            "lock_id": world.ids["lock_b"],
        },
        headers=world["planner_1"].headers,
    )
    assert wrong_lock.status_code == 400 and wrong_lock.json()["field"] == "lock_id"
    from server.intake.tables import FaultCase

    assert await FaultCase.count().where(FaultCase.status == "new") == 3


async def test_a_sheet_of_labels(client, world, clock) -> None:
    from server.customers.tables import Customer
    from server.intake.tables import QrToken
    from server.locks.tables import Lock

    # A second lock at customer A (a building's entrance) and a site without a lock.
    entrance = Lock(
        serial="LW-00A2",
        model="D1",
        kind="entrance",
        state="installed",
        customer=world.ids["customer_a"],
    )
    await entrance.save()
    site = Customer(provider=world.ids["provider_a"], name="Site C", street_address="Gatan 3")
    await site.save()
    planner = world["planner_1"]
    old = await qr_token(client, planner, lock_id=world.ids["lock_a"])
    await client.delete(f"/api/qr-tokens/{old['id']}", headers=planner.headers)
    answer = await client.get(
        "/api/qr-labels.pdf",
        params={"customer_id": [world.ids["customer_a"], str(site.id)]},
        headers=planner.headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "private, no-store"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert "LW-00A1" in text and "LW-00A2" in text and "Fel på låset?" in text
    assert "Customer A" not in text and "Storgatan" not in text and "Site C" not in text
    # One new token for each lock and for the site; the revoked one is not printed again.
    tokens = await QrToken.select().where(QrToken.revoked_at.is_null())
    assert {str(t["lock"] or t["customer"]) for t in tokens} == {
        world.ids["lock_a"],
        str(entrance.id),
        str(site.id),
    }
    # Printing again uses the same tokens (a label printed twice is the same label).
    await client.get(
        "/api/qr-labels.pdf",
        params={"organisation_id": world.ids["provider_a"]},
        headers=planner.headers,
    )
    assert await QrToken.count().where(QrToken.revoked_at.is_null()) == 3
    # Every label of the organisation's customers works on the report page.
    form = await form_token(client, clock)
    for row in tokens:
        made = await client.get(
            "/api/qr-tokens",
            params={"lock_id": str(row["lock"])}
            if row["lock"]
            else {"customer_id": str(row["customer"])},
            headers=planner.headers,
        )
        (active,) = [t for t in made.json() if t["revoked_at"] is None]
        sent = await send_report(client, form, qr_token=active["token"])
        assert sent.status_code == 202, sent.text
    other = await client.get(
        "/api/qr-labels.pdf",
        params={"organisation_id": world.ids["provider_b"]},
        headers=planner.headers,
    )
    assert other.status_code == 404
    nothing = await client.get("/api/qr-labels.pdf", headers=planner.headers)
    assert nothing.status_code == 400


async def test_reports_at_the_same_moment_get_distinct_numbers_and_exact_limits(
    proxied, clock
) -> None:
    """The number and the limits are decided one report at a time (SQLite's writer lock, an
    advisory lock on PostgreSQL): reports sent all at once from one address get numbers 1..n
    without a gap or a twin, and exactly the limit is taken."""
    import asyncio

    await make_world()
    client = proxied
    per_address = client.app.state["services"].settings.fault_reports_per_address
    form = await form_token(client, clock)
    answers = await asyncio.gather(
        *(send_report(client, form, address="203.0.113.50") for _ in range(per_address + 15))
    )
    accepted = [a.json()["number"] for a in answers if a.status_code == 202]
    assert sorted(a.status_code for a in answers) == [202] * per_address + [429] * 15
    assert sorted(accepted) == [f"F-2026-{n:06d}" for n in range(1, per_address + 1)]


async def test_the_report_page_is_served_apart_from_the_app(client) -> None:
    page = await client.get("/f", headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'src="/f/report.js"' in page.text
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    for name in ("report.js", "report.css"):
        assert (await client.get(f"/f/{name}")).status_code == 200
    for name in ("index.html", "..%2Fsw.js", "report.txt"):
        assert (await client.get(f"/f/{name}")).status_code == 404, name
    worker = (await client.get("/sw.js")).text
    assert "/report/" not in worker and "/reply/" not in worker

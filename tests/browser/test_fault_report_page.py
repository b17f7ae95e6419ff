"""The public fault report (/f, issue 13, seeds 003 and 004) on an old phone's screen
(360x740), without an account, in real Chromium against a live server with the demo data: a
report from a lock's QR label with a photo, the receipt with its case number and follow link,
the follow link showing the status and the planner's answer; what is missing said next to its
field; a label that is no longer valid; the rate limit's answer in words; the three languages;
200 % text and 44 px targets. Screenshots and axe-core on each state; what the page did is
checked through the server's own API.

What the test does in place of the world: the photo is a JPEG made here with a GPS position
in its EXIF (a phone's camera would put one there); the rate limit is the server's answer 429
given by a route in the browser (the limit itself is the server's, tested in
tests/integration/test_fault_reports.py); the planner's answer is an API call of their own.
"""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.browser.harness import PHONE, World, check_screen, new_phone
from tests.browser.test_text_size import (
    LAYOUT_PROBLEMS,
    SMALL_TARGETS,
    TAP_MIN_PX,
    large_text,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

REPORTS = "/api/public/fault-reports"
GPS_IFD = 0x8825
# The page waits until its form token is old enough (LOCKWORK_FAULT_REPORT_MIN_SECONDS, 3 s by
# default) before it sends: the receipt may take that long and a loaded machine's more.
RECEIPT_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def world(sqlite_server: Any) -> World:
    return World.of(sqlite_server.url)


def a_lock(world: World) -> dict[str, Any]:
    """One of the demo's installed locks (home-care staff see their customers' locks)."""
    locks = world.orderer.get("/api/locks/", limit=200)["items"]
    return next(lock for lock in locks if lock["customer_id"])


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 900), (180, 40, 40))
    image.paste((30, 30, 160), (0, 0, 600, 225))
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (59.0, 51.0, 30.0), 3: "E", 4: (17.0, 38.0, 10.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def open_page(browser: Any, url: str) -> Any:
    """A fresh phone (no session, nothing cached) on the report page."""
    phone = new_phone(browser)
    phone.page.goto(url)
    expect(phone.page.locator("h1:visible")).to_be_visible()
    return phone


def fill_contact(page: Any, name: str = "Anna Andersson", phone: str = "070-123 45 67") -> None:
    page.get_by_label("Namn").fill(name)
    page.get_by_label("Jag är").select_option("relative")
    page.get_by_label("Telefon").fill(phone)


def test_the_page_is_small_public_and_strict(sqlite_server: Any) -> None:
    """Served without login, under the app's CSP (no inline script or style), with nothing of
    the app in it, and never precached by the app's service worker."""
    page = httpx.get(sqlite_server.url + "/f", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert 'src="/f/report.js"' in page.text and 'href="/f/report.css"' in page.text
    assert "main.js" not in page.text and "manifest" not in page.text
    for name, kind in (("report.js", "javascript"), ("report.css", "css")):
        asset = httpx.get(f"{sqlite_server.url}/f/{name}")
        assert asset.status_code == 200 and kind in asset.headers["content-type"]
    assert httpx.get(f"{sqlite_server.url}/f/index.txt").status_code == 404
    worker = httpx.get(sqlite_server.url + "/sw.js").text
    assert "/report/" not in worker


def test_a_report_from_a_label_with_a_photo_and_its_follow_link(
    world: World, sqlite_server: Any, browser: Any
) -> None:
    server = sqlite_server.url
    lock = a_lock(world)
    label = world.planner.post("/api/qr-tokens", {"lock_id": lock["id"]})
    assert label["url"].endswith(f"/f#t={label['token']}")
    phone = open_page(browser, f"{server}/f#t={label['token']}")
    page = phone.page
    expect(page.get_by_role("heading", name="Felanmälan av lås", level=1)).to_be_visible()
    # The page says a label's code goes with the report, and nothing about the lock.
    expect(page.get_by_test_id("report-from-label")).to_be_visible()
    assert lock["serial"] not in page.content()
    page.get_by_label("Vad har hänt?").fill("Låset piper hela tiden och dörren går trögt.")
    page.get_by_label("Foto (om du vill)").set_input_files(
        files=[{"name": "dorren.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}]
    )
    expect(page.get_by_test_id("photo-preview")).to_be_visible()
    fill_contact(page)
    check_screen(page, "report-page-filled")
    page.get_by_role("button", name="Skicka felanmälan").click()
    receipt = page.get_by_test_id("report-receipt")
    expect(receipt).to_be_visible(timeout=RECEIPT_TIMEOUT_MS)
    expect(receipt).to_be_focused()
    number = page.get_by_test_id("receipt-number").inner_text()
    assert re.fullmatch(r"F-\d{4}-\d{6}", number), number
    link = page.get_by_test_id("follow-link")
    follow_url = link.get_attribute("href")
    assert follow_url.startswith(f"{server}/f#follow=")
    check_screen(page, "report-receipt")
    page.get_by_test_id("copy-link").click()
    expect(page.get_by_test_id("copied")).not_to_be_empty()
    # The page registered no service worker and kept nothing of the app.
    workers = page.evaluate("navigator.serviceWorker.getRegistrations().then((r) => r.length)")
    assert workers == 0
    assert phone.errors == []
    phone.close()

    # The planner's side: the case names the lock (from the label) and its photo has no EXIF.
    (case,) = [c for c in world.planner.get("/api/cases")["items"] if c["number"] == number]
    assert case["from_qr"] and case["lock_serial"] == lock["serial"]
    assert case["reporter_name"] == "Anna Andersson" and case["reporter_relation"] == "relative"
    detail = world.planner.get(f"/api/cases/{case['id']}")
    assert detail["photo"]["width"] <= 1600
    jpeg = httpx.get(server + detail["photo"]["url"], cookies=world.planner.cookies)
    assert jpeg.status_code == 200
    with Image.open(io.BytesIO(jpeg.content)) as kept:
        assert dict(kept.getexif()) == {} and "exif" not in kept.info
    assert b"PhoneMaker" not in jpeg.content

    # The follow link, opened later: the status, then the planner's answer.
    phone = open_page(browser, follow_url)
    page = phone.page
    expect(page.get_by_test_id("follow-number")).to_have_text(number)
    expect(page.get_by_test_id("follow-status")).to_have_text(
        "Mottagen. En planerare har inte hunnit titta på den än."
    )
    check_screen(page, "report-follow-new")
    world.planner.post(
        f"/api/cases/{case['id']}/close",
        {"answer": "Vi byter batteriet på torsdag. Montören ringer innan."},
    )
    page.get_by_test_id("follow-refresh").click()
    expect(page.get_by_test_id("follow-status")).to_have_text("Avslutad.")
    expect(page.get_by_test_id("follow-answer")).to_have_text(
        "Vi byter batteriet på torsdag. Montören ringer innan."
    )
    check_screen(page, "report-follow-answered")
    # A link with a wrong secret finds nothing, and says so.
    page.goto(f"{server}/f#follow={'A' * 43}")
    expect(page.get_by_test_id("follow-error")).to_contain_text("Ingen felanmälan hittades")
    assert phone.errors == []
    phone.close()


def test_what_is_missing_is_said_next_to_its_field(sqlite_server: Any, browser: Any) -> None:
    phone = open_page(browser, f"{sqlite_server.url}/f")
    page = phone.page
    page.get_by_role("button", name="Skicka felanmälan").click()
    expect(page.get_by_test_id("text-error")).to_have_text("Skriv vad som har hänt.")
    expect(page.get_by_test_id("name-error")).to_contain_text("Skriv ditt namn")
    expect(page.get_by_test_id("phone-error")).to_contain_text("telefonnummer eller en e-post")
    text = page.get_by_label("Vad har hänt?")
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(text).to_have_attribute("aria-describedby", re.compile(r"\btext-error\b"))
    expect(text).to_be_focused()
    check_screen(page, "report-page-missing")
    text.fill("Dörren låser inte.")
    page.get_by_label("Namn").fill("Bo")
    page.get_by_label("Telefon").fill("ring mig")
    page.get_by_role("button", name="Skicka felanmälan").click()
    expect(page.get_by_test_id("phone-error")).to_contain_text("går inte att ringa")
    expect(page.get_by_label("Telefon")).to_be_focused()
    expect(page.get_by_test_id("text-error")).to_be_hidden()
    # Not a photo: said at once, and the report can go without it.
    page.get_by_label("Foto (om du vill)").set_input_files(
        files=[{"name": "brev.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"}]
    )
    expect(page.get_by_test_id("photo-error")).to_contain_text("inte ett foto")
    assert phone.errors == []
    phone.close()


def test_a_label_that_is_no_longer_valid(world: World, sqlite_server: Any, browser: Any) -> None:
    lock = a_lock(world)
    label = world.planner.post("/api/qr-tokens", {"lock_id": lock["id"]})
    revoked = httpx.delete(
        f"{sqlite_server.url}/api/qr-tokens/{label['id']}",
        cookies=world.planner.cookies,
        headers=world.planner.headers,
    )
    assert revoked.status_code == 204
    phone = open_page(browser, f"{sqlite_server.url}/f#t={label['token']}")
    page = phone.page
    page.get_by_label("Vad har hänt?").fill("Etiketten sitter på porten.")
    fill_contact(page, "Caj Fastighet", "018-10 10 10")
    page.get_by_role("button", name="Skicka felanmälan").click()
    error = page.get_by_test_id("report-error")
    expect(error).to_contain_text("gäller inte längre", timeout=RECEIPT_TIMEOUT_MS)
    expect(page.get_by_test_id("report-from-label")).to_be_hidden()
    expect(page.get_by_label("Vad har hänt?")).to_have_value("Etiketten sitter på porten.")
    check_screen(page, "report-page-label-invalid")
    # Sent again, without the label's code: a case with no lock, every planner's to triage.
    page.get_by_label("Vad har hänt?").fill("Etiketten sitter på porten, Storgatan 1.")
    page.get_by_role("button", name="Skicka felanmälan").click()
    expect(page.get_by_test_id("report-receipt")).to_be_visible(timeout=RECEIPT_TIMEOUT_MS)
    number = page.get_by_test_id("receipt-number").inner_text()
    (case,) = [c for c in world.planner.get("/api/cases")["items"] if c["number"] == number]
    assert not case["from_qr"] and case["lock_serial"] is None
    assert phone.errors == []
    phone.close()


def test_rate_limited_the_page_says_when_to_try_again(sqlite_server: Any, browser: Any) -> None:
    phone = open_page(browser, f"{sqlite_server.url}/f")
    page = phone.page
    page.route(
        "**" + REPORTS,
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "1800", "Content-Type": "application/json"},
            body='{"code": "rate_limited", "message": "Too many reports."}',
        ),
    )
    page.get_by_label("Vad har hänt?").fill("Låset svarar inte.")
    fill_contact(page)
    page.get_by_role("button", name="Skicka felanmälan").click()
    error = page.get_by_test_id("report-error")
    expect(error).to_have_text(
        re.compile(r"Försök igen om 30 minuter, eller ring oss"), timeout=RECEIPT_TIMEOUT_MS
    )
    expect(error).to_have_attribute("role", "alert")
    expect(page.get_by_test_id("report-receipt")).to_be_hidden()
    expect(page.get_by_label("Vad har hänt?")).to_have_value("Låset svarar inte.")
    check_screen(page, "report-page-rate-limited")
    assert phone.errors == []
    phone.close()


def test_three_languages(sqlite_server: Any, browser: Any) -> None:
    phone = open_page(browser, f"{sqlite_server.url}/f?lang=nb")
    page = phone.page
    expect(page.get_by_role("heading", level=1).first).to_have_text("Meld feil på lås")
    expect(page.get_by_role("button", name="Send feilmeldingen")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    check_screen(page, "report-page-nb")
    page.get_by_label("Hva har skjedd?").fill("Låsen piper.")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1).first).to_have_text("Report a lock fault")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("What has happened?")).to_have_value("Låsen piper.")
    assert "lang=en" in page.url
    check_screen(page, "report-page-en")
    assert phone.errors == []
    phone.close()
    context = browser.new_context(viewport=PHONE, locale="nb-NO")
    try:
        page = context.new_page()
        page.goto(f"{sqlite_server.url}/f")
        expect(page.get_by_label("Hva har skjedd?")).to_be_visible()
    finally:
        context.close()


def test_200_percent_text_and_44_px_targets(sqlite_server: Any, browser: Any) -> None:
    phone = new_phone(browser)
    page = phone.page
    large_text(page)
    page.goto(f"{sqlite_server.url}/f")
    expect(page.locator("h1").first).to_be_visible()
    check_screen(page, "200pct-report-page")
    assert page.evaluate(LAYOUT_PROBLEMS) == []
    assert page.evaluate(SMALL_TARGETS, TAP_MIN_PX) == []
    assert phone.errors == []
    phone.close()

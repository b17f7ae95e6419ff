"""The public booking reply page (/s, issue 12, seed 002 "Respons fra kunde") on an old phone's
screen (360x740), without an account, in real Chromium against a live server with the demo
data: the code from the letter's QR code (the address's fragment), "OK" confirms, a wrong code
gets exactly the same receipt, a written answer goes to a person, the rate limit's answer is
said in words, the three languages, 200 % text and 44 px targets. Screenshots and axe-core on
each state; what the page did is checked through the server's own API.

What the test does in place of the world: the rate limit is the server's answer 429 with a
Retry-After header, given by a route in the browser (the limit itself is the server's and is
tested there); everything else is the real server.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.browser.booking_helpers import REPLIES, awaiting_response, unhandled_replies
from tests.browser.harness import PHONE, World, check_screen, new_phone
from tests.browser.test_desk import working_days
from tests.browser.test_text_size import (
    LAYOUT_PROBLEMS,
    SMALL_TARGETS,
    TAP_MIN_PX,
    large_text,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture(scope="module")
def world(sqlite_server: Any) -> World:
    return World.of(sqlite_server.url)


def open_page(browser: Any, url: str) -> Any:
    """A fresh phone (no session, nothing cached) on the reply page."""
    phone = new_phone(browser)
    phone.page.goto(url)
    expect(phone.page.locator("h1")).to_be_visible()
    return phone


def test_the_page_is_small_public_and_strict(sqlite_server: Any) -> None:
    """Served without login, under the app's CSP (no inline script or style), and with
    nothing of the app in it."""
    page = httpx.get(sqlite_server.url + "/s", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert 'src="/s/reply.js"' in page.text and 'href="/s/reply.css"' in page.text
    assert "main.js" not in page.text and "manifest" not in page.text
    for name, kind in (("reply.js", "javascript"), ("reply.css", "css")):
        asset = httpx.get(f"{sqlite_server.url}/s/{name}")
        assert asset.status_code == 200 and kind in asset.headers["content-type"]


def test_ok_with_the_code_from_the_letters_qr_code(
    world: World, sqlite_server: Any, browser: Any
) -> None:
    order, code = awaiting_response(world, world.fitter.user["id"], working_days(2)[1], 9)
    # The QR code carries the code without its dashes; the page shows it as in the letter.
    phone = open_page(browser, f"{sqlite_server.url}/s#{code.replace('-', '')}")
    page = phone.page
    expect(page.get_by_role("heading", name="Svara på bokningen", level=1)).to_be_visible()
    expect(page.get_by_label("Bokningskod")).to_have_value(code)
    check_screen(page, "reply-page")
    page.get_by_role("button", name="OK – tiden passar").click()
    receipt = page.get_by_test_id("reply-receipt")
    expect(receipt).to_be_visible()
    expect(receipt).to_be_focused()
    expect(page.get_by_test_id("receipt-answer")).to_have_text("OK – tiden passar")
    check_screen(page, "reply-receipt")
    assert world.order(order["id"])["status"] == "ready_for_execution"
    # The page registered no service worker and kept nothing of the app.
    workers = page.evaluate("navigator.serviceWorker.getRegistrations().then((r) => r.length)")
    assert workers == 0
    assert phone.errors == []
    receipt_text = receipt.inner_text()
    phone.close()

    # A code that no order has: the same receipt, word for word. The reply is kept for the
    # planner ("Svar som inte kunde kopplas").
    phone = open_page(browser, f"{sqlite_server.url}/s#ZZZZZZZZZ")
    page = phone.page
    expect(page.get_by_label("Bokningskod")).to_have_value("ZZZ-ZZZ-ZZZ")
    page.get_by_role("button", name="OK – tiden passar").click()
    expect(page.get_by_test_id("reply-receipt")).to_be_visible()
    assert page.get_by_test_id("reply-receipt").inner_text() == receipt_text
    check_screen(page, "reply-receipt-unknown-code")
    kept = [r for r in unhandled_replies(world) if r["code_typed"].upper() == "ZZZ-ZZZ-ZZZ"]
    assert [r["outcome"] for r in kept] == ["unmatched"]
    assert phone.errors == []
    phone.close()


def test_a_written_answer_goes_to_a_person(world: World, sqlite_server: Any, browser: Any) -> None:
    order, code = awaiting_response(world, world.fitter.user["id"], working_days(3)[2], 10)
    phone = open_page(browser, f"{sqlite_server.url}/s")
    page = phone.page
    # Nothing typed: the page says what is missing, next to the field, and sends nothing.
    page.get_by_role("button", name="Skicka svaret").click()
    code_error = page.get_by_test_id("code-error")
    expect(code_error).to_have_text("Skriv bokningskoden från brevet.")
    code_field = page.get_by_label("Bokningskod")
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(code_field).to_have_attribute("aria-describedby", re.compile(r"\bcode-error\b"))
    expect(code_field).to_be_focused()
    check_screen(page, "reply-page-missing-code")
    # Enter in the code field answers nothing for the resident: it moves on to the answers.
    code_field.fill(code.lower().replace("-", " "))
    code_field.press("Enter")
    expect(page.get_by_role("button", name="OK – tiden passar")).to_be_focused()
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.get_by_test_id("answer-error")).to_contain_text("Skriv ditt svar")
    expect(page.get_by_label("Eller skriv ett eget svar")).to_have_attribute(
        "aria-describedby", "answer-error"
    )
    assert world.order(order["id"])["status"] == "awaiting_response"
    page.get_by_label("Eller skriv ett eget svar").fill("Passar bättre efter kl. 13")
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.get_by_test_id("receipt-answer")).to_have_text("Passar bättre efter kl. 13")
    saved = world.order(order["id"])
    assert saved["status"] == "manual_followup"
    replies = world.planner.get(f"/api/orders/{order['id']}/booking")["replies"]
    assert [r["text"] for r in replies] == ["Passar bättre efter kl. 13"]
    assert phone.errors == []
    phone.close()


def test_rate_limited_the_page_says_when_to_try_again(sqlite_server: Any, browser: Any) -> None:
    phone = open_page(browser, f"{sqlite_server.url}/s#K7QHM3XPR")
    page = phone.page
    page.route(
        "**" + REPLIES,
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "120", "Content-Type": "application/problem+json"},
            body='{"code": "rate_limited", "message": "Too many replies."}',
        ),
    )
    page.get_by_role("button", name="Jag vill bli kontaktad").click()
    error = page.get_by_test_id("reply-error")
    expect(error).to_have_text(re.compile(r"Försök igen om 2 minuter, eller ring"))
    expect(error).to_have_attribute("role", "alert")
    expect(page.get_by_test_id("reply-receipt")).to_be_hidden()
    # What was typed is still there for the next try.
    expect(page.get_by_label("Bokningskod")).to_have_value("K7Q-HM3-XPR")
    check_screen(page, "reply-page-rate-limited")
    assert phone.errors == []
    phone.close()


def test_three_languages(sqlite_server: Any, browser: Any) -> None:
    # The letter's language in the address.
    phone = open_page(browser, f"{sqlite_server.url}/s?lang=nb#K7QHM3XPR")
    page = phone.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Svar på bookingen")
    expect(page.get_by_role("button", name="OK – tidspunktet passer")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    check_screen(page, "reply-page-nb")
    # The switch at the top, keeping the code.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Answer the booking")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("Booking code")).to_have_value("K7Q-HM3-XPR")
    assert "lang=en" in page.url and page.url.endswith("#K7QHM3XPR")
    check_screen(page, "reply-page-en")
    assert phone.errors == []
    phone.close()
    # The phone's own language when the address names none.
    context = browser.new_context(viewport=PHONE, locale="nb-NO")
    try:
        page = context.new_page()
        page.goto(f"{sqlite_server.url}/s")
        expect(page.get_by_label("Bookingkode")).to_be_visible()
    finally:
        context.close()


def test_200_percent_text_and_44_px_targets(sqlite_server: Any, browser: Any) -> None:
    phone = new_phone(browser)
    page = phone.page
    large_text(page)
    page.goto(f"{sqlite_server.url}/s#K7QHM3XPR")
    expect(page.locator("h1")).to_be_visible()
    check_screen(page, "200pct-reply-page")
    assert page.evaluate(LAYOUT_PROBLEMS) == []
    # The language switch is in the page's top bar (".top button"), the rest in <main>.
    assert page.evaluate(SMALL_TARGETS, TAP_MIN_PX) == []
    assert phone.errors == []
    phone.close()

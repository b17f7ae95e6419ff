"""Fault reports at the planner's desk (issue 13, seeds 003/004) in real Chromium at 1280x800,
against a live server with the demo data: the list of new reports, one report from a QR label
with its photo and the reporter's contact, "Skapa order" with the customer and the lock from
the label (and the server's refusal when the lock has an open order of the kind), and "Stäng
med svar" for a report without a label, which the reporter then reads. What the browser did is
checked through the server's own API; every screen gets a screenshot and axe-core.

What the test does in place of the world: the reports are posts to the public endpoint, as
the page /f sends them (the form token waited for); the photo is a JPEG made here.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.browser.harness import LOCALE, PLANNER, TIMEZONE, World, check_screen, login
from tests.browser.intake_helpers import case_of, free_lock, public_report
from tests.browser.test_desk import DESK

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture(scope="module")
def world(sqlite_server: Any) -> World:
    return World.of(sqlite_server.url)


@pytest.fixture(scope="module")
def desk(sqlite_server: Any, browser: Any) -> Iterator[Any]:
    """The planner at a wide screen, logged in once for the module."""
    context = browser.new_context(viewport=DESK, locale=LOCALE, timezone_id=TIMEZONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    phone = type("Desk", (), {"page": page, "context": context, "errors": errors})()
    login(phone, sqlite_server.url, PLANNER)
    yield page
    assert errors == []
    context.close()


# The image's own width once it has loaded (-1: it could not be loaded).
LOADED_WIDTH = """img => img.complete && img.naturalWidth ? img.naturalWidth
  : new Promise((resolve) => {
  img.addEventListener('load', () => resolve(img.naturalWidth));
  img.addEventListener('error', () => resolve(-1));
})"""


def a_photo() -> str:
    image = Image.new("RGB", (800, 600), (200, 200, 200))
    image.paste((40, 40, 40), (300, 200, 500, 400))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return base64.b64encode(out.getvalue()).decode()


def test_a_report_from_a_label_becomes_an_order(
    world: World, sqlite_server: Any, desk: Any
) -> None:
    server = sqlite_server.url
    lock = free_lock(world)
    label = world.planner.post("/api/qr-tokens", {"lock_id": lock["id"]})
    from_label = public_report(
        server,
        "Låset piper och dörren går inte att låsa.",
        qr_token=label["token"],
        photo=a_photo(),
        email="anna@example.se",
    )
    without = public_report(server, "Porten på Storgatan 1 går inte att öppna med taggen.")
    page = desk
    page.goto(server + "/desk")
    page.get_by_test_id("nav-cases").click()
    expect(page.get_by_role("heading", name="Felanmälningar", level=1)).to_be_visible()
    expect(page.get_by_test_id("cases-filter-new")).to_have_attribute("aria-pressed", "true")
    row = page.get_by_test_id(f"case-{from_label['number']}")
    expect(row).to_contain_text(f"Lås {lock['serial']}")
    expect(row).to_contain_text("Från QR-etiketten")
    expect(row).to_contain_text("Foto")
    expect(page.get_by_test_id(f"case-{without['number']}")).to_contain_text("Okänd kund")
    check_screen(page, "desk-cases", full_page=False)

    row.get_by_role("link", name=from_label["number"]).click()
    expect(page.get_by_role("heading", name=f"Felanmälan {from_label['number']}")).to_be_visible()
    expect(page.get_by_test_id("case-lock")).to_contain_text(lock["serial"])
    expect(page.get_by_test_id("case-text")).to_have_text(
        "Låset piper och dörren går inte att låsa."
    )
    expect(page.get_by_test_id("case-photo")).to_be_visible()
    assert page.get_by_test_id("case-photo").evaluate(LOADED_WIDTH) == 800
    expect(page.get_by_test_id("case-phone")).to_have_attribute("href", "tel:0701234567")
    expect(page.get_by_test_id("case-email")).to_have_text("anna@example.se")
    # The customer and the lock come from the label.
    expect(page.get_by_test_id("case-order-customer")).to_have_value(lock["customer_id"])
    expect(page.get_by_test_id("case-order-lock")).to_have_value(lock["id"])
    check_screen(page, "desk-case-from-label", full_page=False)

    form = page.locator('form[data-form="case-order"]')
    form.get_by_test_id("case-make-order").click()  # no kind chosen: said next to the field
    expect(form.locator("#co-kind-error")).to_have_text("Välj vilken typ av order det blir.")
    form.get_by_label("Typ av order").select_option("battery")
    form.get_by_label("Meddelande till anmälaren (valfritt)").fill("En låsmontör ringer dig.")
    form.get_by_test_id("case-make-order").click()
    message = page.get_by_test_id("case-message")
    expect(message).to_contain_text("är skapad")
    expect(page.get_by_test_id("case-status")).to_have_text("Order skapad")
    order_link = page.get_by_test_id("case-order-link")
    reference = order_link.inner_text()
    check_screen(page, "desk-case-order-made", full_page=False)
    case = world.planner.get(f"/api/cases/{case_of(world, from_label['number'])['id']}")
    order = world.planner.get(f"/api/orders/{case['order']['id']}")
    assert (order["reference"], order["kind"], order["lock_id"]) == (
        reference,
        "battery",
        lock["id"],
    )
    assert from_label["number"] in order["description"]
    followed = httpx.get(
        server + "/api/public/fault-reports/follow",
        headers={"X-Follow-Secret": from_label["follow_secret"]},
    ).json()
    assert followed == {
        "number": from_label["number"],
        "status": "triaged",
        "answer": "En låsmontör ringer dig.",
    }
    order_link.click()
    expect(page.get_by_role("heading", name=f"{reference} ·", exact=False)).to_be_visible()

    # A second report from the same label for the same kind: the server's refusal, in words.
    again = public_report(server, "Det piper fortfarande.", qr_token=label["token"])
    page.goto(f"{server}/desk/cases/{case_of(world, again['number'])['id']}")
    form = page.locator('form[data-form="case-order"]')
    form.get_by_label("Typ av order").select_option("battery")
    form.get_by_test_id("case-make-order").click()
    error = form.get_by_test_id("case-order-error")
    expect(error).to_contain_text("Låset har redan en öppen order")
    expect(error).to_contain_text(reference)
    check_screen(page, "desk-case-order-refused", full_page=False)
    assert (
        world.planner.get(f"/api/cases/{case_of(world, again['number'])['id']}")["status"] == "new"
    )


def test_a_report_closed_with_an_answer(world: World, sqlite_server: Any, desk: Any) -> None:
    server = sqlite_server.url
    receipt = public_report(server, "Jag hittade en nyckelbricka i trapphuset.")
    page = desk
    page.goto(f"{server}/desk/cases/{case_of(world, receipt['number'])['id']}")
    expect(page.get_by_test_id("case-customer")).to_have_text("Okänd kund")
    # Without a label the planner chooses the customer; none is chosen for them.
    expect(page.get_by_test_id("case-order-customer")).to_have_value("")
    form = page.locator('form[data-form="case-close"]')
    form.get_by_test_id("case-close").click()
    expect(form.get_by_test_id("case-close-error")).to_have_text(
        "Skriv svaret som anmälaren får läsa."
    )
    form.get_by_label("Svar till anmälaren").fill(
        "Tack! Lämna brickan till hemtjänsten, så hämtar vi den."
    )
    form.get_by_test_id("case-close").click()
    expect(page.get_by_test_id("case-message")).to_contain_text("är stängd med svaret")
    expect(page.get_by_test_id("case-status")).to_have_text("Stängd")
    expect(page.get_by_test_id("case-answer")).to_contain_text("Lämna brickan")
    expect(page.get_by_test_id("case-closed")).to_be_visible()
    expect(page.locator('form[data-form="case-order"]')).to_have_count(0)
    check_screen(page, "desk-case-closed", full_page=False)
    followed = httpx.get(
        server + "/api/public/fault-reports/follow",
        headers={"X-Follow-Secret": receipt["follow_secret"]},
    ).json()
    assert followed["status"] == "closed" and followed["answer"].startswith("Tack!")
    # In the list of closed reports, not among the new ones.
    page.get_by_test_id("back-to-cases").click()
    expect(page.get_by_test_id(f"case-{receipt['number']}")).to_have_count(0)
    page.get_by_test_id("cases-filter-closed").click()
    expect(page.get_by_test_id(f"case-{receipt['number']}")).to_contain_text("Stängd")
    assert "status=closed" in page.url
    check_screen(page, "desk-cases-closed", full_page=False)

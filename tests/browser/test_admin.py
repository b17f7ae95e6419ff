"""The administration screens and the fitter's calendar address, in a real browser against a
real server (issue 11): an administrator adds a user who can then log in, disables a user
whose session stops at once, sets a new password that works, sends a failed message again;
a fitter makes a calendar address on "More" that serves their booked visit, and renewing it
makes the old address 404; a non-admin sees no administration and the server refuses them.
Every screen is checked at 360x740 and 1280x800 (axe: 0 serious or critical).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from server.demo import DEMO_PASSWORD
from tests.browser.conftest import LiveServer
from tests.browser.harness import (
    FITTER,
    ORDERER,
    PLANNER,
    VISIT_HOUR,
    Phone,
    ServerApi,
    World,
    check_screen,
    login,
    new_phone,
    require_playwright,
)

pytestmark = pytest.mark.browser
ADMIN = "admin"
DESK = {"width": 1280, "height": 800}
NEW_PASSWORD_TYPED = "ett-nytt-lösenord-2026"


def desk(browser: Any) -> Phone:
    """A back-office browser: the same app on a desk's wide screen."""
    phone = new_phone(browser)
    phone.page.set_viewport_size(DESK)
    return phone


def api_login(server: str, username: str, password: str) -> httpx.Response:
    return httpx.post(server + "/api/auth/login", json={"username": username, "password": password})


def both_sizes(page: Any, name: str) -> None:
    """check_screen at the phone's size and at the desk's."""
    page.set_viewport_size({"width": 360, "height": 740})
    check_screen(page, f"{name}-360")
    page.set_viewport_size(DESK)
    check_screen(page, f"{name}-1280")


def test_admin_adds_a_user_who_can_then_log_in(sqlite_server: LiveServer, browser: Any) -> None:
    expect = require_playwright().expect
    server = sqlite_server.url
    phone = desk(browser)
    page = phone.page
    login(phone, server, ADMIN)
    page.get_by_test_id("nav-admin").click()
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible()
    both_sizes(page, "admin-start")

    page.get_by_test_id("admin-link-users").click()
    expect(page.get_by_test_id("admin-user-row").first).to_be_visible()
    expect(page.get_by_test_id("admin-users")).to_contain_text("Maria Montör")
    both_sizes(page, "admin-users")

    page.get_by_test_id("admin-new-user").click()
    expect(page.get_by_role("heading", name="Ny användare")).to_be_visible()
    # Sent empty, the form says what is missing next to each field.
    page.get_by_test_id("new-user-submit").click()
    expect(page.locator("#nu-org-error")).to_have_text(
        "Välj vilken organisation användaren hör till."
    )
    expect(page.locator("#nu-username-error")).not_to_be_empty()
    both_sizes(page, "admin-new-user-errors")

    page.get_by_label("Organisation").select_option(
        label="Låsservice Mälardalen AB (Montörsföretag)"
    )
    # A fitters' company: planner and fitter are offered, administrator is not.
    expect(page.get_by_test_id("new-user-role-fitter")).to_be_visible()
    expect(page.get_by_test_id("new-user-role-admin")).to_have_count(0)
    page.get_by_test_id("new-user-username").fill("montor1")  # taken: the server says so
    page.get_by_test_id("new-user-name").fill("Nina Nyanställd")
    page.get_by_test_id("new-user-role-fitter").check()
    page.get_by_label("Områden").fill("Gottsunda, Sävja")
    page.get_by_test_id("new-user-generate").click()
    page.get_by_test_id("new-user-submit").click()
    expect(page.locator("#nu-username-error")).to_have_text(
        "Användarnamnet är upptaget. Välj ett annat."
    )
    expect(page.get_by_test_id("new-user-username")).to_have_attribute("aria-invalid", "true")
    page.get_by_test_id("new-user-username").fill("nina.ny")
    page.get_by_test_id("new-user-submit").click()
    expect(page.get_by_test_id("new-user-done")).to_contain_text("Nina Nyanställd är tillagd.")
    password = page.get_by_test_id("password-once").text_content()
    assert password and len(password) >= 10
    both_sizes(page, "admin-new-user-done")

    # The new fitter logs in with the handed-over password, in the app.
    newcomer = new_phone(browser)
    newcomer.page.goto(server + "/login")
    newcomer.page.get_by_label("Användarnamn").fill("nina.ny")
    newcomer.page.get_by_label("Lösenord").fill(password)
    newcomer.page.get_by_role("button", name="Logga in").click()
    expect(newcomer.page.get_by_test_id("nav-my-day")).to_be_visible()
    me = newcomer.context.request.get(server + "/api/auth/me").json()["user"]
    assert me["roles"] == ["fitter"] and me["areas"] == ["Gottsunda", "Sävja"]
    newcomer.close()
    assert phone.errors == []
    phone.close()


def test_admin_disables_a_user_and_their_session_stops(
    sqlite_server: LiveServer, browser: Any
) -> None:
    expect = require_playwright().expect
    server = sqlite_server.url
    victim = new_phone(browser)
    login(victim, server, "syd2")
    assert victim.context.request.get(server + "/api/auth/me").status == 200

    phone = desk(browser)
    page = phone.page
    login(phone, server, ADMIN)
    page.goto(server + "/admin/users")
    page.get_by_test_id("admin-user-search").fill("Olle")
    expect(page.get_by_test_id("admin-user-row")).to_have_count(1)
    page.get_by_test_id("admin-user-link").click()
    expect(page.get_by_role("heading", name="Olle Undersköterska", level=1)).to_be_visible()
    both_sizes(page, "admin-user")
    page.get_by_test_id("user-active-toggle").click()
    expect(page.get_by_test_id("user-account")).to_contain_text("Stäng av Olle Undersköterska?")
    both_sizes(page, "admin-user-confirm-disable")
    page.get_by_test_id("user-active-confirm").click()
    expect(page.get_by_test_id("user-active-state")).to_contain_text("Avstängd")

    # The disabled user's session ends at once: the API says 401, and the app asks to log in.
    assert victim.context.request.get(server + "/api/auth/me").status == 401
    victim.page.reload()
    expect(victim.page.get_by_role("heading", name="Logga in")).to_be_visible()
    assert api_login(server, "syd2", DEMO_PASSWORD).status_code == 401

    # Enabled again (also confirmed), the user can log in.
    page.get_by_test_id("user-active-toggle").click()
    page.get_by_test_id("user-active-confirm").click()
    expect(page.get_by_test_id("user-active-state")).to_contain_text("Aktiv")
    assert api_login(server, "syd2", DEMO_PASSWORD).status_code == 200

    # The server refuses an administrator disabling themselves; the screen says so.
    admin = ServerApi(server, ADMIN)
    page.goto(f"{server}/admin/users/{admin.user['id']}")
    page.get_by_test_id("user-active-toggle").click()
    page.get_by_test_id("user-active-confirm").click()
    expect(page.get_by_test_id("user-account")).to_contain_text("Du kan inte stänga av dig själv")
    expect(page.get_by_test_id("user-active-state")).to_contain_text("Aktiv")
    victim.close()
    assert phone.errors == []
    phone.close()


def test_admin_sets_a_new_password_and_it_works(sqlite_server: LiveServer, browser: Any) -> None:
    expect = require_playwright().expect
    server = sqlite_server.url
    holder = ServerApi(server, "nord2")  # a session with the old password
    phone = desk(browser)
    page = phone.page
    login(phone, server, ADMIN)
    page.goto(f"{server}/admin/users/{holder.user['id']}")
    expect(page.get_by_role("heading", name="Erik Samordnare", level=1)).to_be_visible()

    # Too short: refused in words next to the field, nothing sent.
    page.get_by_test_id("user-password-input").fill("kort")
    page.get_by_test_id("user-password-submit").click()
    expect(page.locator("#up-password-error")).to_have_text("Lösenordet måste ha minst 10 tecken.")
    assert api_login(server, "nord2", DEMO_PASSWORD).status_code == 200

    page.get_by_test_id("user-password-input").fill(NEW_PASSWORD_TYPED)
    page.get_by_test_id("user-password-submit").click()
    expect(page.get_by_test_id("password-set")).to_contain_text("är utloggad överallt")
    both_sizes(page, "admin-user-password-set")
    assert api_login(server, "nord2", DEMO_PASSWORD).status_code == 401
    assert api_login(server, "nord2", NEW_PASSWORD_TYPED).status_code == 200
    # The session made with the old password has ended.
    assert httpx.get(server + "/api/auth/me", cookies=holder.cookies).status_code == 401

    # A password made by the app is shown once, and works.
    page.get_by_test_id("user-generate-password").click()
    expect(page.get_by_test_id("password-once")).to_be_visible()
    made = page.get_by_test_id("password-once").text_content()
    assert made and made != NEW_PASSWORD_TYPED
    assert api_login(server, "nord2", made).status_code == 200
    assert api_login(server, "nord2", NEW_PASSWORD_TYPED).status_code == 401
    assert phone.errors == []
    phone.close()


def _failed_message(server: LiveServer, world: World) -> str:
    """A completion mail that failed: an order completed through the API enqueues it (the
    server runs no worker here), and the row is marked failed in the database, as the worker
    does after its last try."""
    order = world.new_order("Utkorg: klarrapport som inte gick fram", in_progress=True)
    world.fitter.post(
        f"/api/orders/{order['id']}/transitions",
        {
            "action": "complete",
            "completion": {
                "work_done": "Kontrollerat låset.",
                "minutes_spent": 20,
                "visit_on": datetime.now().date().isoformat(),
            },
        },
    )
    path = server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT id FROM notify_outbox WHERE order_id = ? AND channel = 'email'",
            (order["id"],),
        ).fetchone()
        assert row, "completing the order enqueued no e-mail"
        db.execute(
            "UPDATE notify_outbox SET state = 'failed', attempts = 15, send_attempts = 15, "
            "last_error = '550 mailbox unavailable' WHERE id = ?",
            (row[0],),
        )
    return str(row[0])


def test_admin_sends_a_failed_message_again(sqlite_server: LiveServer, browser: Any) -> None:
    expect = require_playwright().expect
    server = sqlite_server.url
    message_id = _failed_message(sqlite_server, World.of(server))
    phone = desk(browser)
    page = phone.page
    login(phone, server, ADMIN)
    page.goto(server + "/admin/outbox")
    row = page.locator(f'[data-testid="outbox-row"][data-message-id="{message_id}"]')
    expect(row).to_contain_text("550 mailbox unavailable")
    expect(row.get_by_test_id("outbox-state")).to_contain_text("Misslyckades")
    both_sizes(page, "admin-outbox")
    page.get_by_test_id("outbox-view-failed").click()
    expect(row).to_be_visible()

    row.get_by_test_id("outbox-resend").click()
    # The list is fetched again: the message left "failed" (it waits in the queue now).
    expect(row).to_have_count(0)
    page.get_by_test_id("outbox-view-pending").click()
    expect(row.get_by_test_id("outbox-state")).to_contain_text("Väntar")
    expect(row.get_by_test_id("outbox-resend")).to_have_count(0)
    admin = ServerApi(server, ADMIN)
    sent_again = next(
        m
        for m in admin.get("/api/admin/outbox/", state="pending")["items"]
        if m["id"] == message_id
    )
    assert sent_again["attempts"] == 0 and sent_again["last_error"] == ""
    both_sizes(page, "admin-outbox-pending")
    assert phone.errors == []
    phone.close()


def test_admin_changes_an_organisations_copy_address(
    sqlite_server: LiveServer, browser: Any
) -> None:
    expect = require_playwright().expect
    server = sqlite_server.url
    phone = desk(browser)
    page = phone.page
    login(phone, server, ADMIN)
    page.goto(server + "/admin/organisations")
    card = page.locator('[data-testid="admin-org"]', has_text="Hemtjänst Uppsala Nord")
    expect(card).to_contain_text("seniorguide@uppsala.example")
    both_sizes(page, "admin-organisations")
    card.get_by_test_id("admin-org-edit").click()
    card.get_by_test_id("org-completion_copy_email").fill("inte en adress")
    card.get_by_test_id("admin-org-save").click()
    expect(card.locator("[data-error-for='completion_copy_email']")).to_contain_text(
        "Skriv en e-postadress"
    )
    both_sizes(page, "admin-organisation-edit")
    # A refusal only the server can make (the name is another organisation's), in words
    # next to the field.
    card.get_by_test_id("org-completion_copy_email").fill("kopia@seniorguide.example")
    card.get_by_test_id("org-name").fill("Omsorg Uppsala Syd")
    card.get_by_test_id("admin-org-save").click()
    expect(card.locator("[data-error-for='name']")).to_have_text(
        "Det finns redan en organisation med det namnet."
    )
    expect(card.get_by_test_id("org-name")).to_be_focused()
    card.get_by_test_id("org-name").fill("Hemtjänst Uppsala Nord")
    card.get_by_test_id("admin-org-save").click()
    expect(card).to_contain_text("kopia@seniorguide.example")
    admin = ServerApi(server, ADMIN)
    orgs = admin.get("/api/organisations/", limit=50)["items"]
    nord = next(o for o in orgs if o["name"] == "Hemtjänst Uppsala Nord")
    assert nord["completion_copy_email"] == "kopia@seniorguide.example"
    # The next completion mail of one of the organisation's orders goes to the new copy
    # address (the server runs no worker here: the message waits in the outbox).
    world = World.of(server)
    order = world.new_order("Kopia till Seniorguide", in_progress=True)
    world.fitter.post(
        f"/api/orders/{order['id']}/transitions",
        {"action": "complete", "completion": {"work_done": "Kontrollerat", "minutes_spent": 20}},
    )
    mails = admin.get("/api/admin/outbox/", channel="email", limit=200)["items"]
    completion = [m for m in mails if m["order_id"] == order["id"]]
    assert completion, "no completion mail for the order"
    assert all("kopia@seniorguide.example" in str(m["recipients"]) for m in completion)
    assert not any("seniorguide@uppsala.example" in str(m["recipients"]) for m in completion)

    # In English too.
    page.goto(server + "/admin/users?lang=en")
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    expect(page.get_by_test_id("admin-users")).to_contain_text("Fitter")
    both_sizes(page, "admin-users-en")
    assert phone.errors == []
    phone.close()


def test_fitter_makes_renews_and_turns_off_a_calendar_address(
    sqlite_server: LiveServer, browser: Any
) -> None:
    expect = require_playwright().expect
    server = sqlite_server.url
    world = World.of(server)
    order = world.new_order("Kalender: bokat besök")
    tomorrow = (datetime.now().astimezone() + timedelta(days=1)).replace(
        hour=VISIT_HOUR, minute=0, second=0, microsecond=0
    )
    world.fitter.post(
        f"/api/orders/{order['id']}/transitions",
        {"action": "schedule", "planned_start": tomorrow.isoformat(), "estimate_minutes": 45},
    )
    phone = new_phone(browser)
    page = phone.page
    login(phone, server, FITTER)
    page.get_by_test_id("nav-more").click()
    feed = page.get_by_test_id("calendar-feed")
    expect(feed).to_contain_text("Kalender i din telefon")
    both_sizes(page, "fitter-more-calendar")
    page.set_viewport_size({"width": 360, "height": 740})

    feed.get_by_test_id("calendar-feed-make").click()
    url = feed.get_by_test_id("calendar-feed-url").input_value()
    assert "/api/calendar/" in url and url.endswith(".ics")
    webcal = feed.get_by_test_id("calendar-feed-webcal").get_attribute("href")
    assert webcal == "webcal://" + url.split("://", 1)[1]
    both_sizes(page, "fitter-more-calendar-made")
    page.set_viewport_size({"width": 360, "height": 740})

    # A calendar program fetches the address (no login): the booked visit is in it. The
    # server's public address is configured apart from the port the test server got.
    old_path = urlsplit(url).path
    answer = httpx.get(server + old_path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in answer.text and order["reference"] in answer.text

    feed.get_by_test_id("calendar-feed-renew").click()
    expect(feed).to_contain_text("Den gamla slutar fungera")
    feed.get_by_test_id("calendar-feed-confirm").click()
    expect(feed.get_by_test_id("calendar-feed-url")).not_to_have_value(url)
    new_path = urlsplit(feed.get_by_test_id("calendar-feed-url").input_value()).path
    assert httpx.get(server + old_path).status_code == 404
    assert httpx.get(server + new_path).status_code == 200

    feed.get_by_test_id("calendar-feed-turn-off").click()
    feed.get_by_test_id("calendar-feed-confirm").click()
    expect(feed.get_by_test_id("calendar-feed-off")).to_be_visible()
    assert httpx.get(server + new_path).status_code == 404
    assert phone.errors == []
    phone.close()


@pytest.mark.parametrize("username", [PLANNER, ORDERER, FITTER])
def test_no_administration_for_others(
    sqlite_server: LiveServer, browser: Any, username: str
) -> None:
    expect = require_playwright().expect
    server = sqlite_server.url
    phone = new_phone(browser)
    page = phone.page
    login(phone, server, username)
    expect(page.get_by_test_id("nav-more")).to_be_visible()
    expect(page.get_by_test_id("nav-admin")).to_have_count(0)
    for path in ("/admin", "/admin/users", "/admin/organisations", "/admin/outbox"):
        page.goto(server + path)
        expect(page.get_by_role("heading", name="Sidan finns inte")).to_be_visible()
        expect(page.get_by_test_id("admin-users")).to_have_count(0)
    check_screen(page, f"admin-refused-{username}")

    # The server refuses the API too, whatever the app shows.
    someone = ServerApi(server, username)
    other = ServerApi(server, "syd1")
    for method, path, body in (
        ("GET", "/api/admin/outbox/", None),
        (
            "POST",
            "/api/users/",
            {
                "organisation_id": someone.user["organisation_id"],
                "username": "intruder",
                "full_name": "Inkräktare",
                "password": "0123456789",
                "roles": ["orderer"],
            },
        ),
        ("PATCH", f"/api/users/{other.user['id']}", {"active": False}),
        ("POST", f"/api/users/{other.user['id']}/password", {"password": "0123456789abc"}),
    ):
        answer = httpx.request(
            method, server + path, json=body, cookies=someone.cookies, headers=someone.headers
        )
        assert answer.status_code in (403, 404), (username, method, path, answer.text)
    assert api_login(server, "syd1", DEMO_PASSWORD).status_code == 200
    assert phone.errors == []
    phone.close()


def test_admin_revokes_a_users_lost_gateway(sqlite_server: LiveServer, browser: Any) -> None:
    """A fitter's gateway (a device token) lost with the phone: the administrator sees it on
    the fitter's user screen and revokes it; the token stops working at once."""
    expect = require_playwright().expect
    server = sqlite_server.url
    fitter = ServerApi(server, "montor3")
    made = fitter.post("/api/devices", {"name": "Gateway i förlorad telefon"})
    token = {"Authorization": f"Bearer {made['token']}"}
    assert httpx.get(server + "/api/auth/me", headers=token).status_code == 200

    phone = desk(browser)
    page = phone.page
    login(phone, server, ADMIN)
    page.goto(f"{server}/admin/users/{fitter.user['id']}")
    devices = page.get_by_test_id("devices")
    expect(devices).to_contain_text("Gateway i förlorad telefon")
    both_sizes(page, "admin-user-devices")
    devices.get_by_role("button", name="Återkalla Gateway i förlorad telefon").click()
    page.get_by_test_id("device-revoke-confirm").click()
    expect(devices).not_to_contain_text("Gateway i förlorad telefon")
    assert httpx.get(server + "/api/auth/me", headers=token).status_code == 401
    assert phone.errors == []
    phone.close()

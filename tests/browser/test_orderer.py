"""Home-care staff in the PWA, in a real headless Chromium against a real server process.

- pwa/app/checklist.js gives the server's answer (server/orders/checklist.py) for every
  combination of checklist answers, so the guided form refuses exactly what the server refuses.
- The guided form places an order that the server stores with the answers given, and the order
  is then on the orderer's screens.
- An answer that points at the lock case explains why no order is placed; nothing reaches the
  server. A refusal that only the server knows (an open order for the lock already) is shown.
- Offline, the summary says an order needs the server and does not send; the orders and
  locks are still there to read, after a reload too.
- Push opt-in stores this device's subscription on the server; turning it off removes it. The
  browser's push service is the one outside service faked here (headless Chromium has none):
  PushManager answers with a subscription made in Python, whose keys the server checks.
- The service worker shows the server's push payloads as "Nytt jobb tilldelat", "Order klar"
  and "Order eskalerad" and keeps the order's address for the tap (delivered through the
  DevTools protocol).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from server.orders.checklist import (
    CHECKLIST,
    KINDS_WITH_CHECKLIST,
    ChecklistAnswerRefused,
    validate_checklist,
)
from server.orders.lifecycle import OrderKind
from server.orders.notifications import assignment_push, completion_push
from tests.browser.conftest import LiveServer
from tests.browser.harness import (
    ORDERER,
    SYNC_TIMEOUT_MS,
    ServerApi,
    check_screen,
    login,
    new_phone,
)
from tests.integration.push_keys import new_subscription_keys

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

GOOD_ANSWERS = {
    "door_handled_like_metal_key": "yes",
    "battery_checked": "not_needed",
    "lock_woken": "woken",
    "linked_correctly_in_care_system": "yes",
    "fault_location": "lock_unit",
}


@pytest.fixture(scope="module")
def server(sqlite_server: LiveServer) -> str:
    return sqlite_server.url


def all_orders(api: ServerApi) -> list[dict[str, Any]]:
    return list(api.get("/api/orders/", limit=200)["items"])


def customer_with_one_lock(
    api: ServerApi, *, free_of: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A customer of the orderer's with exactly one installed lock and no open `free_of` order."""
    locks = api.get("/api/locks/", limit=200, state="installed")["items"]
    busy = {
        o["lock_id"]
        for o in all_orders(api)
        if o["kind"] == free_of and o["status"] not in ("done", "cancelled")
    }
    per_customer: dict[str, list[dict[str, Any]]] = {}
    for lock in locks:
        per_customer.setdefault(lock["customer_id"], []).append(lock)
    for customer_id, own in sorted(per_customer.items()):
        if len(own) == 1 and own[0]["id"] not in busy:
            return api.get(f"/api/customers/{customer_id}"), own[0]
    raise AssertionError("the demo data has no customer with one free lock")


def orderer_phone(browser: Any, server: str) -> tuple[Any, Any, list[str]]:
    """Home-care staff's phone, logged in and synced: (context, page, page errors)."""
    phone = new_phone(browser)
    login(phone, server, ORDERER)
    return phone.context, phone.page, phone.errors


def start_order(page: Any, kind: str, customer: dict[str, Any]) -> None:
    page.get_by_test_id("nav-new-order").click()
    expect(page.get_by_role("heading", name="Vad ska beställas?")).to_be_visible()
    page.get_by_test_id(f"kind-{kind}").click()
    expect(page.get_by_role("heading", name="Vilken kund gäller det?")).to_be_visible()
    page.get_by_test_id("customer-search").fill(customer["name"])
    page.locator(f'[data-customer="{customer["id"]}"]').click()


def answer(page: Any, answers: dict[str, str]) -> None:
    for question in CHECKLIST:
        # One question per step: the question's own heading, then its answer buttons.
        expect(page.get_by_role("heading", name=question.text_sv)).to_be_visible()
        page.get_by_test_id(f"answer-{question.key}-{answers[question.key]}").click()


# -- the checklist mirror ---------------------------------------------------------------------

JS_CHECKLIST = """async (cases) => {
  const m = await import('/app/checklist.js');
  const table = {
    kinds: [...m.KINDS_WITH_CHECKLIST], order: [...m.REFUSAL_ORDER],
    questions: m.CHECKLIST.map((q) => ({ key: q.key, sv: q.sv, en: q.en,
      answers: q.answers.map((a) => [a.value, a.sv, a.en]),
      refusals: q.refusals.map((r) => [r.answer, [...r.kinds].sort(), r.code, r.sv, r.en]) })),
  };
  const verdicts = cases.map(([kind, answers]) => {
    const r = m.firstRefusal(kind, answers);
    return r ? [r.key, r.refusal.code, r.refusal.sv] : null;
  });
  return { table, verdicts };
}"""


def test_checklist_mirror_refuses_exactly_what_the_server_refuses(
    server: str, browser: Any
) -> None:
    page = browser.new_page()
    page.goto(server + "/login")
    cases = [
        (kind.value, dict(zip([q.key for q in CHECKLIST], combo, strict=True)))
        for kind in sorted(KINDS_WITH_CHECKLIST)
        for combo in itertools.product(*[q.allowed for q in CHECKLIST])
    ]
    got = page.evaluate(JS_CHECKLIST, cases)
    page.close()

    assert got["table"]["kinds"] == sorted(k.value for k in KINDS_WITH_CHECKLIST)
    assert [
        (q["key"], q["sv"], q["en"], [tuple(a) for a in q["answers"]])
        for q in got["table"]["questions"]
    ] == [
        (q.key, q.text_sv, q.text_en, [(a.value, a.text_sv, a.text_en) for a in q.answers])
        for q in CHECKLIST
    ]
    assert [q["refusals"] for q in got["table"]["questions"]] == [
        [
            [r.answer, sorted(k.value for k in r.kinds), r.code, r.explanation_sv, r.explanation_en]
            for r in q.refusals
        ]
        for q in CHECKLIST
    ]
    assert len(cases) == len(got["verdicts"]) > 100
    for (kind, answers), verdict in zip(cases, got["verdicts"], strict=True):
        try:
            validate_checklist(OrderKind(kind), answers)
            expected = None
        except ChecklistAnswerRefused as refused:
            expected = [refused.field, refused.code, refused.message_sv]
        assert verdict == expected, (kind, answers)


# -- the guided form --------------------------------------------------------------------------


def test_guided_form_places_the_order_and_shows_it(server: str, browser: Any) -> None:
    api = ServerApi(server, ORDERER)
    customer, lock = customer_with_one_lock(api, free_of="service")
    before = {o["id"] for o in all_orders(api)}
    ctx, page, errors = orderer_phone(browser, server)
    # Home-care staff start on their organisation's orders.
    expect(page.get_by_role("heading", name="Ärenden")).to_be_visible()
    expect(page.get_by_test_id("order-row").first).to_be_visible()
    check_screen(page, "orderer-orders")

    start_order(page, "service", customer)
    expect(page.get_by_role("heading", name=CHECKLIST[0].text_sv)).to_be_visible()
    check_screen(page, "orderer-new-question")
    answer(page, GOOD_ANSWERS)
    expect(page.get_by_role("heading", name="Uppgifter till låsmontören")).to_be_visible()
    # The description is asked for before moving on (seed 000: as fully as possible).
    page.get_by_test_id("step-next").click()
    expect(page.get_by_test_id("description-error")).to_contain_text("Skriv vad som inte fungerar")
    description = "Motorn surrar men regeln går inte ut; började i måndags."
    page.get_by_label("Övrigt: vad fungerar inte?").fill(description)
    page.get_by_label("När nås kunden bäst?").fill("vardagar 10–12")
    page.get_by_test_id("step-next").click()

    summary = page.get_by_test_id("order-summary")
    expect(summary).to_contain_text(customer["name"])
    expect(summary).to_contain_text(lock["serial"])
    expect(summary).to_contain_text(description)
    check_screen(page, "orderer-order-summary")
    page.get_by_test_id("send-order").click()

    expect(page.get_by_test_id("order-placed")).to_be_visible(timeout=SYNC_TIMEOUT_MS)
    reference = page.get_by_test_id("order-reference").inner_text()
    expect(page.get_by_test_id("order-status")).to_have_text("Beställd")
    check_screen(page, "orderer-order-placed")

    # Exactly one new order, on the server, with what was answered.
    created = [o for o in all_orders(api) if o["id"] not in before]
    assert len(created) == 1
    order = created[0]
    assert (order["reference"], order["kind"], order["status"]) == (reference, "service", "ordered")
    assert order["customer_id"] == customer["id"] and order["lock_id"] == lock["id"]
    assert order["checklist"] == GOOD_ANSWERS
    assert order["description"] == description
    assert order["customer_best_times"] == "vardagar 10–12"
    assert page.url.endswith(f"/orders/{order['id']}?placed=1")

    # It is in the organisation's list too.
    page.get_by_test_id("nav-my-orders").click()
    expect(
        page.locator(f'[data-testid="order-row"][data-order-id="{order["id"]}"]')
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
    ctx.close()


def test_lock_case_answer_places_no_order_and_says_why(server: str, browser: Any) -> None:
    api = ServerApi(server, ORDERER)
    customer, _lock = customer_with_one_lock(api, free_of="service")
    before = len(all_orders(api))
    ctx, page, errors = orderer_phone(browser, server)
    start_order(page, "service", customer)
    answer(page, {**GOOD_ANSWERS, "fault_location": "lock_case"})

    refusal = page.get_by_test_id("checklist-refusal")
    expect(refusal).to_be_visible()
    expect(refusal.get_by_role("heading", name="Ingen beställning läggs")).to_be_visible()
    lock_case = next(q for q in CHECKLIST if q.key == "fault_location").refusals[0]
    expect(page.get_by_test_id("refusal-reason")).to_have_text(lock_case.explanation_sv)
    assert refusal.get_attribute("data-code") == "lock_case_customer_responsibility"
    # No way on to the summary from here, only back to the answer or out.
    expect(page.get_by_test_id("send-order")).to_have_count(0)
    check_screen(page, "orderer-lock-case-refusal")

    # In English the same explanation, in English.
    page.goto(server + "/orders/new?lang=en")
    page.get_by_test_id("kind-service").click()
    page.get_by_test_id("customer-search").fill(customer["name"])
    page.locator(f'[data-customer="{customer["id"]}"]').click()
    for question in CHECKLIST:
        value = "lock_case" if question.key == "fault_location" else GOOD_ANSWERS[question.key]
        page.get_by_test_id(f"answer-{question.key}-{value}").click()
    expect(page.get_by_test_id("refusal-reason")).to_have_text(lock_case.explanation_en)
    page.get_by_test_id("refusal-done").click()

    assert len(all_orders(api)) == before
    assert errors == []
    ctx.close()


def test_battery_answer_turns_a_service_order_into_a_battery_change(
    server: str, browser: Any
) -> None:
    api = ServerApi(server, ORDERER)
    customer, lock = customer_with_one_lock(api, free_of="battery")
    ctx, page, errors = orderer_phone(browser, server)
    start_order(page, "service", customer)
    page.get_by_test_id("answer-door_handled_like_metal_key-yes").click()
    page.get_by_test_id("answer-battery_checked-needs_replacement").click()
    expect(page.get_by_test_id("checklist-refusal")).to_have_attribute(
        "data-code", "battery_order_needed"
    )
    check_screen(page, "orderer-battery-refusal")
    page.get_by_test_id("switch-to-battery").click()
    expect(page.get_by_test_id("order-kind")).to_have_text("Batteribyte")
    # The battery change goes on with the remaining questions; "not woken" does not stop it.
    page.get_by_test_id("answer-lock_woken-not_woken").click()
    page.get_by_test_id("answer-linked_correctly_in_care_system-yes").click()
    page.get_by_test_id("answer-fault_location-unknown").click()
    page.get_by_test_id("step-next").click()
    page.get_by_test_id("send-order").click()
    expect(page.get_by_test_id("order-placed")).to_be_visible(timeout=SYNC_TIMEOUT_MS)
    reference = page.get_by_test_id("order-reference").inner_text()
    [order] = api.get("/api/orders/", reference=reference)["items"]
    assert (order["kind"], order["lock_id"]) == ("battery", lock["id"])
    assert order["checklist"]["battery_checked"] == "needs_replacement"

    # The server stays the authority: a second battery order for the same lock is refused
    # there (one open order per lock and kind), and its reason is shown.
    start_order(page, "battery", customer)
    answer(page, {**GOOD_ANSWERS, "battery_checked": "needs_replacement"})
    page.get_by_test_id("step-next").click()
    page.get_by_test_id("send-order").click()
    expect(page.get_by_test_id("order-error")).to_contain_text(reference)
    expect(page.get_by_test_id("send-order")).to_be_enabled()
    assert errors == []
    ctx.close()


def test_offline_the_order_is_offered_to_wait_on_the_phone(server: str, browser: Any) -> None:
    """Offline the summary says the order will wait on the phone (issue 16; sending it is
    tests/browser/test_field_orderer.py); nothing reaches the server until it is sent."""
    api = ServerApi(server, ORDERER)
    customer, _lock = customer_with_one_lock(api, free_of="inspection")
    before = len(all_orders(api))
    ctx, page, errors = orderer_phone(browser, server)
    start_order(page, "inspection", customer)
    page.get_by_test_id("step-next").click()
    ctx.set_offline(True)
    expect(page.get_by_test_id("order-offline")).to_contain_text("Du är offline")
    expect(page.get_by_test_id("send-order")).to_have_text("Skicka när anslutningen är tillbaka")
    check_screen(page, "orderer-order-offline")
    assert len(all_orders(api)) == before
    ctx.set_offline(False)
    expect(page.get_by_test_id("send-order")).to_have_text(
        "Skicka beställningen", timeout=SYNC_TIMEOUT_MS
    )
    expect(page.get_by_test_id("order-offline")).to_have_count(0)

    # Reading needs no server: offline, a reload opens the app from the service worker's
    # cache with the organisation's orders and locks from IndexedDB.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    ctx.set_offline(True)
    page.goto(server + "/locks")
    expect(page.get_by_test_id("lock-row").first).to_be_visible()
    page.get_by_test_id("nav-my-orders").click()
    expect(page.get_by_test_id("order-row").first).to_be_visible()
    ctx.set_offline(False)
    assert errors == []
    ctx.close()


def test_locks_screen_shows_battery_last_seen_and_verification(server: str, browser: Any) -> None:
    api = ServerApi(server, ORDERER)
    locks = api.get("/api/locks/", limit=200, state="installed")["items"]
    ctx, page, errors = orderer_phone(browser, server)
    page.get_by_test_id("nav-locks").click()
    expect(page.get_by_role("heading", name="Kundernas lås")).to_be_visible()
    rows = page.get_by_test_id("lock-row")
    expect(rows).to_have_count(len([lock for lock in locks if lock["customer_id"]]))
    weakest = min(
        (lock for lock in locks if lock["battery_percent"] is not None),
        key=lambda lock: lock["battery_percent"],
    )
    first = rows.first
    assert first.get_attribute("data-lock-id") == weakest["id"]
    expect(first.get_by_test_id("lock-battery")).to_contain_text(f"{weakest['battery_percent']} %")
    verified = first.get_by_test_id("verified-by-lock")
    expect(verified if weakest["verified_by_lock"] else first.get_by_test_id("not-verified"))
    check_screen(page, "orderer-locks")

    # A low battery offers a battery change for that customer: the form starts at its
    # first question, with the kind and the customer already chosen.
    page.get_by_test_id("locks-filter-low").click()
    row = page.locator('[data-testid="lock-row"]:has([data-testid="order-battery"])').first
    name = row.locator("h2").inner_text()
    row.get_by_test_id("order-battery").click()
    expect(page.get_by_role("heading", name=CHECKLIST[0].text_sv)).to_be_visible()
    expect(page.get_by_test_id("order-kind")).to_have_text("Batteribyte")
    expect(page.get_by_test_id("order-customer")).to_have_text(name)
    assert errors == []
    ctx.close()


# -- push -------------------------------------------------------------------------------------

FAKE_PUSH_SERVICE = """(sub) => {
  // The browser's push service (outside our code): PushManager answers with a subscription
  // made in Python, as Chromium would with a real one.
  let current = null;
  const make = (key) => ({
    endpoint: sub.endpoint,
    options: { applicationServerKey: key, userVisibleOnly: true },
    toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }),
    unsubscribe: async () => { current = null; return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    current = make(options.applicationServerKey.buffer ?? options.applicationServerKey);
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
}"""


def test_push_opt_in_stores_the_subscription_on_the_server(server: str, browser: Any) -> None:
    keys = new_subscription_keys()
    endpoint = "http://127.0.0.1:9/push/orderer-test-device"  # a loopback push service
    subscription = {"endpoint": endpoint, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}
    ctx, page, errors = orderer_phone(browser, server)
    ctx.grant_permissions(["notifications"], origin=server)
    page.add_init_script(f"({FAKE_PUSH_SERVICE})({json.dumps(subscription)})")
    page.reload()
    api = ServerApi(server, ORDERER)
    assert api.get("/api/push/subscriptions") == []

    page.get_by_test_id("nav-more").click()
    optin = page.get_by_test_id("push-optin")
    expect(optin).to_have_attribute("data-state", "off")
    page.get_by_role("button", name="Slå på aviseringar").click()
    expect(page.get_by_test_id("push-message")).to_have_text("Aviseringar är på.")
    expect(optin).to_have_attribute("data-state", "on")
    check_screen(page, "orderer-push-on")
    [stored] = api.get("/api/push/subscriptions")
    assert stored["push_service"] == "http://127.0.0.1:9"

    page.get_by_role("button", name="Stäng av aviseringar").click()
    expect(page.get_by_test_id("push-message")).to_have_text("Aviseringar är av.")
    assert api.get("/api/push/subscriptions") == []
    assert errors == []
    ctx.close()


def test_service_worker_shows_the_servers_push_payloads(server: str, browser: Any) -> None:
    ctx, page, errors = orderer_phone(browser, server)
    ctx.grant_permissions(["notifications"], origin=server)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    cdp = ctx.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(r["registrationId"] for r in event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(200)
    assert registrations, "the app's service worker is registered"
    order = {"id": "3f2b8c4e-1d2a-4b5c-8d9e-0a1b2c3d4e5f", "reference": "LW-TEST01"}
    link = f"{server}/orders/{order['id']}"
    # What server/orders/notifications.py sends: a new job (fitter), an order completed and an
    # order escalated (orderer). No name or identity number in any of them.
    payloads = [
        assignment_push(order, link),
        completion_push(order, link),
        {
            "type": "order_escalated",
            "order_id": order["id"],
            "reference": order["reference"],
            "level": 1,
            "title": "Ingen kontakt med kunden",
            "body": "Order LW-TEST01: låsmontören har inte nått kunden på tre arbetsdagar.",
            "url": link,
        },
    ]
    for payload in payloads:
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": server, "registrationId": registrations[-1], "data": json.dumps(payload)},
        )
    shown: list[dict[str, Any]] = []
    for _ in range(50):
        shown = page.evaluate(
            """async () => (await (await navigator.serviceWorker.ready).getNotifications())
              .map((n) => ({ title: n.title, body: n.body, data: n.data, tag: n.tag }))"""
        )
        if len(shown) == len(payloads):
            break
        page.wait_for_timeout(100)
    titles = {n["data"]["type"]: (n["title"], n["body"]) for n in shown}
    assert titles == {
        "order_assigned": ("Nytt jobb tilldelat", "Order LW-TEST01 är tilldelad dig."),
        "order_done": ("Order klar", "Order LW-TEST01 är klarrapporterad."),
        "order_escalated": (
            "Order eskalerad",
            "Order LW-TEST01: låsmontören har inte nått kunden på tre arbetsdagar.",
        ),
    }
    # A tap opens the order in the app (the worker keeps its address, not the server's).
    assert {n["data"]["url"] for n in shown} == {f"/orders/{order['id']}"}
    assert {n["tag"] for n in shown} == {f"{p['type']}:{order['id']}" for p in payloads}
    assert errors == []
    ctx.close()

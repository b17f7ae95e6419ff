"""The lock panel on a fitter's order, in a real headless Chromium, driving a real gateway.

Simulator, server and `lockwork-gateway serve` run as separate processes on loopback, started
by the same functions as `make demo` (server.demo_stack); the gateway talks to the simulated
lock over Bumble's virtual radio through bleak. The app pairs with the gateway by its 6-digit
code (a wrong code is refused), wakes the lock (the fitter's touch is the simulator's `touch`),
pairs it to the customer and reads its battery. The lock-signed evidence goes from the gateway
to the server, which verifies it; the panel says "verified by lock" only when sync has brought
the lock's verified fields back. With the gateway stopped, the panel says no gateway answers.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.demo import DEMO_PASSWORD, SIMULATED_LOCK_SERIALS
from server.demo_stack import (
    Child,
    device_token,
    lock_authority_env,
    start_gateway,
    start_server,
    start_simulator,
)
from tests.browser.harness import check_screen, new_phone
from tests.integration.lock_stack_world import sim
from tests.live_server import free_port, run_cli, server_env

pytestmark = [pytest.mark.browser, pytest.mark.ble, pytest.mark.slow]
expect = pytest.importorskip("playwright.sync_api").expect

SERIAL = SIMULATED_LOCK_SERIALS[0]
FITTER = "montor1"
# A Bluetooth operation on the virtual radio takes about a second; a pairing fetches a ticket
# from the server first. The bound only turns a hang into a failure.
OPERATION_TIMEOUT_MS = 45_000
# The gateway uploads the evidence, the server verifies it, the app's sync pulls the lock.
VERIFIED_TIMEOUT_MS = 30_000


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    env = server_env(f"sqlite:///{tmp_path / 'server.sqlite3'}", tmp_path / "server")
    sim_dir = tmp_path / "sim"
    env.update(lock_authority_env(env, sim_dir))
    assert run_cli(["migrate"], env).returncode == 0
    assert run_cli(["demo-data", "--customers", "10"], env).returncode == 0
    children: list[Child] = []
    try:
        simulator, sim_port = start_simulator(sim_dir, 0, (SERIAL,), env)
        children.append(simulator)
        server_port = free_port()
        children.append(start_server("127.0.0.1", server_port, env))
        server_url = f"http://127.0.0.1:{server_port}"
        gateway_port = free_port()
        gateway, code = start_gateway(
            tmp_path / "gateway",
            sim_port=sim_port,
            port=gateway_port,
            server_url=server_url,
            token=device_token(server_url, FITTER, DEMO_PASSWORD, "lock panel test gateway"),
            origins=[server_url],
            env=env,
        )
        children.append(gateway)
        yield {
            "sim_dir": sim_dir,
            "server_url": server_url,
            "gateway_url": f"http://127.0.0.1:{gateway_port}",
            "gateway": gateway,
            "code": code,
        }
    finally:
        for child in reversed(children):
            child.stop()


def installation_order(server_url: str) -> tuple[str, str, httpx.Cookies]:
    """montor1's installation order for SERIAL (demo data), its lock's id, and the login."""
    login = httpx.post(
        server_url + "/api/auth/login", json={"username": FITTER, "password": DEMO_PASSWORD}
    )
    orders = httpx.get(
        server_url + "/api/orders", params={"kind": "installation"}, cookies=login.cookies
    ).json()["items"]
    for order in orders:
        lock = httpx.get(server_url + f"/api/locks/{order['lock_id']}", cookies=login.cookies)
        if lock.json()["serial"] == SERIAL:
            return str(order["id"]), str(order["lock_id"]), login.cookies
    raise AssertionError(f"no installation order for {SERIAL} in the demo data")


def open_order_panel(page: Any, server_url: str, order_id: str) -> Any:
    """Log in as the fitter on the order's page; its lock panel."""
    page.goto(f"{server_url}/orders/{order_id}")
    page.get_by_label("Användarnamn").fill(FITTER)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    panel = page.get_by_test_id("lock-panel")
    expect(panel).to_be_visible(timeout=20_000)
    return panel


def finished(page: Any, kind: str) -> Any:
    """Wait for the panel's operation to end; returns the state element."""
    state = page.get_by_test_id("lock-op-state")
    expect(page.get_by_test_id("lock-op")).to_contain_text(kind, timeout=5_000)
    expect(state).not_to_have_attribute("data-state", "running", timeout=OPERATION_TIMEOUT_MS)
    return state


def test_lock_panel_pairs_with_the_gateway_and_drives_the_lock(
    stack: dict[str, Any], browser: Any
) -> None:
    server_url, sim_dir = stack["server_url"], stack["sim_dir"]
    order_id, lock_id, cookies = installation_order(server_url)
    phone = new_phone(browser)
    page, errors = phone.page, phone.errors
    open_order_panel(page, server_url, order_id).scroll_into_view_if_needed()
    check_screen(page, "lock-panel-pair-gateway", full_page=False)

    # Pair the app with the gateway: a wrong code is refused, the printed one works.
    page.get_by_label("Gatewayens adress").fill(stack["gateway_url"])
    wrong = "000000" if stack["code"] != "000000" else "111111"
    page.get_by_label("Kod från gatewayen (6 siffror)").fill(wrong)
    page.get_by_role("button", name="Koppla ihop med gatewayen").click()
    expect(page.get_by_test_id("gateway-error")).to_contain_text("Fel eller gammal kod")
    page.get_by_label("Kod från gatewayen (6 siffror)").fill(stack["code"])
    page.get_by_role("button", name="Koppla ihop med gatewayen").click()
    expect(page.get_by_test_id("gateway-status")).to_contain_text("svarar")

    # Wake: the gateway asks for a touch; the fitter touches the lock.
    page.get_by_role("button", name="Väck").click()
    expect(page.get_by_test_id("lock-op-progress")).to_contain_text("Tryck på låset")
    check_screen(page, "lock-panel-waking", full_page=False)
    sim(sim_dir, "touch", SERIAL)
    assert finished(page, "Väck").get_attribute("data-state") == "succeeded"
    expect(page.get_by_test_id("lock-op-result")).to_contain_text("är vaket")

    # Pair the factory-new lock to the order's customer with the server's ticket.
    sim(sim_dir, "pair-button", SERIAL)
    page.get_by_role("button", name="Parkoppla").click()
    assert finished(page, "Parkoppla").get_attribute("data-state") == "succeeded", (
        page.get_by_test_id("lock-op").inner_text()
    )
    expect(page.get_by_test_id("lock-verified")).to_be_visible(timeout=VERIFIED_TIMEOUT_MS)

    # Read the battery: a report signed by the lock, verified by the server.
    sim(sim_dir, "touch", SERIAL)
    page.get_by_role("button", name="Läs batteri").click()
    assert finished(page, "Läs batteri").get_attribute("data-state") == "succeeded", (
        page.get_by_test_id("lock-op").inner_text()
    )
    expect(page.get_by_test_id("lock-op-result")).to_contain_text("Batteri:")
    expect(page.get_by_test_id("lock-verified")).to_contain_text(
        "Verifierad av låset", timeout=VERIFIED_TIMEOUT_MS
    )
    page.get_by_test_id("lock-panel").scroll_into_view_if_needed()
    check_screen(page, "lock-panel-battery-verified", full_page=False)
    lock = httpx.get(f"{server_url}/api/locks/{lock_id}", cookies=cookies).json()
    assert lock["verified_by_lock"] is True and lock["battery_verified_at"] is not None
    assert lock["customer_id"] is not None

    # No gateway: it is said plainly, and the buttons wait.
    stack["gateway"].stop()
    page.get_by_role("button", name="Försök igen").click()
    expect(page.get_by_test_id("gateway-unreachable")).to_contain_text(
        "Ingen gateway svarar", timeout=10_000
    )
    expect(page.get_by_role("button", name="Läs batteri")).to_be_disabled()
    check_screen(page, "lock-panel-no-gateway", full_page=False)
    assert errors == []
    phone.close()


def test_lock_panel_lists_the_paired_apps_and_revokes_them(
    stack: dict[str, Any], browser: Any
) -> None:
    server_url, gateway_url = stack["server_url"], stack["gateway_url"]
    order_id, _lock_id, _cookies = installation_order(server_url)
    phone = new_phone(browser)
    page, errors = phone.page, phone.errors
    open_order_panel(page, server_url, order_id)
    page.get_by_label("Gatewayens adress").fill(gateway_url)
    page.get_by_label("Kod från gatewayen (6 siffror)").fill(stack["code"])
    page.get_by_role("button", name="Koppla ihop med gatewayen").click()
    expect(page.get_by_test_id("gateway-status")).to_contain_text("svarar")

    # A second app (the fitter's tablet) pairs with a new code from the gateway's terminal.
    subprocess.run(
        [sys.executable, "-m", "gateway", "pairing-code", "--port", gateway_url.rsplit(":", 1)[1]],
        check=True,
        timeout=30,
        capture_output=True,
    )
    code = stack["gateway"].wait_for_line("pairing code:").split()[0]
    tablet = httpx.post(
        gateway_url + "/api/pair",
        json={"code": code, "label": "Surfplattan"},
        headers={"Origin": server_url},
    ).json()["token"]
    tablet_auth = {"Authorization": f"Bearer {tablet}"}
    assert httpx.get(gateway_url + "/api/status", headers=tablet_auth).status_code == 200

    page.get_by_role("button", name="Försök igen").click()
    apps = page.get_by_test_id("gateway-apps")
    apps.get_by_text("Appar ihopkopplade med gatewayen (2)").click()
    this_app = apps.get_by_test_id("gateway-app").filter(has_text="den här appen")
    expect(this_app).to_contain_text("Maria Montör, Lockwork (")  # the fitter, the device
    expect(this_app).to_contain_text("gäller till")
    apps.scroll_into_view_if_needed()
    check_screen(page, "lock-panel-paired-apps", full_page=False)

    # "Ta bort" on the tablet: it is refused by the gateway at once, and leaves the list.
    page.get_by_role("button", name="Ta bort Surfplattan").click()
    expect(apps.get_by_text("Appar ihopkopplade med gatewayen (1)")).to_be_visible()
    expect(apps.get_by_test_id("gateway-app")).to_have_count(1)
    assert httpx.get(gateway_url + "/api/status", headers=tablet_auth).status_code == 401

    # In English, this app removes itself: it must pair again, and says so.
    page.goto(f"{server_url}/orders/{order_id}?lang=en")
    apps = page.get_by_test_id("gateway-apps")
    apps.get_by_text("Apps paired with the gateway (1)").click()
    expect(apps.get_by_test_id("gateway-app")).to_contain_text("this app")
    apps.get_by_role("button", name="Remove").click()
    expect(page.get_by_test_id("gateway-error")).to_contain_text(
        "This app was removed from the gateway"
    )
    expect(page.get_by_role("button", name="Pair with the gateway")).to_be_visible()
    check_screen(page, "lock-panel-app-removed-en", full_page=False)
    assert errors == []
    phone.close()

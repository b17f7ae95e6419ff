"""The lock panel on a fitter's order, in a real headless Chromium, driving a real gateway.

Simulator, server and `lockwork-gateway serve` run as separate processes on loopback, started
by the same functions as `make demo` (server.demo_stack); the gateway talks to the simulated
lock over Bumble's virtual radio through bleak. The app pairs with the gateway by scanning the
QR code the gateway prints on its terminal (a Chromium whose fake camera films that QR code),
by the link in it (what a phone's own camera opens), or by typing its 6-digit code (a wrong
code is refused); it wakes the lock (the fitter's touch is the simulator's `touch`), pairs it
to the customer and reads its battery, in plain words, with the gateway's technical log only
under "Detaljer". The lock-signed evidence goes from the gateway to the server, which verifies
it; the panel says "verified by lock" only when sync has brought the lock's verified fields
back. With the gateway stopped, the panel says no gateway answers and what to do.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import segno

from gateway.local_api.pairing_link import read_terminal_qr
from server.demo import DEMO_PASSWORD, SIMULATED_LOCK_SERIALS
from server.demo_stack import (
    Child,
)
from tests.browser.harness import CHROMIUM, check_screen, new_phone
from tests.integration.lock_stack_world import lock_stack, sim

pytestmark = [pytest.mark.browser, pytest.mark.ble, pytest.mark.slow]
expect = pytest.importorskip("playwright.sync_api").expect

SERIAL = SIMULATED_LOCK_SERIALS[0]
FITTER = "montor1"
# A Bluetooth operation on the virtual radio takes about a second; a pairing fetches a ticket
# from the server first. The bound only turns a hang into a failure.
OPERATION_TIMEOUT_MS = 45_000
# The gateway uploads the evidence, the server verifies it, the app's sync pulls the lock.
VERIFIED_TIMEOUT_MS = 30_000
# The camera starts, jsQR is fetched and decodes a few frames: well under a second here; the
# bound only turns a hang into a failure.
SCAN_TIMEOUT_MS = 30_000
# What the main view of the panel never shows a fitter (the gateway's log under "Detaljer" may).
MAC_ADDRESS = re.compile(r"\b[0-9A-F]{2}(?::[0-9A-F]{2}){5}\b", re.IGNORECASE)
DEVELOPER_WORDS = ("MTU", "READ_REPORT", "lockwork-gateway", "127.0.0.1", "bumble")
# The camera's picture (a y4m file Chromium plays as its fake camera): 640x480, the terminal's
# QR code in the middle, dark modules black on a white screen (video levels 16 and 235).
CAMERA_W, CAMERA_H = 640, 480
# Whether the page has fetched the vendored QR decoder.
JSQR_LOADED = (
    "performance.getEntriesByType('resource').some((e) => e.name.endsWith('/vendor/jsqr.js'))"
)
Y_BLACK, Y_WHITE, NO_COLOUR = 16, 235, 128


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Server (demo data), the simulated lock and a gateway in serve mode, not paired with."""
    with lock_stack(tmp_path, (SERIAL,)) as world:
        gateway, gateway_url, code = world.serve("lock panel test", FITTER)
        yield {
            "sim_dir": world.sim_dir,
            "server_url": world.server_url,
            "gateway_url": gateway_url,
            "gateway": gateway,
            "code": code,
        }


def new_code_with_qr(stack: dict[str, Any]) -> tuple[str, list[list[int]]]:
    """A new pairing code, asked for as the fitter does (`lockwork-gateway pairing-code`), and
    the QR code the gateway printed above it on its terminal, read back into modules."""
    port = stack["gateway_url"].rsplit(":", 1)[1]
    subprocess.run(
        [sys.executable, "-m", "gateway", "pairing-code", "--port", port],
        check=True,
        timeout=30,
        capture_output=True,
    )
    gateway: Child = stack["gateway"]
    printed: list[str] = []
    deadline = time.monotonic() + 30
    while True:
        try:
            line = gateway.lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError("the gateway printed no new pairing code") from None
        if line.startswith("pairing code:"):
            assert printed, "no QR code above the pairing code"
            return line.split()[2], read_terminal_qr(printed)
        # The QR code's lines are half blocks only; anything else starts a new block.
        printed = [*printed, line] if line and set(line) <= set(" \u2580\u2584\u2588") else []


def write_camera_file(path: Path, modules: list[list[int]], frames: int = 2) -> Path:
    """A YUV4MPEG2 video of the QR code (quiet zone included), as a phone camera would see
    the gateway's terminal held up to it."""
    scale = min(CAMERA_W, CAMERA_H) * 8 // 10 // len(modules)
    side = len(modules) * scale
    left, top = (CAMERA_W - side) // 2, (CAMERA_H - side) // 2
    luma = bytearray([Y_WHITE]) * (CAMERA_W * CAMERA_H)
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + r * scale + dy) * CAMERA_W + left + c * scale
                    luma[start : start + scale] = bytes([Y_BLACK]) * scale
    chroma = bytes([NO_COLOUR]) * ((CAMERA_W // 2) * (CAMERA_H // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{CAMERA_W} H{CAMERA_H} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


def native_detector(value: str) -> str:
    """A page script: a BarcodeDetector (as Android's and iOS's browsers have) that sees
    `value` in every frame."""
    return f"""window.BarcodeDetector = class {{
      static async getSupportedFormats() {{ return ['qr_code']; }}
      async detect() {{ return [{{ rawValue: {json.dumps(value)} }}]; }}
    }};"""


@contextlib.contextmanager
def camera_phone(browser: Any, camera_file: Path) -> Iterator[Any]:
    """A phone whose camera films what `camera_file` shows: its own Chromium, whose fake
    camera plays the file, with the camera granted as a fitter would (the fake UI says yes)."""
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera_file}",
        ],
    )
    try:
        phone = new_phone(camera, permissions=["camera"])
        yield phone
        phone.close()
    finally:
        camera.close()


def decoded(page: Any, modules: list[list[int]]) -> str | None:
    """What a QR decoder (jsQR as the app vendors it) reads from these modules."""
    return page.evaluate(  # type: ignore[no-any-return]
        """async (modules) => {
          const { default: jsQR } = await import('/vendor/jsqr.js');
          const scale = 4, n = modules.length * scale;
          const pixels = new Uint8ClampedArray(n * n * 4).fill(255);
          modules.forEach((row, r) => row.forEach((dark, c) => {
            if (!dark) return;
            for (let y = 0; y < scale; y++) for (let x = 0; x < scale; x++) {
              const i = ((r * scale + y) * n + c * scale + x) * 4;
              pixels[i] = pixels[i + 1] = pixels[i + 2] = 0;
            }
          }));
          return jsQR(pixels, n, n)?.data ?? null;
        }""",
        modules,
    )


def pairing_link(stack: dict[str, Any], code: str) -> str:
    """The app's pairing address for this gateway and code, as the QR code should hold it."""
    gateway = quote(stack["gateway_url"], safe="")
    return f"{stack['server_url']}/gateway?url={gateway}#code={code}"


def main_view_speaks_plainly(page: Any) -> str:
    """The panel's text as the fitter sees it ("Detaljer" closed): no developer words."""
    details = page.get_by_test_id("lock-op-details")
    if details.count():
        assert details.get_attribute("open") is None, "Detaljer must be closed for this check"
    text: str = page.get_by_test_id("lock-panel").inner_text()
    for word in DEVELOPER_WORDS:
        assert word not in text, f"{word!r} in the lock panel's main view:\n{text}"
    assert not MAC_ADDRESS.search(text), f"a MAC address in the main view:\n{text}"
    return text


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
    main_view_speaks_plainly(page)
    check_screen(page, "lock-panel-pair-gateway", full_page=False)

    # This browser has no camera: scanning says so and what to do, and opens the typing.
    page.get_by_role("button", name="Skanna QR-koden").click()
    expect(page.get_by_test_id("gateway-error")).to_contain_text(
        "skriv koden i stället", ignore_case=True
    )
    expect(page.get_by_label("Gatewayens adress")).to_be_visible()

    # Pair the app with the gateway by typing: a wrong code is refused, the printed one works.
    page.get_by_label("Gatewayens adress").fill(stack["gateway_url"])
    wrong = "000000" if stack["code"] != "000000" else "111111"
    page.get_by_label("Kod från gatewayen (6 siffror)").fill(wrong)
    page.get_by_role("button", name="Koppla ihop med gatewayen").click()
    expect(page.get_by_test_id("gateway-error")).to_contain_text("Fel eller gammal kod")
    page.get_by_label("Kod från gatewayen (6 siffror)").fill(stack["code"])
    page.get_by_role("button", name="Koppla ihop med gatewayen").click()
    expect(page.get_by_test_id("gateway-status")).to_contain_text("svarar")

    # Wake: the panel says in plain words what goes on and what to do; the fitter touches it.
    page.get_by_role("button", name="Väck").click()
    progress = page.get_by_test_id("lock-op-progress")
    expect(progress).to_contain_text("Håll telefonen nära låset")
    expect(page.get_by_test_id("lock-op-action")).to_have_text("Tryck på låset så att det vaknar.")
    expect(page.get_by_test_id("lock-op-now")).to_have_text("Tryck på låset så att det vaknar.")
    main_view_speaks_plainly(page)
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
    steps = progress.get_by_role("listitem")
    expect(steps).to_have_text(
        ["Håll telefonen nära låset", "Väcker låset…", "Läser batteriet…", "Klart"],
        use_inner_text=True,
    )
    expect(page.get_by_test_id("lock-op-now")).to_have_text("Klart")
    plain = main_view_speaks_plainly(page)
    assert "Detaljer" in plain
    page.get_by_test_id("lock-panel").scroll_into_view_if_needed()
    check_screen(page, "lock-panel-battery-verified", full_page=False)

    # "Detaljer" holds what the gateway logged: the lock's radio address, the link, the command.
    page.get_by_text("Detaljer", exact=True).click()
    log = page.get_by_test_id("lock-op-log")
    expect(log).to_contain_text("MTU")
    expect(log).to_contain_text("READ_REPORT")
    assert MAC_ADDRESS.search(log.inner_text()), log.inner_text()
    expect(page.get_by_test_id("lock-op-details")).to_contain_text("voltage_mv")
    page.get_by_test_id("lock-op-details").scroll_into_view_if_needed()
    check_screen(page, "lock-panel-details", full_page=False)
    page.get_by_text("Detaljer", exact=True).click()
    lock = httpx.get(f"{server_url}/api/locks/{lock_id}", cookies=cookies).json()
    assert lock["verified_by_lock"] is True and lock["battery_verified_at"] is not None
    assert lock["customer_id"] is not None

    # No gateway: it is said plainly, and the buttons wait.
    stack["gateway"].stop()
    page.get_by_role("button", name="Försök igen").click()
    expect(page.get_by_test_id("gateway-unreachable")).to_contain_text(
        "Ingen gateway svarar", timeout=10_000
    )
    expect(page.get_by_test_id("gateway-unreachable")).to_contain_text("tryck sedan på Försök igen")
    main_view_speaks_plainly(page)
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
    page.get_by_text("Skriv koden i stället").click()
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
    expect(page.get_by_role("button", name="Scan the QR code")).to_be_visible()
    check_screen(page, "lock-panel-app-removed-en", full_page=False)
    assert errors == []
    phone.close()


def test_the_app_pairs_by_scanning_the_qr_code_the_gateway_prints(
    stack: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    server_url = stack["server_url"]
    order_id, _lock_id, _cookies = installation_order(server_url)

    # First the camera films another QR code (a web address on a lock's leaflet): the scanner
    # says it is not the gateway's and keeps looking; the fitter cancels. The decoder (jsQR)
    # is fetched only now, when the fitter scans.
    other = segno.make("https://lockwork.example/hjalp", error="m", micro=False)
    other_modules = [[1 if m else 0 for m in row] for row in other.matrix]
    other_file = write_camera_file(tmp_path / "other.y4m", other_modules)
    with camera_phone(browser, other_file) as phone:
        page = phone.page
        open_order_panel(page, server_url, order_id).scroll_into_view_if_needed()
        assert page.evaluate(JSQR_LOADED) is False
        page.get_by_role("button", name="Skanna QR-koden").click()
        expect(page.get_by_test_id("gateway-scan-status")).to_have_text(
            "Det där är inte gatewayens QR-kod. Håll kameran mot QR-koden som gatewayen visar.",
            timeout=SCAN_TIMEOUT_MS,
        )
        expect(page.get_by_test_id("gateway-scan-status")).to_have_attribute("data-decoder", "jsqr")
        assert page.evaluate(JSQR_LOADED) is True
        page.get_by_test_id("gateway-scanner").scroll_into_view_if_needed()
        check_screen(page, "lock-panel-scanning", full_page=False)
        page.get_by_role("button", name="Avbryt").click()
        expect(page.get_by_role("button", name="Skanna QR-koden")).to_be_focused()
        assert page.evaluate("document.querySelector('video')") is None  # the camera is off
        assert phone.errors == []

    # Where the platform reads QR codes itself (BarcodeDetector on Android and iOS; stood in
    # for here, as Chromium on Linux has none), it does, and jsQR is never fetched.
    code, _modules = new_code_with_qr(stack)
    with camera_phone(browser, other_file) as phone:
        page = phone.page
        phone.context.add_init_script(native_detector(pairing_link(stack, code)))
        open_order_panel(page, server_url, order_id)
        page.get_by_role("button", name="Skanna QR-koden").click()
        expect(page.get_by_test_id("gateway-status")).to_contain_text(
            "svarar och är redo", timeout=SCAN_TIMEOUT_MS
        )
        assert page.evaluate(JSQR_LOADED) is False
        assert phone.errors == []

    # Then the QR code on the gateway's terminal, filmed: it holds the app's pairing address
    # with the new code, and the app pairs with it.
    code, modules = new_code_with_qr(stack)
    camera_file = write_camera_file(tmp_path / "gateway-terminal.y4m", modules)
    with camera_phone(browser, camera_file) as phone:
        page, errors = phone.page, phone.errors
        open_order_panel(page, server_url, order_id).scroll_into_view_if_needed()
        assert decoded(page, modules) == pairing_link(stack, code)
        # Chromium on Linux has no BarcodeDetector: the vendored jsQR decodes the frames.
        assert page.evaluate("typeof BarcodeDetector") == "undefined"

        page.get_by_role("button", name="Skanna QR-koden").click()
        expect(page.get_by_test_id("gateway-status")).to_contain_text(
            "svarar och är redo", timeout=SCAN_TIMEOUT_MS
        )
        expect(page.get_by_role("button", name="Väck")).to_be_enabled()
        main_view_speaks_plainly(page)
        check_screen(page, "lock-panel-paired-by-qr", full_page=False)
        assert errors == []

    # A phone's own camera opens the link in the QR code: the app pairs and returns to the
    # order whose panel asked for pairing.
    code, modules = new_code_with_qr(stack)
    phone = new_phone(browser)
    page, errors = phone.page, phone.errors
    open_order_panel(page, server_url, order_id)
    expect(page.get_by_role("button", name="Skanna QR-koden")).to_be_visible()
    link = decoded(page, modules)
    assert link == pairing_link(stack, code)
    page.goto(link)
    expect(page).to_have_url(f"{server_url}/orders/{order_id}", timeout=SCAN_TIMEOUT_MS)
    expect(page.get_by_test_id("gateway-status")).to_contain_text("svarar och är redo")
    # An old link (its code used up): said plainly, with what to do, and scanning offered.
    page.goto(link)
    expect(page.get_by_test_id("gateway-error")).to_contain_text("Starta om gatewayen")
    assert "code=" not in page.url  # the code left the address bar at once
    expect(page.get_by_role("button", name="Skanna QR-koden")).to_be_visible()
    check_screen(page, "gateway-link-old-code", full_page=False)
    assert errors == []
    phone.close()

    # Not logged in yet: the code waits in the fragment through the login, then pairs (and
    # with no panel waiting, the app opens Min dag).
    code, _modules = new_code_with_qr(stack)
    phone = new_phone(browser)
    page, errors = phone.page, phone.errors
    page.goto(pairing_link(stack, code))
    page.get_by_label("Användarnamn").fill(FITTER)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(f"{server_url}/", timeout=SCAN_TIMEOUT_MS)
    page.goto(f"{server_url}/orders/{order_id}")
    expect(page.get_by_test_id("gateway-status")).to_contain_text("svarar och är redo")
    assert errors == []
    phone.close()

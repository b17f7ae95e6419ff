"""Issue 16: 200 % text on a 360×740 phone, as a person who has set large text in the browser.

Chromium's default font size is set to 32 px (the setting a person changes; 16 px is 100 %),
through the DevTools protocol, so the app's rem-based sizes and em-based media queries follow
it as they would on the phone. Every main screen of the fitter and of home-care staff is then
checked: axe-core finds nothing serious, nothing scrolls sideways, the navigation is not
clipped, and no word is split across two lines. A real ``lockwork-server`` with the demo data.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.harness import (
    FITTER,
    ORDERER,
    World,
    check_screen,
    login,
    new_phone,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

DOUBLE_TEXT_PX = 32  # 200 % of the browsers' default 16 px

# Words split across lines, and parts whose content is cut off: the text nodes of the status
# bar, the navigation, headings, buttons and links, word by word (a word whose rectangles start
# on two different lines was split), and elements narrower than their content.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const roots = document.querySelectorAll(
    '.top, #nav, main h1, main h2, main h3, main button, main a, main label, main .status');
  const seen = new Set();
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (seen.has(node) || !node.parentElement.offsetParent) continue;
      seen.add(node);
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        const tops = new Set(rects.map((r) => Math.round(r.top)));
        // Split although the whole word would have fitted the width of the part it is in (a
        // word longer than that has to break somewhere; a squeezed flex item does not).
        const style = getComputedStyle(root);
        const room = root.clientWidth
          - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const wordWidth = rects.reduce((sum, r) => sum + r.width, 0);
        if (tops.size > 1 && wordWidth <= room) {
          problems.push(`split word "${match[0]}" in ${root.localName}.${root.className}`);
        }
      }
    }
  }
  const parts = '#nav a, .top .status-row > *, main button, main .button';
  for (const el of document.querySelectorAll(parts)) {
    if (el.offsetParent && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`clipped: ${el.localName} "${el.textContent.trim().slice(0, 30)}"`);
    }
  }
  return problems;
}"""


def large_text(page: Any) -> None:
    session = page.context.new_cdp_session(page)
    session.send("Page.setFontSizes", {"fontSizes": {"standard": DOUBLE_TEXT_PX}})


def check_large(page: Any, name: str) -> None:
    expect(page.locator("main h1")).to_be_visible()
    check_screen(page, f"200pct-{name}")
    assert page.evaluate(LAYOUT_PROBLEMS) == [], name


def test_the_fitters_screens_at_200_percent(live_server: LiveServer, browser: Any) -> None:
    server = live_server.url
    order = World.of(server).new_order("Stor text")
    phone = new_phone(browser)
    page = phone.page
    large_text(page)
    login(phone, server, FITTER)
    for name, path in (
        ("my-day", "/"),
        ("orders", "/orders"),
        ("order-to-call", f"/orders/{order['id']}"),
        ("more", "/settings"),
    ):
        page.goto(server + path)
        check_large(page, f"fitter-{name}")
    assert phone.errors == []
    phone.close()


def test_home_care_staffs_screens_at_200_percent(live_server: LiveServer, browser: Any) -> None:
    server = live_server.url
    order = World.of(server).new_order("Stor text, hemtjänst")
    phone = new_phone(browser)
    page = phone.page
    large_text(page)
    login(phone, server, ORDERER)
    for name, path in (
        ("orders", "/"),
        ("order", f"/orders/{order['id']}"),
        ("locks", "/locks"),
        ("new-order", "/orders/new"),
    ):
        page.goto(server + path)
        check_large(page, f"orderer-{name}")
    assert phone.errors == []
    phone.close()

"""Headless Chromium as a context manager, for tests that manage their own browser.

Built on tests/browser/harness.py (skips locally / fails under CI=true without Playwright or
Chromium); most tests use the `browser` fixture of conftest.py instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from tests.browser.harness import launch, require_playwright


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    with require_playwright().sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()

"""Fault reports made through the public API, as the page /f sends them, for the desk's
browser tests (``test_fault_cases_desk.py``, ``test_pwa_forms.py``)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.browser.harness import World

REPORTS = "/api/public/fault-reports"


def public_report(server: str, text: str, **extra: Any) -> dict[str, Any]:
    """A report as the page sends it: the form token, waited for, then the report. The
    receipt: ``{number, follow_secret, follow_path}``."""
    form = httpx.get(server + REPORTS + "/form").json()
    time.sleep(form["wait_seconds"] + 0.2)  # the page waits as long (the anti-automation check)
    body = {
        "form_token": form["form_token"],
        "text": text,
        "name": "Anna Andersson",
        "phone": "070-123 45 67",
        "relation": "relative",
        **extra,
    }
    answer = httpx.post(server + REPORTS, json=body)
    assert answer.status_code == 202, answer.text
    return answer.json()  # type: ignore[no-any-return]


def free_lock(world: World) -> dict[str, Any]:
    """An installed lock whose resident has no open order at all (an order made from a report
    for it is not refused as a second open one)."""
    busy = {
        o["customer_id"]
        for o in world.orderer.get("/api/orders/", limit=200)["items"]
        if o["status"] not in ("done", "cancelled")
    }
    locks = world.orderer.get("/api/locks/", limit=200)["items"]
    return next(lock for lock in locks if lock["customer_id"] and lock["customer_id"] not in busy)


def case_of(world: World, number: str) -> dict[str, Any]:
    """The planner's case with this number."""
    items = world.planner.get("/api/cases", limit=200)["items"]
    return next(c for c in items if c["number"] == number)

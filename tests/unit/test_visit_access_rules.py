"""The pure rules of who may reach a lock in a visit: its window, and which lock it may pair."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lock_protocol.timing import CREDENTIAL_MAX_LIFETIME_SECONDS
from server.errors import Conflict
from server.locks.pairing_rules import PairingVisit, check_pairing
from server.locks.visit_window import (
    CREDENTIAL_PREFETCH_S,
    DEFAULT_ESTIMATE_MINUTES,
    VISIT_MARGIN_S,
    require_inside,
    require_issuable,
    visit_window,
)
from server.orders.lifecycle import OrderKind

START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
T = int(START.timestamp())


def test_the_window_is_the_booked_visit_widened_by_the_margin() -> None:
    window = visit_window(START, 45)
    assert (window.start, window.end) == (T - VISIT_MARGIN_S, T + 45 * 60 + VISIT_MARGIN_S)
    unestimated = visit_window(START, None)
    assert unestimated.end == T + DEFAULT_ESTIMATE_MINUTES * 60 + VISIT_MARGIN_S
    # A day-long estimate is cut to the longest credential a lock accepts.
    long = visit_window(START, 24 * 60)
    assert long.end - long.start == CREDENTIAL_MAX_LIFETIME_SECONDS


def test_an_order_without_a_booked_time_has_no_window() -> None:
    with pytest.raises(Conflict) as refused:
        visit_window(None, 60)
    assert refused.value.code == "no_booked_time" and refused.value.message_sv


@pytest.mark.parametrize(
    ("offset_s", "inside", "issuable"),
    [
        # (seconds from the booked start, ticket/unbind allowed, credential allowed)
        (-CREDENTIAL_PREFETCH_S - VISIT_MARGIN_S - 1, False, False),  # more than a day ahead
        (-CREDENTIAL_PREFETCH_S - VISIT_MARGIN_S, False, True),  # fetched in the morning
        (-VISIT_MARGIN_S - 1, False, True),
        (-VISIT_MARGIN_S, True, True),  # the window opens
        (0, True, True),
        (60 * 60 + VISIT_MARGIN_S, True, True),  # the window closes (60 min visit)
        (60 * 60 + VISIT_MARGIN_S + 1, False, False),  # the visit is over
    ],
)
def test_what_is_issued_when(offset_s: int, inside: bool, issuable: bool) -> None:
    window = visit_window(START, 60)
    now = T + offset_s
    for check, allowed in ((require_inside, inside), (require_issuable, issuable)):
        if allowed:
            check(window, now)
        else:
            with pytest.raises(Conflict) as refused:
                check(window, now)
            assert refused.value.code == "outside_visit_window"
            # Local (Swedish) times of the window, in both languages.
            assert "12:30" in refused.value.message and "12:30" in refused.value.message_sv
    assert window.contains(now) is inside


def _pairing(kind: OrderKind, named: str | None, serial: str | None, elsewhere: bool) -> str:
    try:
        check_pairing(PairingVisit(kind, named), serial, elsewhere)
    except Conflict as refused:
        assert refused.message and getattr(refused, "message_sv", "")
        return refused.code
    return "ok"


@pytest.mark.parametrize(
    ("kind", "named", "serial", "elsewhere", "expected"),
    [
        # An installation: the lock it names, or any new lock when it names none.
        (OrderKind.INSTALLATION, "LW-1", "LW-1", False, "ok"),
        (OrderKind.INSTALLATION, None, "LW-2", False, "ok"),
        (OrderKind.INSTALLATION, None, None, False, "ok"),
        (OrderKind.INSTALLATION, "LW-1", "LW-2", False, "wrong_lock_for_order"),
        (OrderKind.INSTALLATION, None, "LW-2", True, "lock_installed_elsewhere"),
        # A service visit: its own lock again, or a new one once the old was replaced.
        (OrderKind.SERVICE, "LW-1", "LW-1", False, "ok"),
        (OrderKind.SERVICE, "LW-1", "LW-2", False, "lock_replacement_required"),
        (OrderKind.SERVICE, None, "LW-2", False, "ok"),
        (OrderKind.SERVICE, None, "LW-2", True, "lock_installed_elsewhere"),
        # Other visits pair nothing.
        (OrderKind.BATTERY, "LW-1", "LW-1", False, "wrong_order_kind"),
        (OrderKind.REMOVAL, "LW-1", None, False, "wrong_order_kind"),
        (OrderKind.INSPECTION, None, "LW-2", False, "wrong_order_kind"),
    ],
)
def test_which_lock_a_visit_may_pair(
    kind: OrderKind, named: str | None, serial: str | None, elsewhere: bool, expected: str
) -> None:
    assert _pairing(kind, named, serial, elsewhere) == expected


def test_window_ends_follow_the_estimate() -> None:
    for minutes in (5, 45, 90, 600):
        window = visit_window(START, minutes)
        assert timedelta(seconds=window.end - window.start) == timedelta(
            minutes=minutes, seconds=2 * VISIT_MARGIN_S
        )

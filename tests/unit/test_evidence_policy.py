"""The per-kind lock evidence policy, pinned: which lock-signed report closes an order of each
kind, from which lock, and whether a written override may close it without one."""

from __future__ import annotations

from datetime import date

import pytest

from server.errors import TransitionRefused
from server.orders.lifecycle import (
    EVIDENCE_POLICY,
    Action,
    OrderKind,
    OrderStatus,
    TransitionContext,
    transition,
)

# Written out by hand from DESIGN.md; deliberately not derived from the module.
# kind -> (report, lock it comes from, override allowed)
EXPECTED: dict[str, tuple[str | None, str | None, bool]] = {
    "installation": ("pairing_receipt", "at_customer", True),
    "service": ("lock_report", "order_lock", True),
    "battery": ("lock_report", "order_lock", True),
    "removal": (None, None, False),
    "inspection": (None, None, False),
}


def test_the_policy_is_exactly_the_expected_table() -> None:
    actual = {
        kind.value: (
            policy.report,
            policy.lock.value if policy.lock is not None else None,
            policy.override_allowed,
        )
        for kind, policy in EVIDENCE_POLICY.items()
    }
    assert actual == EXPECTED


def _complete(kind: str, *, evidence: bool, override: str | None) -> bool:
    """Completes an in-progress order; returns whether it was flagged as overridden."""
    context = TransitionContext(
        kind=OrderKind(kind),
        today=date(2026, 3, 10),
        has_completion_report=True,
        has_verified_lock_report=evidence,
        override_reason=override,
    )
    result = transition(OrderStatus.IN_PROGRESS, Action.COMPLETE, context)
    assert result.status is OrderStatus.DONE
    return result.lock_evidence_overridden


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_the_completion_guard_follows_the_table(kind: str) -> None:
    report, _, override_allowed = EXPECTED[kind]
    assert _complete(kind, evidence=True, override=None) is False
    if report is None:
        assert _complete(kind, evidence=False, override=None) is False
        return
    with pytest.raises(TransitionRefused) as refused:
        _complete(kind, evidence=False, override=None)
    assert refused.value.code == "lock_evidence_missing"
    if override_allowed:
        assert _complete(kind, evidence=False, override="Lock unreachable") is True

"""The outbox's retry schedule: doubling from 30 s, capped at an hour, bounded attempts."""

from __future__ import annotations

import random

from server.notify import outbox


def test_backoff_doubles_then_caps_and_gives_up_within_a_working_day() -> None:
    rng = random.Random(1)
    delays = [outbox.backoff_seconds(n, rng) for n in range(1, outbox.MAX_ATTEMPTS)]
    bases = [
        min(outbox.RETRY_MAX_SECONDS, 30 * 2 ** (n - 1)) for n in range(1, outbox.MAX_ATTEMPTS)
    ]
    for delay, base in zip(delays, bases, strict=True):
        assert base <= delay <= base * (1 + outbox.RETRY_JITTER_FRACTION)
    assert bases[:3] == [30, 60, 120] and bases[-1] == outbox.RETRY_MAX_SECONDS
    # All retries together end the same working day: an admin sees the failure in time.
    assert 6 * 3600 < sum(bases) < 10 * 3600

"""The simulated lock's clocks: its real-time clock and the timer of its wake window.

A lock reads two kinds of time: Unix seconds (``time()``: its real-time clock, which the protocol
checks credentials, tickets, nonces and the pairing window against, and which stamps its event
log) and a steady timeline for its own timers (``monotonic()`` and ``call_later()``: how long it
stays awake). `SystemClock` is the real one; `ManualClock` moves only when a test advances it,
so a test that needs a lock's wake window to pass says so instead of sleeping through it.

The radio itself (advertising intervals, a dropped link's outage, a deliberately slow answer)
keeps real time: the gateway on the other side measures it with its own clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class Timer(Protocol):
    """What `call_later` gives back: it can be cancelled before it fires."""

    def cancel(self) -> None: ...


class SimClock(Protocol):
    """The time a simulated lock sees."""

    def time(self) -> float:
        """Unix seconds: the lock's real-time clock."""
        ...

    def monotonic(self) -> float:
        """Seconds on a steady timeline, for the lock's own timers."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` once ``delay`` seconds have passed on the steady timeline."""
        ...


@dataclass(frozen=True)
class SystemClock:
    """Real time: ``wall`` (``time.time`` unless given) and the running event loop's timers."""

    wall: Callable[[], float] = time.time

    def time(self) -> float:
        return self.wall()

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return asyncio.get_running_loop().call_later(delay, callback)


@dataclass
class _Scheduled:
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class ManualClock:
    """Time that stands still until `advance`; both timelines move together.

    ``advance(seconds)`` runs every timer that falls due, in order, each with the clock set to
    its due time, then leaves the clock at the new time. Callbacks run synchronously; what they
    start in the background (the lock's radio update) runs on the next loop turns.
    """

    now: float = field(default_factory=time.time)
    _due: list[tuple[float, int, _Scheduled]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        scheduled = _Scheduled(callback)
        heapq.heappush(self._due, (self.now + max(0.0, delay), next(self._order), scheduled))
        return scheduled

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass, firing the timers that fall due on the way."""
        if seconds < 0:
            raise ValueError("a clock does not go back")
        until = self.now + seconds
        while self._due and self._due[0][0] <= until:
            at, _, scheduled = heapq.heappop(self._due)
            self.now = max(self.now, at)
            if not scheduled.cancelled:
                scheduled.callback()
        self.now = until


def as_sim_clock(clock: SimClock | Callable[[], float]) -> SimClock:
    """A `SimClock` from either one or a plain Unix-seconds function (real timers then)."""
    if isinstance(clock, SystemClock | ManualClock):
        return clock
    if callable(clock):
        return SystemClock(clock)
    return clock

"""When a booked visit lets its fitter at the lock (pure: no I/O, no clock of its own).

The municipalities' rule is a key valid only during the visit. A visit is booked from the
order's ``planned_start`` for its ``estimate_minutes``; the lock may be operated in that window
widened by `VISIT_MARGIN_S` on both sides. Staff credentials are signed for exactly this window
(the lock checks it with its own clock); pairing tickets and unbind tokens, which live ten
minutes, are issued only inside it. A credential may be fetched ahead, the same working day,
so that the fitter can work offline (the lock still refuses it before the window opens).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from lock_protocol.timing import CREDENTIAL_MAX_LIFETIME_SECONDS
from server.clock import LOCAL_ZONE
from server.errors import Conflict

# Fitters arrive early or late (traffic, the previous job running over) and a job may overrun
# its estimate; half an hour either side covers an ordinary day. A visit further off its
# booked time is rebooked, and so gets a new window.
VISIT_MARGIN_S: Final = 30 * 60
# An order booked without an estimate: fitting a lock unit takes about 30 minutes (domain
# note); an hour leaves room for the checks around it.
DEFAULT_ESTIMATE_MINUTES: Final = 60
# Staff refresh their list at the start of the shift and then work without a network (domain
# note), so a credential for a visit later the same working day may be fetched in the morning.
CREDENTIAL_PREFETCH_S: Final = 12 * 3600

OUTSIDE_VISIT_WINDOW: Final = "outside_visit_window"
NO_BOOKED_TIME: Final = "no_booked_time"


@dataclass(frozen=True)
class VisitWindow:
    """When the lock may be operated for one visit (Unix seconds, both ends included)."""

    start: int
    end: int

    def contains(self, now: float) -> bool:
        return self.start <= now <= self.end


def visit_window(planned_start: datetime | None, estimate_minutes: int | None) -> VisitWindow:
    """The booked visit widened by the margin; capped at the protocol's longest credential."""
    if planned_start is None:
        raise Conflict(
            "The order has no booked time, so its visit gives no access to the lock. Book "
            "the visit first.",
            code=NO_BOOKED_TIME,
            message_sv="Ordern har ingen bokad tid, så besöket ger ingen tillgång till låset. "
            "Boka besöket först.",
        )
    minutes = estimate_minutes if estimate_minutes is not None else DEFAULT_ESTIMATE_MINUTES
    begins = int(planned_start.timestamp())
    start = begins - VISIT_MARGIN_S
    end = begins + minutes * 60 + VISIT_MARGIN_S
    return VisitWindow(start, min(end, start + int(CREDENTIAL_MAX_LIFETIME_SECONDS)))


def _local(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")


def _outside(window: VisitWindow, english: str, swedish: str) -> Conflict:
    start, end = _local(window.start), _local(window.end)
    return Conflict(
        f"{english} The visit gives access to the lock from {start} to {end}.",
        code=OUTSIDE_VISIT_WINDOW,
        message_sv=f"{swedish} Besöket ger tillgång till låset från {start} till {end}.",
    )


def require_inside(window: VisitWindow, now: float) -> None:
    """For what is used at once (pairing tickets, unbind tokens): now must be in the window."""
    if now < window.start:
        raise _outside(window, "The visit has not started yet.", "Besöket har inte börjat.")
    if now > window.end:
        raise _outside(window, "The visit is over.", "Besöket är slut.")


def require_issuable(window: VisitWindow, now: float) -> None:
    """For a staff credential: the visit is not over, and it is at most a working day ahead."""
    if now > window.end:
        raise _outside(window, "The visit is over.", "Besöket är slut.")
    if window.start - now > CREDENTIAL_PREFETCH_S:
        raise _outside(
            window,
            "The visit is more than a working day ahead; fetch the key on the day.",
            "Besöket är mer än en arbetsdag bort; hämta nyckeln samma dag.",
        )

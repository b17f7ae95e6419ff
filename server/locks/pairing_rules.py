"""Which lock a visit may pair (pure: no I/O).

An installation pairs a new lock to the order's customer: the lock the order names, if it
names one, and never a lock installed at another customer. A service visit pairs only in place
of the order's lock, and only after the fitter recorded that lock's removal (the explicit
replacement step, which leaves the order without a lock until the new one is paired); pairing
the order's own lock again (after a signed unbind) stays possible. Everything else is refused
with the reason, before a ticket is issued and again when the lock's receipt arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from server.errors import Conflict
from server.orders.lifecycle import OrderKind

# A new lock is paired on an installation, or when a service visit replaces the lock unit.
PAIRING_KINDS: Final = frozenset({OrderKind.INSTALLATION, OrderKind.SERVICE})

WRONG_LOCK_FOR_ORDER: Final = "wrong_lock_for_order"
LOCK_REPLACEMENT_REQUIRED: Final = "lock_replacement_required"
LOCK_INSTALLED_ELSEWHERE: Final = "lock_installed_elsewhere"


@dataclass(frozen=True)
class PairingVisit:
    """The order as pairing sees it."""

    kind: OrderKind
    lock_serial: str | None  # the lock the order names; None: none yet, or replaced


def check_pairing(visit: PairingVisit, serial: str | None, installed_elsewhere: bool) -> None:
    """Raise `Conflict` unless pairing lock ``serial`` on this visit is allowed.

    ``serial`` None (a ticket asked for without naming the lock) checks only the order's kind;
    the receipt is checked again with the serial the lock signed. ``installed_elsewhere``: the
    server has this serial installed at another customer.
    """
    if visit.kind not in PAIRING_KINDS:
        allowed = " or ".join(sorted(k.value for k in PAIRING_KINDS))
        raise Conflict(
            f"This is a {visit.kind.value} order; locks are paired on {allowed} orders.",
            code="wrong_order_kind",
            message_sv=f"Det här är en order av typen {visit.kind.value}; lås parkopplas på "
            "installations- och serviceordrar.",
        )
    if serial is None:
        return
    named = visit.lock_serial
    if named is not None and serial != named:
        if visit.kind is OrderKind.SERVICE:
            raise Conflict(
                f"This service order is for lock {named}. To fit lock {serial} in its place, "
                f"record on the order that {named} is replaced (removed) first.",
                code=LOCK_REPLACEMENT_REQUIRED,
                message_sv=f"Serviceordern gäller låset {named}. För att sätta upp låset "
                f"{serial} i stället, registrera först på ordern att {named} byts ut "
                "(tas ned).",
            )
        raise Conflict(
            f"This installation is for lock {named}, not {serial}. Pair {named}, or ask the "
            "planner to change the order's lock.",
            code=WRONG_LOCK_FOR_ORDER,
            message_sv=f"Installationen gäller låset {named}, inte {serial}. Parkoppla "
            f"{named}, eller be planeraren ändra orderns lås.",
        )
    if installed_elsewhere:
        raise Conflict(
            f"Lock {serial} is installed at another customer. It is removed there (a removal "
            "order) before it can be paired here.",
            code=LOCK_INSTALLED_ELSEWHERE,
            message_sv=f"Låset {serial} sitter hos en annan kund. Det tas ned där (en "
            "avinstallationsorder) innan det kan parkopplas här.",
        )

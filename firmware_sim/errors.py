"""The simulator's exceptions: one root, `SimulatorError`.

Anything else escaping `firmware_sim` is a bug. Protocol refusals stay inside the protocol
(they travel to the gateway as signed receipts); these are the simulator's own failures.
"""

from __future__ import annotations


class SimulatorError(Exception):
    """Root of every error raised on purpose by `firmware_sim`."""


class StoreError(SimulatorError):
    """A lock's state could not be written or read back."""


class StoreCorruptError(StoreError):
    """A stored lock does not decode. Never replaced silently: that would reset its counter."""


class UnknownLockError(SimulatorError):
    """No lock in the fleet matches the serial, short serial or name given."""


class InvalidRequestError(SimulatorError):
    """A request the simulator cannot honour (a percent out of range, an unknown fault)."""


class ControlError(SimulatorError):
    """The control channel failed: no simulator running, or it refused the request."""


class SimulatorNotRunningError(ControlError):
    """Nothing answers on the control channel."""

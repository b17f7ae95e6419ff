"""What a gateway test works with: the fleet, the operation context, the dev server, a staff key.

Bumble objects bind to the running loop (notes, pitfall 5), so everything is built inside each
test. The gateway side is the product code (`gateway.operations` over `gateway.lock_client`
over `gateway.ble`, bleak on Bumble); the server is the development stand-in
`gateway.dev_authority`, its key vouched for by the simulated fleet's factory authority.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from firmware_sim.fleet import Fleet
from firmware_sim.lock import SimLock
from gateway.dev_authority import ALL_COMMANDS, DevAuthority
from gateway.operations import OperationContext, StaffAccess
from lock_protocol.codes import Command
from lock_protocol.crypto import SigningKey

# A touch in these tests comes from the test itself, at once; 2 s only bounds a broken wait.
TEST_WAKE_TIMEOUT_S = 2.0
# The simulator answers in about a millisecond; 2 s only bounds a hang (the slow-lock test sets
# its own, shorter, timeout).
TEST_ANSWER_TIMEOUT_S = 2.0


@dataclass
class World:
    fleet: Fleet
    ctx: OperationContext
    server: DevAuthority
    staff: SigningKey
    progress: list[str]

    @property
    def lock(self) -> SimLock:
        return self.fleet.locks[0]

    def access(self, lock_id: bytes, commands: frozenset[Command] = ALL_COMMANDS) -> StaffAccess:
        return StaffAccess(
            self.staff, self.server.credential(lock_id, self.staff.public_key, commands)
        )


WorldFactory = Callable[..., Awaitable[World]]

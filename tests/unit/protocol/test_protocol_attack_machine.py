"""A hypothesis state machine of attacks against the lock core.

Valid commands are mixed with replayed, late, tampered, wrong-lock, expired, forged,
revoked-epoch, wrong-command and stolen-credential attempts. Invariants after every step:
no attack was ever authorised, and the lock's persisted counter equals the number of valid
commands.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from lock_protocol.codes import Actuation, Command, MessageType
from lock_protocol.credentials import issue_epoch_update
from lock_protocol.encoding import Frame
from lock_protocol.lock_core import Authorization, LockState
from lock_protocol.timing import CLOCK_SKEW_SECONDS, NONCE_VALIDITY_SECONDS
from tests.unit.protocol.protocol_world import T0, World, key

ALLOWED = frozenset({Command.READ_STATUS, Command.READ_BATTERY, Command.OPERATE_TEST})
ATTACKER = key("attacker")
OTHER_LOCK_ID = bytes.fromhex("00112233445566778899aabbccddeeff")


class LockUnderAttack(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = World("attack-machine")
        self.now = T0
        update = issue_epoch_update(self.world.server, self.world.lock_id, 1, int(T0))
        self.world.core.handle(Frame(MessageType.SET_MIN_EPOCH, update), T0, self.world.rng)
        self.credential = self.world.credential(epoch=1, commands=ALLOWED)
        self.valid = 0
        self.attacks = 0
        self.bad_accepts = 0
        self.recorded: list[Frame] = []

    # --- helpers ---------------------------------------------------------------------

    def _deliver(self, frame: Frame, now: float) -> bool:
        reply = self.world.core.handle(frame, now, self.world.rng)
        if isinstance(reply, Authorization):
            self.world.core.complete(reply, now, actuation=Actuation.OK)
            return True
        return False

    def _attack(self, frame: Frame, now: float | None = None) -> None:
        self.attacks += 1
        self.recorded.append(frame)
        if self._deliver(frame, self.now if now is None else now):
            self.bad_accepts += 1

    # --- rules -----------------------------------------------------------------------

    @rule(command=st.sampled_from(sorted(ALLOWED)), delay=st.floats(0, NONCE_VALIDITY_SECONDS))
    def valid_command(self, command: Command, delay: float) -> None:
        frame, _pending, _client = self.world.request(self.credential, command, self.now)
        self.now += delay  # answered within the nonce's life
        assert self._deliver(frame, self.now), "a valid command was refused"
        self.valid += 1
        self.recorded.append(frame)

    @precondition(lambda self: bool(self.recorded))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        self._attack(data.draw(st.sampled_from(self.recorded)))

    @rule(delay=st.floats(NONCE_VALIDITY_SECONDS + 0.001, 60))
    def late(self, delay: float) -> None:
        frame, _p, _c = self.world.request(self.credential, Command.OPERATE_TEST, self.now)
        self.now += delay
        self._attack(frame)

    @rule(data=st.data())
    def tampered(self, data: st.DataObject) -> None:
        frame, _p, _c = self.world.request(self.credential, Command.OPERATE_TEST, self.now)
        payload = bytearray(frame.payload)
        index = data.draw(st.integers(0, len(payload) - 1), label="index")
        payload[index] ^= data.draw(st.integers(1, 255), label="xor")
        self._attack(Frame(MessageType.COMMAND, bytes(payload)))

    @rule()
    def wrong_lock(self) -> None:
        credential = self.world.credential(now=self.now, epoch=1, lock_id=OTHER_LOCK_ID)
        frame, _p, _c = self.world.request(credential, Command.OPERATE_TEST, self.now)
        self._attack(frame)

    @rule(overshoot=st.floats(1, 10_000))
    def expired(self, overshoot: float) -> None:
        valid_to = self.now - CLOCK_SKEW_SECONDS - overshoot
        credential = self.world.credential(
            now=self.now, epoch=1, valid_from=valid_to - 3600, valid_to=valid_to
        )
        frame, _p, _c = self.world.request(credential, Command.OPERATE_TEST, self.now)
        self._attack(frame)

    @rule()
    def forged(self) -> None:
        credential = self.world.credential(now=self.now, epoch=1, signer=ATTACKER, staff=ATTACKER)
        frame, _p, _c = self.world.request(
            credential, Command.OPERATE_TEST, self.now, staff=ATTACKER
        )
        self._attack(frame)

    @rule()
    def stolen_credential(self) -> None:
        frame, _p, _c = self.world.request(
            self.credential, Command.OPERATE_TEST, self.now, staff=ATTACKER
        )
        self._attack(frame)

    @rule()
    def revoked_epoch(self) -> None:
        credential = self.world.credential(now=self.now, epoch=0)
        frame, _p, _c = self.world.request(credential, Command.OPERATE_TEST, self.now)
        self._attack(frame)

    @rule(command=st.sampled_from(sorted(set(Command) - ALLOWED)))
    def wrong_command(self, command: Command) -> None:
        args = bytes(16) if command is Command.READ_REPORT else b""
        frame, _p, _c = self.world.request(self.credential, command, self.now, args=args)
        self._attack(frame)

    @rule(step=st.floats(0, 30))
    def time_passes(self, step: float) -> None:
        self.now += step

    # --- invariants ------------------------------------------------------------------

    @invariant()
    def no_attack_accepted(self) -> None:
        assert self.bad_accepts == 0

    @invariant()
    def counter_counts_valid_commands(self) -> None:
        assert self.world.core.state.command_counter == self.valid
        if self.world.store.writes:
            persisted = LockState.from_bytes(self.world.store.writes[-1])
            assert persisted.command_counter == self.valid


LockUnderAttack.TestCase.settings = settings(
    max_examples=220,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLockUnderAttack = LockUnderAttack.TestCase

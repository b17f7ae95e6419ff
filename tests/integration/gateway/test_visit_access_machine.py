"""A hypothesis state machine over visits and gateway operations: the bolt moves only inside a
booked visit of the operating fitter, online and offline; offline only within the window of the
credential the fitter's gateway was given for that visit, and never once the lock has learnt
that the credential was revoked.

In one process for speed, but nothing is mocked: the server app (real database, both engines)
through its HTTP API, two fitters' gateways (the operation runner the local API drives, with
the server lock access and its offline cache) over bleak on Bumble's virtual radio, and the
simulator's lock firmware. Every clock (server, gateways, lock) is one frozen clock the machine
moves. Orders are booked, started, cancelled, reassigned and completed; time moves (also to
the edges of the windows); each gateway goes offline and online, prepares visits and runs the
bolt's test cycle on an order (or on none).

A model predicts every outcome: the server's answer (its visit rules and revocation epochs),
what each gateway cached and forgot, the minimum epoch the lock learnt at each contact, and
so whether the bolt moves. After every step the lock's command counter and motor runs equal
the earlier examples' plus the predicted movements, and every movement is justified.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import httpx
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from firmware_sim.fleet import Fleet
from firmware_sim.lock import SimLock
from firmware_sim.radio_hub import attach_controller, new_link
from gateway.ble.radio import InProcessRadio, open_radio
from gateway.errors import GatewayError
from gateway.known_locks import KnownLocks
from gateway.local_api.runner import OperationKind, OperationRecord, OperationRunner
from gateway.lock_access import ServerLockAccess
from gateway.operations import OperationContext
from gateway.report_queue import ReportQueue
from gateway.server_client import LockServerClient
from gateway.sync_client import SyncClient
from lock_protocol.crypto import SigningKey
from lock_protocol.timing import CLOCK_SKEW_SECONDS
from server.app import create_app
from server.clock import FrozenClock
from server.demo import BATTERY_CHECKLIST
from server.locks.tables import Lock
from server.locks.visit_window import VISIT_MARGIN_S
from server.settings import load_settings
from tests.conftest import TEST_SECRET, _truncate_postgres, api_client
from tests.integration.gateway.gateway_world import TEST_ANSWER_TIMEOUT_S, TEST_WAKE_TIMEOUT_S
from tests.integration.lock_visit import booked_order, transition, trusting
from tests.integration.sim.sim_driver import TEST_TIMING
from tests.integration.world import assign, make_world, place_order
from tests.live_server import free_port

BASE_URL = "http://testserver.local"
T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
FITTERS = ("fitter_1", "fitter_1b")
KINDS = ("inspection", "battery")  # two visits on the lock at once; neither pairs a lock
# When a visit is booked, from now (minutes): mostly around now, some later, some long past.
OFFSETS = st.sampled_from([-150, -60, -20, 0, 0, 10, 25, 45, 90, 180])
# What happens next, weighted: the fitters operate the lock most, around what else happens.
ACTIONS = st.sampled_from(
    [
        *["operate"] * 6,
        *["book"] * 3,
        *["change_a_visit"] * 3,
        *["time_passes"] * 2,
        *["to_the_edge_of_a_window"] * 2,
        *["connection_changes"] * 2,
        *["prepare"] * 2,
        *["hand_over"] * 2,
    ]
)
# How a booked visit changes: started and reassigned more often than it ends.
CHANGES = st.sampled_from(["start", "start", "reassign", "reassign", "cancel", "complete"])
ESTIMATE_MINUTES = 60
VISIT_STATES = frozenset({"ready_for_execution", "in_progress"})
OPEN_STATES = VISIT_STATES  # the machine's orders are booked as they are placed
# The server, its database and the installed lock are built once per engine; each example
# builds only two fresh gateways. 20 programs of 30 steps (some 200 operations on the lock,
# the revocation story among them) take under a minute per engine on two shared cores.
MAX_EXAMPLES = 20
STEPS = 30
# The lock stays awake long enough for a touch, the server's answer and the connect on a
# loaded machine (the simulator's test timing wakes it for 0.4 s only).
MACHINE_TIMING = dataclasses.replace(TEST_TIMING, wake_window_s=5.0)
# Bounds a hung operation only; the simulator answers in milliseconds.
OPERATION_BOUND_S = 30.0
POLL_S = 0.005


@dataclass
class Visit:
    """The model of one order."""

    order_id: str
    fitter: int
    start: int  # its window, Unix seconds (booked start -/+ the margin)
    end: int
    status: str = "ready_for_execution"
    issued: bool = False  # staff credentials issued and not revoked


@dataclass
class Held:
    """The model of what one gateway holds."""

    online: bool = True
    credentials: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # epoch, window
    newest_epoch: int = -1  # of the signed minimum epochs it was given


@dataclass
class Gateway:
    """One fitter's gateway: its operation runner (what the local API drives) with the server
    reachable and with it unreachable, on one data folder (so one offline cache)."""

    online: OperationRunner
    offline: OperationRunner
    access: ServerLockAccess
    clients: list[LockServerClient]


async def run_operation(
    runner: OperationRunner, lock: SimLock, kind: OperationKind, order_id: str | None
) -> OperationRecord:
    record = runner.start(kind, lock.serial, order_id)
    async with asyncio.timeout(OPERATION_BOUND_S):
        while True:  # as the app polls the local API
            if record.state != "running":
                return record
            await asyncio.sleep(POLL_S)


@dataclass
class Stand:
    """What every example shares: the server and its database, the lock (installed at customer
    A by fitter_1's gateway, whose receipt taught the server its key), the radio, one clock.
    An example starts from what the earlier ones left (the lock's epochs and counters, closed
    orders), which its model reads first."""

    loop: asyncio.AbstractEventLoop
    folder: Path
    clock: FrozenClock = field(default_factory=lambda: FrozenClock(T0))
    exits: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    app: Any = None
    http: Any = None
    fleet: Any = None
    ctx: Any = None
    world: Any = None
    lock_row: str = ""
    offline_url: str = ""

    def now(self) -> float:
        return self.clock.now().timestamp()

    @property
    def lock(self) -> SimLock:
        lock: SimLock = self.fleet.locks[0]
        return lock

    async def build(self, database_url: str) -> None:
        link = new_link()
        self.fleet = await Fleet.start(
            self.folder / "sim",
            1,
            lambda name: attach_controller(link, name),
            timing=MACHINE_TIMING,
            clock=self.now,
        )
        self.exits.push_async_callback(self.fleet.close)
        base = load_settings(
            environ={}, data_dir=str(self.folder), database_url=database_url, secret_key=TEST_SECRET
        )
        self.app = create_app(trusting(base, self.fleet.authority), clock=self.clock)
        self.http = await self.exits.enter_async_context(api_client(self.app, BASE_URL))
        radio = await open_radio(InProcessRadio(partial(attach_controller, link)))
        self.exits.push_async_callback(radio.close)
        queue = await ReportQueue.open(self.folder / "reports.sqlite3")
        self.exits.push_async_callback(queue.close)
        self.ctx = OperationContext(
            radio=radio,
            factory_authority_public_key=self.fleet.authority_public_key,
            queue=queue,
            wake_timeout_s=TEST_WAKE_TIMEOUT_S,
            answer_timeout_s=TEST_ANSWER_TIMEOUT_S,
            clock=self.now,
        )
        self.world = await make_world()
        self.offline_url = f"http://127.0.0.1:{free_port()}"  # nothing answers there
        installer = self.gateway(self.folder / "installer", "fitter_1")
        installation = await booked_order(
            self.http, self.world, "installation", planned_start=T0.isoformat()
        )
        await self.lock.press_button()
        paired = await run_operation(installer.online, self.lock, OperationKind.PAIR, installation)
        assert paired.state == "succeeded", paired.error
        sync = SyncClient(http=self.http, headers=self.world["fitter_1"].headers, device="g")
        summary = await queue.upload(sync)
        assert len(summary.uploaded) == 1, summary
        for client in installer.clients:
            await client.close()
        done = await transition(
            self.http,
            self.world["fitter_1"],
            installation,
            action="complete",
            completion={"work_done": "Fitted.", "minutes_spent": 30},
        )
        assert done.status_code == 201, done.text
        listed = await self.http.get(
            "/api/locks",
            params={"customer_id": self.world.ids["customer_a"]},
            headers=self.world["planner_1"].headers,
        )
        self.lock_row = next(
            row["id"] for row in listed.json()["items"] if row["serial"] == self.lock.serial
        )

    def gateway(self, folder: Path, fitter: str) -> Gateway:
        """A new gateway of the fitter (a new staff key, an empty data folder)."""
        staff = SigningKey(os.urandom(32))
        token = self.world[fitter].token
        online = LockServerClient(
            BASE_URL, token, folder, transport=httpx.ASGITransport(app=self.app), clock=self.now
        )
        offline = LockServerClient(self.offline_url, token, folder, clock=self.now)
        access = ServerLockAccess(online, staff)
        return Gateway(
            OperationRunner(self.ctx, access, KnownLocks(folder), folder),
            OperationRunner(self.ctx, ServerLockAccess(offline, staff), KnownLocks(folder), folder),
            access,
            [online, offline],
        )


async def server_epoch(serial: str) -> int:
    row = await Lock.select(Lock.credential_epoch).where(Lock.serial == serial).first()
    assert row is not None
    return int(row["credential_epoch"])


class VisitMachine(RuleBasedStateMachine):
    stand: ClassVar[Stand]

    def __init__(self) -> None:
        super().__init__()
        self.http = self.stand.http
        self.world = self.stand.world
        self.clock = self.stand.clock
        self.lock_row = self.stand.lock_row
        self.visits: list[Visit | None] = [None] * len(KINDS)
        self.held = [Held() for _ in FITTERS]
        folder = self.stand.folder / uuid.uuid4().hex
        self.gateways = [self.stand.gateway(folder / name, name) for name in FITTERS]
        # Where the earlier examples left the server and the lock.
        self.epoch = self.run(server_epoch(self.lock.serial))
        self.lock_min_epoch = self.lock.core.state.min_epoch
        self.counter_before = self.lock.command_counter
        self.motor_before = self.lock.model.mechanics.motor_runs
        self.moves = 0

    def now(self) -> float:
        return self.stand.now()

    @property
    def lock(self) -> SimLock:
        return self.stand.lock

    def run(self, coroutine: Any) -> Any:
        return self.stand.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        """Close what this example left open, so that the next may book the same kinds."""
        for visit in self.visits:
            if visit is not None and visit.status in OPEN_STATES:
                self.cancel(visit)
        for gateway in self.gateways:
            for client in gateway.clients:
                self.run(client.close())

    # -- the model ----------------------------------------------------------------------------

    def revoke(self, visit: Visit) -> None:
        """What the server does when a visit stops being what it issued for."""
        if visit.issued and visit.end >= self.now() - CLOCK_SKEW_SECONDS:
            self.epoch += 1
        visit.issued = False

    def server_grants(self, fitter: int, visit: Visit) -> bool:
        """The server's answer to this fitter's request for the visit's credential; updates
        what the gateway holds (cached, forgotten) as the gateway does."""
        held = self.held[fitter]
        if visit.fitter != fitter or visit.status not in VISIT_STATES:
            held.credentials.pop(visit.order_id, None)  # not yours / not booked: forgotten
            return False
        if self.now() > visit.end:
            return False  # the visit is over (nothing to forget: it would not serve anyway)
        visit.issued = True
        held.credentials[visit.order_id] = (self.epoch, visit.start, visit.end)
        held.newest_epoch = max(held.newest_epoch, self.epoch)
        return True

    def predict_operation(self, fitter: int, visit: Visit | None) -> bool:
        """Whether the bolt moves; updates the model as the step goes."""
        held = self.held[fitter]
        if visit is None:
            return False  # no order named
        if held.online and not self.server_grants(fitter, visit):
            return False
        credential = held.credentials.get(visit.order_id)
        if credential is None:
            return False  # offline with nothing cached
        epoch, start, end = credential
        if not start <= self.now() <= end:
            return False  # the gateway does not contact the lock outside the window
        self.lock_min_epoch = max(self.lock_min_epoch, held.newest_epoch)  # pushed first
        return epoch >= self.lock_min_epoch

    def justify(self, fitter: int, visit: Visit, online: bool) -> None:
        """A movement that happened: inside the visit's window, for this fitter's credential;
        online, for a booked visit of this fitter; offline, not revoked as far as the lock
        knows."""
        now = self.now()
        assert visit.start <= now <= visit.end
        epoch, start, end = self.held[fitter].credentials[visit.order_id]
        assert (start, end) == (visit.start, visit.end) and epoch >= self.lock_min_epoch
        if online:
            assert visit.fitter == fitter and visit.status in VISIT_STATES

    # -- rules: visits ------------------------------------------------------------------------

    @initialize(fitter=st.integers(0, len(FITTERS) - 1), offset_minutes=OFFSETS)
    def first_visit(self, fitter: int, offset_minutes: int) -> None:
        """The shift starts online, with one visit booked."""
        self._book(0, fitter, offset_minutes)

    @rule(data=st.data(), action=ACTIONS)
    def step(self, data: st.DataObject, action: str) -> None:
        """One thing happens. A single rule with weighted actions, rather than one rule each:
        Hypothesis switches whole rules off in some examples (swarm testing), which here would
        leave many examples without any operation on the lock."""
        getattr(self, action)(data)

    def book(self, data: st.DataObject) -> None:
        """The planner books a visit (when the kind has no open order on the lock)."""
        slot = data.draw(st.integers(0, len(KINDS) - 1), label="slot")
        fitter = data.draw(st.integers(0, len(FITTERS) - 1), label="fitter")
        self._book(slot, fitter, data.draw(OFFSETS, label="offset_minutes"))

    def _book(self, slot: int, fitter: int, offset_minutes: int) -> None:
        current = self.visits[slot]
        if current is not None and current.status in OPEN_STATES:
            return  # one open order per kind and lock
        planned = (self.clock.now() + timedelta(minutes=offset_minutes)).replace(second=0)
        self.visits[slot] = self.run(self._place(slot, fitter, planned))

    async def _place(self, slot: int, fitter: int, planned: datetime) -> Visit:
        kind = KINDS[slot]
        extra: dict[str, Any] = {"kind": kind, "lock_id": self.lock_row}
        if kind == "battery":
            extra["checklist"] = BATTERY_CHECKLIST
        order = await place_order(
            self.http, self.world["orderer_a"], self.world.ids["customer_a"], **extra
        )
        actor = self.world[FITTERS[fitter]]
        await assign(self.http, self.world["planner_1"], order["id"], actor)
        for step in (
            {
                "action": "schedule",
                "planned_start": planned.isoformat(),
                "estimate_minutes": ESTIMATE_MINUTES,
            },
            {"action": "confirm"},
        ):
            answer = await transition(self.http, actor, order["id"], **step)
            assert answer.status_code == 201, answer.text
        start = int(planned.timestamp())
        return Visit(
            str(order["id"]),
            fitter,
            start - VISIT_MARGIN_S,
            start + ESTIMATE_MINUTES * 60 + VISIT_MARGIN_S,
        )

    def change_a_visit(self, data: st.DataObject) -> None:
        """The fitter starts it; the planner reassigns or cancels it; the fitter completes it."""
        booked = [v for v in self.visits if v and v.status in OPEN_STATES]
        if not booked:
            return
        visit = data.draw(st.sampled_from(booked), label="visit")
        change = data.draw(CHANGES, label="change")
        fitter = self.world[FITTERS[visit.fitter]]
        if change == "start" and visit.status == "ready_for_execution":
            answer = self.run(transition(self.http, fitter, visit.order_id, action="start"))
            assert answer.status_code == 201, answer.text
            visit.status = "in_progress"
        elif change == "reassign":
            self._reassign(visit)
        elif change == "cancel":
            self.cancel(visit)
        elif change == "complete" and visit.status == "in_progress":
            answer = self.run(
                transition(
                    self.http,
                    fitter,
                    visit.order_id,
                    action="complete",
                    completion={"work_done": "Kontrollerat.", "minutes_spent": 20},
                    override_reason="Avläst utan gateway.",
                )
            )
            assert answer.status_code == 201, answer.text
            visit.status = "done"
            self.revoke(visit)

    # -- rules: time and connectivity ---------------------------------------------------------

    def cancel(self, visit: Visit) -> None:
        answer = self.run(
            transition(
                self.http,
                self.world["planner_1"],
                visit.order_id,
                action="cancel",
                reason="Kunden har ändrat sig.",
            )
        )
        assert answer.status_code == 201, answer.text
        visit.status = "cancelled"
        self.revoke(visit)

    def _reassign(self, visit: Visit) -> None:
        other = 1 - visit.fitter
        self.run(
            assign(self.http, self.world["planner_1"], visit.order_id, self.world[FITTERS[other]])
        )
        visit.fitter = other
        self.revoke(visit)

    def hand_over(self, data: st.DataObject) -> None:
        """The planner gives a visit to the other fitter while the first one, holding its
        credential, is in a basement: the story the revocation epochs are for."""
        held = [
            v
            for v in self.visits
            if v and v.status in OPEN_STATES and v.order_id in self.held[v.fitter].credentials
        ]
        if held:
            visit = data.draw(st.sampled_from(held), label="visit")
            self.held[visit.fitter].online = False
            self._reassign(visit)

    def time_passes(self, data: st.DataObject) -> None:
        minutes = data.draw(st.integers(1, 60), label="minutes")
        self.clock.set(self.clock.now() + timedelta(minutes=minutes))

    def to_the_edge_of_a_window(self, data: st.DataObject) -> None:
        """Time moves to a second before, at or after a window's start or end."""
        visits = [v for v in self.visits if v]
        if not visits:
            return
        visit = data.draw(st.sampled_from(visits), label="visit")
        edge = data.draw(st.sampled_from(["start", "end"]), label="edge")
        seconds = data.draw(st.integers(-1, 1), label="seconds")
        at = (visit.start if edge == "start" else visit.end) + seconds
        if at > self.now():  # time only moves forward
            self.clock.set(datetime.fromtimestamp(at, UTC))

    def connection_changes(self, data: st.DataObject) -> None:
        """A gateway loses the server (a basement) or finds it again. Before the basement the
        fitter often has the app fetch what the day's visits need (the routine at the start
        of a shift)."""
        fitter = data.draw(st.integers(0, len(FITTERS) - 1), label="fitter")
        held = self.held[fitter]
        if held.online and data.draw(st.booleans(), label="prepared first"):
            for visit in [v for v in self.visits if v and v.fitter == fitter]:
                self._prepare(fitter, visit)
        held.online = not held.online

    # -- rules: the gateways ------------------------------------------------------------------

    def prepare(self, data: st.DataObject) -> None:
        """In the car park (or at the start of the shift): fetch the visit's credential."""
        visits = [v for v in self.visits if v]
        fitter = data.draw(st.integers(0, len(FITTERS) - 1), label="fitter")
        if not visits or not self.held[fitter].online:
            return
        self._prepare(fitter, data.draw(st.sampled_from(visits), label="visit"))

    def _prepare(self, fitter: int, visit: Visit) -> None:
        granted = self.server_grants(fitter, visit)
        access = self.gateways[fitter].access
        try:
            prepared = self.run(access.prepare(visit.order_id))
        except GatewayError as exc:  # the server's refusal, as the local API reports it
            assert not granted, exc
        else:
            assert granted and prepared.credential_valid_to == visit.end, prepared

    def operate(self, data: st.DataObject) -> None:
        """A fitter runs the bolt's test cycle on a visit (mostly its own), or on no order."""
        booked = [v for v in self.visits if v and v.status in OPEN_STATES]
        closed = [v for v in self.visits if v and v.status not in OPEN_STATES]
        visit = data.draw(
            st.sampled_from([*booked, *booked, *booked, *closed, None]), label="visit"
        )
        # Mostly the visit's fitter, or one whose gateway still holds a credential for it (a
        # visit reassigned or cancelled behind an offline gateway's back).
        likely = []
        if visit is not None:
            holders = [f for f, held in enumerate(self.held) if visit.order_id in held.credentials]
            likely = [visit.fitter] * 3 + holders * 3
        fitter = data.draw(st.sampled_from([*likely, *range(len(FITTERS))]), label="fitter")
        online = self.held[fitter].online
        expected = self.predict_operation(fitter, visit)
        gateway = self.gateways[fitter]
        runner = gateway.online if online else gateway.offline
        before = self.lock.command_counter
        self.run(self.lock.touch())
        order_id = visit.order_id if visit else None
        record = self.run(run_operation(runner, self.lock, OperationKind.TEST, order_id))
        moved = self.lock.command_counter > before
        assert moved == (record.state == "succeeded"), record
        assert moved == expected, (expected, record.error, online, visit, self.now())
        where = "online" if online else "offline"
        event(f"{where}: " + ("moved" if moved else f"refused ({record.error.code})"))
        if moved:
            assert visit is not None
            self.moves += 1
            self.justify(fitter, visit, online)
        assert self.lock.core.state.min_epoch == self.lock_min_epoch

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def the_door_moved_only_as_predicted(self) -> None:
        assert self.lock.command_counter == self.counter_before + self.moves
        assert self.lock.model.mechanics.motor_runs == self.motor_before + self.moves
        assert self.lock.core.state.min_epoch <= self.epoch


def test_the_bolt_moves_only_inside_a_booked_visit_of_its_fitter(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("postgresql"):
        _truncate_postgres(database_url)
    else:
        database_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    stand = Stand(asyncio.new_event_loop(), tmp_path)
    try:
        stand.loop.run_until_complete(stand.build(database_url))
        VisitMachine.stand = stand
        run_state_machine_as_test(
            VisitMachine,
            settings=settings(
                max_examples=MAX_EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                # A failing program is printed as generated; shrinking it would take long.
                phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            ),
        )
    finally:
        stand.loop.run_until_complete(stand.exits.aclose())
        stand.loop.close()

"""The app's local store in a real browser: the outbox is written with the local change, reads
lay pending changes over server rows in sequence order (the rebase), a rejection is recorded
and takes its optimistic rows back, and an order leaving our scope takes its rows along."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ORDER = "6f1c2f5e-0000-4000-8000-000000000001"
CUSTOMER = "6f1c2f5e-0000-4000-8000-0000000000c1"
EVENT = "6f1c2f5e-0000-4000-8000-0000000000e1"


@pytest.fixture
def page(sqlite_server: Any, browser: Any) -> Iterator[Any]:
    context = browser.new_context()  # a fresh IndexedDB per test
    tab = context.new_page()
    tab.goto(sqlite_server.url + "/login")
    tab.get_by_role("heading", name="Logga in").wait_for()
    yield tab
    context.close()


# One order in 'contacting' pulled from the server, and small helpers for the test bodies.
SETUP = """
  const store = await import('/app/store.js');
  const [orderId, customerId, eventId] = args;
  const pulled = (cursor, changes) => store.applyPage({ cursor, changes }, 'client-1');
  const upsert = (entity, id, version, data) => ({ entity, id, op: 'upsert', version, data });
  await pulled(7, [
    upsert('customer', customerId, 1, { id: customerId, name: 'Kund' }),
    upsert('order', orderId, 2, {
      id: orderId, reference: 'LW-TEST01', customer_id: customerId, customer_name: 'Kund',
      status: 'contacting', version: 3, escalation_level: 0, overdue: false,
      allowed_actions: ['schedule'] }),
  ]);
  const order = await store.order(orderId);
  const call = (outcome) => store.mutate(
    'contact_attempt.add', { order_id: orderId, to_whom: 'customer', outcome }, order);
  const act = (name, extra = {}) => store.mutate(name, { order_id: orderId, ...extra }, order);
  const monday = '2026-12-07T09:00:00Z';
"""


def run(page: Any, body: str) -> Any:
    """Evaluate `body` after SETUP, inside one async function; returns what it returns."""
    return page.evaluate(f"async (args) => {{ {SETUP} {body} }}", [ORDER, CUSTOMER, EVENT])


def test_local_change_and_outbox_in_one_go_and_overlay_in_sequence(page: Any) -> None:
    result = run(
        page,
        """
        await call('reached');
        await act('order.schedule', { planned_start: monday });
        await act('order.confirm');
        await act('order.start');
        const pending = await store.pending();
        const detail = await store.orderDetail(orderId);
        return {
          seqs: pending.map((m) => m.seq),
          names: pending.map((m) => m.name),
          base: pending.map((m) => m.base_version),
          status: detail.order.status,
          planned: detail.order.planned_start,
          attemptPending: detail.attempts.map((a) => a._pending === pending[0].id),
          attemptId: detail.attempts[0].id === pending[0].args.attempt_id,
        };
        """,
    )
    assert result["seqs"] == [1, 2, 3, 4]
    assert result["names"] == [
        "contact_attempt.add",
        "order.schedule",
        "order.confirm",
        "order.start",
    ]
    # Appended facts carry no base version; order changes carry the version they were made on.
    assert result["base"] == [None, 3, 3, 3]
    assert result["status"] == "in_progress"
    assert result["planned"] == "2026-12-07T09:00:00Z"
    assert result["attemptPending"] == [True] and result["attemptId"] is True


def test_pulled_state_is_never_overwritten_by_the_overlay(page: Any) -> None:
    result = run(
        page,
        """
        await act('order.schedule', { planned_start: monday });
        // The server's newer row arrives (someone added a description): it is kept, and the
        // pending booking is laid over it again.
        await pulled(9, [upsert('order', orderId, 8,
          { ...order, version: 4, description: 'Ny beskrivning' })]);
        const seen = await store.order(orderId);
        return { status: seen.status, description: seen.description, version: seen.version,
          cursor: await store.meta('cursor') };
        """,
    )
    assert result == {
        "status": "scheduled",
        "description": "Ny beskrivning",
        "version": 4,
        "cursor": 9,
    }


def test_rejection_is_recorded_and_takes_its_rows_back(page: Any) -> None:
    result = run(
        page,
        """
        const id = await call('busy');
        const before = (await store.orderDetail(orderId)).attempts.length;
        const settled = await store.applyResults([{ id, seq: 1, status: 'rejected',
          code: 'not_found', message: 'No such order.', message_sv: '' }]);
        const detail = await store.orderDetail(orderId);
        const problems = await store.problems();
        return {
          before, settled,
          after: detail.attempts.length,
          pending: await store.pendingCount(),
          problem: problems.map((p) => [p.code, p.message, p.label.reference, p.name]),
        };
        """,
    )
    assert result["before"] == 1 and result["settled"] == 1
    assert result["after"] == 0 and result["pending"] == 0
    assert result["problem"] == [
        ["not_found", "No such order.", "LW-TEST01", "contact_attempt.add"]
    ]


def test_an_order_leaving_our_scope_takes_its_rows_along(page: Any) -> None:
    result = run(
        page,
        """
        await pulled(8, [upsert('order_event', eventId, 8,
          { order_id: orderId, action: 'create', at: '2026-12-01T08:00:00Z' })]);
        const events = (await store.all('order_event')).length;
        await pulled(10, [{ entity: 'order', id: orderId, op: 'remove', version: 10 }]);
        return {
          order: (await store.orderDetail(orderId)).order,
          events: [events, (await store.all('order_event')).length],
          listed: (await store.orders('all')).length,
        };
        """,
    )
    assert result == {"order": None, "events": [1, 0], "listed": 0}


def test_renumbering_keeps_ids_and_order(page: Any) -> None:
    result = run(
        page,
        """
        const ids = [await call('busy'), await call('no_answer'), await call('voicemail')];
        await store.renumber(5);
        const pending = await store.pending();
        return {
          same: JSON.stringify(pending.map((m) => m.id)) === JSON.stringify(ids),
          seqs: pending.map((m) => m.seq),
          next: await store.meta('next_seq'),
        };
        """,
    )
    assert result == {"same": True, "seqs": [5, 6, 7], "next": 8}

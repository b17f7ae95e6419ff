"""Issue 17, point 8: no answer of the push leaves a client unable to make progress.

A mutation applied under one registration whose answer is lost, resent under a new
registration, takes that registration's sequence number: the outcome must be found under it
too, however often the answer is lost. SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from gateway.sync_client import SyncClient
from tests.integration.world import Actor, call_args

pytestmark = pytest.mark.asyncio


def client_for(client, actor: Actor, device: str = "test") -> SyncClient:
    return SyncClient(http=client, headers=actor.headers, device=device)


async def attempts_on(client, actor: Actor, order_id: str) -> list[str]:
    response = await client.get(f"/api/orders/{order_id}/contact-attempts", headers=actor.headers)
    assert response.status_code == 200
    return [a["id"] for a in response.json()]


async def test_a_resend_under_a_new_registration_survives_losing_its_answer_again(
    client, world
) -> None:
    fitter = world["fitter_1"]
    order_id = world.ids["order_a"]
    sync = client_for(client, fitter)
    first = sync.enqueue("contact_attempt.add", call_args(order_id))
    pending = list(sync.outbox)
    [applied] = await sync.push()
    sync.outbox = pending  # the answer was lost
    # The phone registers anew (the server forgot it, or its numbering broke) and resends,
    # now with a mutation of the new registration behind it.
    await sync.register()
    second = sync.enqueue("contact_attempt.add", call_args(order_id))
    pending = list(sync.outbox)
    answered = await sync.push()
    assert [(r["id"], r["status"]) for r in answered] == [(first, "applied"), (second, "applied")]
    for _ in range(2):
        sync.outbox = list(pending)  # lost again: the same batch, the same numbers
        again = await sync.push()
        assert [(r["id"], r["seq"], r["status"]) for r in again] == [
            (r["id"], r["seq"], r["status"]) for r in answered
        ]
        assert again[0]["change_number"] == applied["change_number"]
    assert not sync.outbox
    assert len(await attempts_on(client, fitter, order_id)) == 2


async def test_every_sequence_number_taken_has_its_outcome(client, world) -> None:
    """A sequence number is never claimed without an outcome found under it."""
    from server.sync.service import SyncService
    from server.sync.tables import SyncClient as ClientRow

    sync = client_for(client, world["fitter_1"])
    first = sync.enqueue("contact_attempt.add", call_args(world.ids["order_a"]))
    pending = list(sync.outbox)
    await sync.push()
    sync.outbox = pending  # the answer was lost; the resend goes under a new registration
    await sync.register()
    await sync.push()
    service = SyncService(client.app.state["services"])
    for row in await ClientRow.select(ClientRow.id, ClientRow.last_seq):
        seqs = list(range(1, int(row["last_seq"]) + 1))
        stored = await service._stored_outcomes(row["id"], seqs)
        assert sorted(stored) == seqs
        assert {str(o["id"]) for o in stored.values()} == {first}


async def test_a_client_whose_outcome_is_truly_lost_registers_anew_and_moves_on(
    client, world
) -> None:
    """If the server lost an acknowledged outcome (a database restored from a backup), it
    says so (409 sequence_lost) and the client registers anew instead of retrying for ever."""
    from server.sync.tables import SyncMutation

    fitter = world["fitter_1"]
    order_id = world.ids["order_a"]
    sync = client_for(client, fitter)
    sync.enqueue("contact_attempt.add", call_args(order_id))
    pending = list(sync.outbox)
    await sync.push()
    await SyncMutation.delete(force=True)  # the outcomes are gone, the sequence claim is not
    later = sync.enqueue("contact_attempt.add", call_args(order_id))
    sync.outbox = pending + sync.outbox
    results = {r["id"]: r for r in await sync.push()}
    assert not sync.outbox
    assert results[later]["status"] == "applied"
    await sync.pull()
    assert len(await attempts_on(client, fitter, order_id)) == 2


async def test_a_client_numbering_ahead_of_the_server_renumbers_and_moves_on(client, world) -> None:
    """The server expects sequence 1 but the outbox starts at 5 (the server's database was
    restored from a backup): it answers ``resend_from`` and the client renumbers, instead of
    giving up on every upload."""
    fitter = world["fitter_1"]
    order_id = world.ids["order_a"]
    sync = client_for(client, fitter)
    await sync.register()
    sync.next_seq = 5
    mutation = sync.enqueue("contact_attempt.add", call_args(order_id))
    [result] = await sync.push()
    assert (result["id"], result["seq"], result["status"]) == (mutation, 1, "applied")
    assert not sync.outbox
    assert len(await attempts_on(client, fitter, order_id)) == 1

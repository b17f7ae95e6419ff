"""A paired lock sends its stored receipt again for the very ticket it was paired with.

This closes the window where a gateway is killed after the lock committed a pairing but
before the receipt arrived: the retry with the same ticket recovers the evidence, and the
lock is never bound with nothing to prove it. Any other ticket is still refused.
"""

from __future__ import annotations

import pytest

from lock_protocol.codes import MessageType, StatusCode
from lock_protocol.errors import PairingRejectedError
from lock_protocol.lock_core import LockCore, LockState
from lock_protocol.pairing import PairingClient, verify_pairing_receipt
from tests.unit.protocol.protocol_world import T0, World


def _paired_without_receipt(world: World) -> tuple[bytes, bytes]:
    """Pair, but drop the receipt on the floor (the gateway died); returns ticket, receipt."""
    ticket = world.ticket(T0)
    world.core.open_pairing_window(T0)
    client = PairingClient(
        ticket, factory_authority_public_key=world.authority.public_key, rng=world.rng
    )
    challenge = world.core.pair_begin(client.begin(), T0, world.rng)
    receipt = world.core.pair_finish(client.on_challenge(challenge.payload), T0)
    assert receipt.type is MessageType.PAIR_RECEIPT and world.core.paired
    return ticket, receipt.payload


def test_the_same_ticket_gets_the_same_receipt_without_the_button() -> None:
    world = World(paired=False)
    ticket, lost = _paired_without_receipt(world)
    writes = len(world.store.writes)
    retry = PairingClient(
        ticket, factory_authority_public_key=world.authority.public_key, rng=world.rng
    )
    again = world.core.pair_begin(retry.begin(), T0 + 60, world.rng)
    assert again.type is MessageType.PAIR_RECEIPT and again.payload == lost
    assert len(world.store.writes) == writes  # nothing changed on the lock
    checked = verify_pairing_receipt(
        again.payload,
        factory_authority_public_key=world.authority.public_key,
        ticket_bytes=ticket,
        now=T0 + 60,
    )
    assert checked.receipt.lock_id == world.lock_id


def test_another_ticket_is_still_refused() -> None:
    world = World(paired=False)
    _paired_without_receipt(world)
    other = PairingClient(
        world.ticket(T0 + 1), factory_authority_public_key=world.authority.public_key, rng=world.rng
    )
    world.core.open_pairing_window(T0 + 1)
    with pytest.raises(PairingRejectedError) as refused:
        world.core.pair_begin(other.begin(), T0 + 1, world.rng)
    assert refused.value.status is StatusCode.ALREADY_PAIRED


def test_the_receipt_survives_a_restart() -> None:
    world = World(paired=False)
    ticket, lost = _paired_without_receipt(world)
    restarted = LockCore(LockState.from_bytes(world.store.writes[-1]), world.store)
    retry = PairingClient(
        ticket, factory_authority_public_key=world.authority.public_key, rng=world.rng
    )
    assert restarted.pair_begin(retry.begin(), T0 + 5, world.rng).payload == lost

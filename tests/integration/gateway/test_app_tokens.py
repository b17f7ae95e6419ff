"""The app-token store on disk: lifetime, list, revoke, shared by two processes' views, and the
import of the tokens kept before they could expire."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.local_api.app_tokens import (
    DAY_S,
    LEGACY_TOKENS_FILE,
    TOKENS_DB,
    AppTokens,
    token_hash,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_lives_its_lifetime_and_no_longer(tmp_path: Path) -> None:
    clock = Clock()
    tokens = AppTokens(tmp_path, lifetime_s=2 * DAY_S, clock=clock)
    token, record = tokens.issue("phone")
    assert record.expires_at == clock.now + 2 * DAY_S
    clock.now += 2 * DAY_S - 1
    assert tokens.check(token) == record
    clock.now += 1
    assert tokens.check(token) is None and tokens.paired() == []
    assert (tmp_path / TOKENS_DB).stat().st_mode & 0o777 == 0o600


def test_a_revocation_by_another_process_counts_at_once(tmp_path: Path) -> None:
    serving = AppTokens(tmp_path)  # what `serve` holds
    phone, phone_record = serving.issue("phone")
    tablet, _ = serving.issue("tablet")
    command = AppTokens(tmp_path)  # what `lockwork-gateway tokens` opens
    assert [t.label for t in command.paired()] == ["phone", "tablet"]
    assert command.revoke(phone_record.id) and not command.revoke(phone_record.id)
    assert not serving.valid(phone) and serving.valid(tablet)
    assert command.revoke_all() == 1 and not serving.valid(tablet)


def test_tokens_kept_before_lifetimes_are_imported_with_one(tmp_path: Path) -> None:
    clock = Clock()
    legacy = tmp_path / LEGACY_TOKENS_FILE
    recent, old = "recent-token", "old-token"
    legacy.write_text(
        json.dumps(
            [
                {"sha256": token_hash(recent), "created_at": clock.now - DAY_S, "label": "a"},
                {"sha256": token_hash(old), "created_at": clock.now - 90 * DAY_S, "label": "b"},
            ]
        )
    )
    tokens = AppTokens(tmp_path, lifetime_s=30 * DAY_S, clock=clock)
    assert tokens.valid(recent) and not tokens.valid(old)
    assert not legacy.exists()
    assert [t.label for t in AppTokens(tmp_path, clock=clock).paired()] == ["a"]

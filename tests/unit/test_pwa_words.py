"""The app's words: both dictionaries have the same keys, and every event the server writes
into an order's history has a sentence in both (issue 16: "lock pairing ticket" and "demo
state" were shown as raw codes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.locks import evidence
from server.orders.lifecycle import Action

I18N = Path(__file__).resolve().parents[2] / "pwa" / "app" / "i18n"
# A key at the start of a line of the dictionary: 'orders.count': or skip_to_content:
KEY = re.compile(r"^\s*(?:'([^']+)'|([A-Za-z_]\w*))\s*:", re.MULTILINE)

# Events written besides the life cycle's actions (server/orders/service.py, escalation.py,
# forwards.py, locks/credentials.py, locks/evidence_intake.py, demo.py, routing/service.py).
OTHER_EVENTS = {
    "create",
    "assign",
    "contact_attempt",
    "contact_attempt_withdrawn",
    "photo_added",
    "escalate",
    "forward",
    "forward_done",
    "lock_access_revoked",
    "lock_replaced",
    "demo_state",
    "auto_assign",
}
LOCK_PURPOSES = {
    evidence.PURPOSE_PAIRING_TICKET,
    evidence.PURPOSE_STAFF_CREDENTIAL,
    evidence.PURPOSE_UNBIND_TOKEN,
    evidence.LOCK_REPORT,
    evidence.PAIRING_RECEIPT,
    evidence.UNPAIR_RECEIPT,
}


def keys(language: str) -> set[str]:
    text = (I18N / f"{language}.js").read_text(encoding="utf-8")
    return {quoted or bare for quoted, bare in KEY.findall(text)}


def test_both_dictionaries_have_the_same_keys() -> None:
    sv, en = keys("sv"), keys("en")
    assert len(sv) > 300
    assert sorted(sv - en) == [] and sorted(en - sv) == []


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_event_of_the_history_has_a_sentence(language: str) -> None:
    events = {a.value for a in Action} | OTHER_EVENTS | {f"lock_{p}" for p in LOCK_PURPOSES}
    missing = sorted(e for e in events if f"action.{e}" not in keys(language))
    assert missing == []


def _glossary_never() -> dict[str, list[str]]:
    """The "never (sv)" column of the glossary in pwa/README.md, by the thing it names."""
    readme = (I18N.parent.parent / "README.md").read_text(encoding="utf-8")
    never: dict[str, list[str]] = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[3] and cells[3] not in ("never (sv)", "---"):
            never[cells[0]] = [w.strip() for w in cells[3].split(",") if w.strip()]
    return never


def test_the_swedish_texts_follow_the_glossary() -> None:
    never = _glossary_never()
    assert "`cancelled`, cancel" in never  # the table was read
    text = (I18N / "sv.js").read_text(encoding="utf-8").lower()
    found = sorted(
        (thing, word) for thing, words in never.items() for word in words if word.lower() in text
    )
    assert found == []

"""Booking codes: unguessable, easy to read aloud and to type (seed 002, DESIGN.md ``BookingCode``).

A code is printed in the booking letter, typed by the resident into an SMS or the reply page,
and shown on the fitter's phone at the door, so a resident can check a stranger against the
letter. Pure: no I/O; randomness from :mod:`secrets`.

- **Alphabet** (26 symbols): the digits 2-9 and the letters ``ACDEFHJKMNPRTUVWXY``. Left out
  are the characters misread for one another in print or handwriting: the round 0, O and Q;
  the strokes 1, I and L; and one of each pair B/8, G/6, S/5, Z/2 (the letter goes, the digit
  stays). No Å/Ä/Ö/Æ/Ø: a resident answering from an old phone may not find them.
- **Length**: 9 symbols, ``9 × log2(26) ≈ 42.3`` bits, every symbol drawn independently with
  ``secrets.choice``. Printed in three groups of three (``K7Q-HM3-XPR``), the way Nordic
  phone numbers are read aloud.
- **Normalising** what a person types: any case; spaces, dashes, dots and underscores ignored;
  Unicode compatibility forms folded (a full-width ``Ｋ`` is a ``K``); and the letters left out
  for look-alike digits read as that digit (``B``→8, ``G``→6, ``S``→5, ``Z``→2), which is
  unambiguous because those letters never occur in a code. ``O``/``0``/``Q`` and ``I``/``1``/
  ``L`` are not mapped: each could stand for several symbols, so guessing could turn a typo
  into another resident's code.
- **No check character.** A check symbol would catch typos offline, but every reply that
  matches no code is kept for a planner anyway, and with 2^42 codes and at most a few
  thousand awaiting an answer, a typo lands on another live code with a chance of about one
  in a billion. A tenth symbol to type costs more for an elderly resident than it gains.
  Uniqueness among live codes is the database's job (a unique index and a new draw on
  conflict), not this module's.
"""

from __future__ import annotations

import math
import secrets
import unicodedata
from typing import Final

ALPHABET: Final = "23456789ACDEFHJKMNPRTUVWXY"
LENGTH: Final = 9
GROUP: Final = 3
SEPARATOR: Final = "-"
# Characters that never appear in a code: they are misread for one another.
FORBIDDEN: Final = frozenset("01OQILBGSZ")
# Typed stand-ins for a symbol: each left-out letter for the digit it is mistaken for.
LOOK_ALIKES: Final = {"B": "8", "G": "6", "S": "5", "Z": "2"}
# What a person may put between the symbols when typing a code.
IGNORED: Final = frozenset(" \t\r\n-_.\u00a0\u2010\u2011\u2012\u2013\u2014\u2212")
ENTROPY_BITS: Final = LENGTH * math.log2(len(ALPHABET))
MIN_ENTROPY_BITS: Final = 40

_SYMBOLS: Final = frozenset(ALPHABET)

assert len(_SYMBOLS) == len(ALPHABET), "the alphabet repeats a symbol"
assert not _SYMBOLS & FORBIDDEN, "the alphabet holds a look-alike"
assert ENTROPY_BITS >= MIN_ENTROPY_BITS, "a code must carry at least 40 bits"


def new_code() -> str:
    """A fresh code (9 symbols, no separators), each symbol from ``secrets``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_code(code: str) -> str:
    """The printed form: ``K7QHM3XPR`` → ``K7Q-HM3-XPR``."""
    return SEPARATOR.join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def spoken_groups(code: str) -> str:
    """The code in groups separated by spaces, as an SMS instruction shows it."""
    return " ".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def symbol(char: str) -> str | None:
    """One typed character as a code symbol (case folded, look-alikes mapped), or None."""
    folded = unicodedata.normalize("NFKC", char).upper()
    folded = LOOK_ALIKES.get(folded, folded)
    return folded if folded in _SYMBOLS else None


def is_ignored(char: str) -> bool:
    """True for what a person puts between symbols (spaces, dashes, dots)."""
    return char in IGNORED or unicodedata.normalize("NFKC", char) in IGNORED


def normalise(text: str) -> str | None:
    """What a person typed, as the stored code; None when it cannot be a code.

    ``normalise(" k7q hm3-xpr ")`` is ``"K7QHM3XPR"``. A wrong length or a character that is
    no symbol gives None rather than a guess.
    """
    symbols: list[str] = []
    for char in text:
        if is_ignored(char):
            continue
        mapped = symbol(char)
        if mapped is None:
            return None
        symbols.append(mapped)
        if len(symbols) > LENGTH:
            return None
    return "".join(symbols) if len(symbols) == LENGTH else None


def is_code(text: str) -> bool:
    """True for a code in its stored form (exactly 9 symbols of the alphabet)."""
    return len(text) == LENGTH and all(c in _SYMBOLS for c in text)

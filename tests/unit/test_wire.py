"""The one bounded, aware date-time (``server.wire``), and that every request type uses it."""

from __future__ import annotations

import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.routes import HTTPRoute

from server import wire
from server.app import create_app
from server.settings import load_settings
from server.sync.mutations import ARGUMENTS

OFFSETS = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


class Probe(wire.Bounded, kw_only=True):
    at: wire.Instant | None = None
    on: wire.Day | None = None


def decode(body: dict[str, object]) -> Probe:
    return msgspec.json.decode(msgspec.json.encode(body), type=Probe)


@given(st.datetimes(timezones=OFFSETS))
def test_any_aware_date_time_is_accepted_exactly_within_the_range(value: datetime) -> None:
    inside = wire.EARLIEST <= value < wire.AFTER_LATEST
    try:
        decoded = decode({"at": value.isoformat()})
    except msgspec.ValidationError as exc:
        assert not inside, exc
        assert "2099-12-31" in str(exc)
    else:
        assert inside and decoded.at == value
        # What the range is for: converting it never overflows.
        decoded.at.astimezone(UTC)


@given(st.datetimes())
def test_a_date_time_without_an_offset_is_refused(value: datetime) -> None:
    with pytest.raises(msgspec.ValidationError, match="timezone"):
        decode({"at": value.isoformat()})


@given(st.dates())
def test_days_are_accepted_exactly_within_the_range(value: date) -> None:
    inside = wire.EARLIEST_DAY <= value <= wire.LATEST_DAY
    try:
        decoded = decode({"on": value.isoformat()})
    except msgspec.ValidationError as exc:
        assert not inside, exc
    else:
        assert inside and decoded.on == value


def test_the_edges() -> None:
    assert decode({"at": "2000-01-01T00:00:00Z"}).at == wire.EARLIEST
    assert decode({"at": "2000-01-01T01:00:00+01:00"}).at == wire.EARLIEST
    for outside in ("1999-12-31T23:59:59Z", "2000-01-01T00:59:59+01:00", "2100-01-01T00:00:00Z"):
        with pytest.raises(msgspec.ValidationError, match="`at` must lie"):
            decode({"at": outside})
    assert decode({"on": "2099-12-31"}).on == wire.LATEST_DAY
    assert wire.bounded_day(None, "day") is None


def _request_structs() -> set[type[msgspec.Struct]]:
    """Every struct a route decodes from a body, every sync mutation's arguments, and every
    struct nested inside them."""
    settings = load_settings(environ={}, secret_key="wire-test-" + "0" * 40, data_dir="var")
    app = create_app(settings)
    roots: list[object] = list(ARGUMENTS.values())
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler, _ in route.route_handler_map.values():
                data = handler.parsed_fn_signature.parameters.get("data")
                if data is not None:
                    roots.append(data.annotation)
    found: set[type[msgspec.Struct]] = set()

    def walk(annotation: object) -> None:
        if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
            if annotation not in found:
                found.add(annotation)
                for hint in typing.get_type_hints(annotation, include_extras=True).values():
                    walk(hint)
            return
        for arg in typing.get_args(annotation):
            walk(arg)

    for root in roots:
        walk(root)
    return found


def _date_annotations(annotation: object) -> list[object]:
    """The date and date-time types inside one field's annotation, with their metadata."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base = typing.get_args(annotation)[0]
        if isinstance(base, type) and issubclass(base, date):
            return [annotation]
    if isinstance(annotation, type) and issubclass(annotation, date):
        return [annotation]
    if origin in (typing.Union, types.UnionType) or origin is not None:
        return [a for arg in typing.get_args(annotation) for a in _date_annotations(arg)]
    return []


def test_every_date_a_request_carries_is_an_instant_or_a_day_of_a_bounded_struct() -> None:
    structs = _request_structs()
    assert len(structs) >= 20
    with_dates = []
    for struct in structs:
        for name, hint in typing.get_type_hints(struct, include_extras=True).items():
            for found in _date_annotations(hint):
                with_dates.append(f"{struct.__name__}.{name}")
                assert found in (wire.Instant, wire.Day), f"{struct.__name__}.{name}: {found}"
                assert issubclass(struct, wire.Bounded), struct.__name__
    # The fields issue 17 found 500s behind, among others.
    assert {
        "ContactAttemptIn.at",
        "TransitionIn.planned_start",
        "TransitionIn.hold_until",
        "CompletionIn.visit_on",
        "ContactAttemptAdd.at",
        "OrderSchedule.planned_start",
        "OrderPutOnHold.hold_until",
    } <= set(with_dates)

"""Every error the gateway can raise maps to a stable code with Swedish and English text."""

from __future__ import annotations

import pytest

from gateway.ble.errors import ConnectFailed, LinkLost, LockNotFound, RadioUnavailable
from gateway.error_codes import INTERNAL_ERROR, describe
from gateway.errors import CodedError, InputError
from gateway.lock_client import CommandInterrupted, refusal_error
from gateway.operations import WakeTimeout
from gateway.refusals import REFUSALS as _REFUSALS
from lock_protocol.codes import FaultCode
from lock_protocol.codes import StatusCode as S


@pytest.mark.parametrize("status", sorted(_REFUSALS, key=int))
def test_each_refusal_of_the_lock_has_its_own_code_and_swedish_text(status: S) -> None:
    body = describe(refusal_error(status, lock="LW-ABC234"))
    assert body.code != "lock_refused" and body.code.islower()
    assert "LW-ABC234" in body.message_sv and "LW-ABC234" in body.message_en


def test_a_jam_names_who_fixes_it() -> None:
    case = describe(
        refusal_error(S.BOLT_JAMMED, lock="LW-1", fault=FaultCode.LOCK_CASE_BOLT_JAMMED)
    )
    unit = describe(
        refusal_error(S.BOLT_JAMMED, lock="LW-1", fault=FaultCode.LOCK_UNIT_BOLT_JAMMED)
    )
    assert case.code == "bolt_jammed_lock_case" and "låskistan" in case.message_sv
    assert unit.code == "bolt_jammed_lock_unit"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (WakeTimeout("x", lock="LW-1", heard_asleep=True), "wake_timeout"),
        (WakeTimeout("x", lock="LW-1", heard_asleep=False), "lock_not_heard"),
        (CommandInterrupted("x", lock="LW-1", command_sent=True), "command_interrupted"),
        (LockNotFound("x"), "lock_not_found"),
        (ConnectFailed("x"), "connect_failed"),
        (LinkLost("x"), "link_lost"),
        (RadioUnavailable("x"), "radio_unavailable"),
        (InputError("x"), "bad_input"),
        (CodedError("x", code="own_code", message_sv="egen"), "own_code"),
    ],
)
def test_gateway_errors_keep_their_english_message(error: Exception, code: str) -> None:
    body = describe(error)
    assert body.code == code and body.message_en == "x" and body.message_sv


def test_anything_else_is_an_internal_error_without_details() -> None:
    assert describe(RuntimeError("secret detail")) == INTERNAL_ERROR

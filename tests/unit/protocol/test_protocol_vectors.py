"""Fixed hex vectors pin the wire format shared by the gateway and the simulator."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from lock_protocol import gatt
from lock_protocol.codes import (
    Command,
    FaultCode,
    FaultOwner,
    MessageType,
    PairingState,
    StatusCode,
)
from lock_protocol.credentials import (
    StaffCredential,
    open_statement,
    verify_factory_certificate,
)
from lock_protocol.encoding import Frame, Reassembler
from lock_protocol.errors import MalformedError
from lock_protocol.messages import CommandRequest, Receipt
from lock_protocol.reports import verify_report
from lock_protocol.results import BatteryResult, BatteryStage, DiagnoseResult, StatusResult

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "protocol"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_vectors", FIXTURES / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _load_generator()
STORED: dict[str, str] = json.loads((FIXTURES / "vectors.json").read_text())
VECTORS = {name: bytes.fromhex(value) for name, value in STORED.items()}


def test_every_stored_vector_is_generated_and_vice_versa() -> None:
    assert set(GENERATOR.build_vectors()) == set(STORED)


@pytest.mark.parametrize("name", sorted(STORED))
def test_vector_reencodes_identically(name: str) -> None:
    assert GENERATOR.build_vectors()[name] == STORED[name]


def test_frame_header_layout_is_literal() -> None:
    # version 0x01 | type 0x10 | length 0x0000
    assert VECTORS["frame_nonce_request"] == bytes.fromhex("01100000")
    frame = Frame.decode(VECTORS["frame_receipt_512"])
    assert frame.type is MessageType.RECEIPT and len(frame.payload) == 512


def test_fragments_reassemble_to_the_frame() -> None:
    reassembler = Reassembler()
    names = sorted(
        (n for n in VECTORS if n.startswith("frame_receipt_512_fragment_244_")),
        key=lambda n: int(n.rsplit("_", 1)[1]),
    )
    assert [VECTORS[n][0] for n in names] == [0x80, 0x01, 0x02]
    out = [reassembler.feed(VECTORS[n]) for n in names]
    assert out[:-1] == [None, None] and out[-1] == VECTORS["frame_receipt_512"]


def test_canonical_body_layout_is_literal() -> None:
    # Each field: u16 length then bytes. u8 7, u16, u32, u64, UTF-8 text.
    assert VECTORS["canonical_body"].startswith(bytes.fromhex("00010700020102"))
    assert VECTORS["signing_input_command_tag"] == (
        b"\x00\x13lockwork/v1/command" + VECTORS["canonical_body"]
    )


def test_stored_statements_verify_and_decode() -> None:
    authority = VECTORS["authority_public_key"]
    certificate = verify_factory_certificate(VECTORS["factory_certificate"], authority)
    assert certificate.serial == "LW2026A0001F"
    assert certificate.public_key == VECTORS["lock_public_key"]
    credential = open_statement(
        StaffCredential, VECTORS["staff_credential"], VECTORS["server_public_key"]
    )
    assert credential.allowed_commands == {Command.READ_BATTERY, Command.OPERATE_TEST}
    request = CommandRequest.decode(VECTORS["command_request"])
    assert request.command is Command.OPERATE_TEST
    receipt = open_statement(Receipt, VECTORS["receipt"], VECTORS["lock_public_key"])
    assert receipt.status is StatusCode.BOLT_JAMMED
    assert receipt.fault is FaultCode.LOCK_CASE_BOLT_JAMMED
    report = verify_report(
        VECTORS["report"],
        authority,
        VECTORS["lock_public_key"],
        6,
        bytes([0xC3]) * 16,
        1_790_000_000,
    )
    assert report.report.values.battery_mv == 2950 and report.counter == 7


def test_stored_advert_decodes() -> None:
    advert = gatt.decode_advertisement(VECTORS["advert_awake_paired"])
    assert advert.local_name == "LW-A0001F" and advert.awake and advert.paired
    assert len(VECTORS["advert_awake_paired"]) == 26


def test_command_result_layouts_are_literal() -> None:
    # READ_BATTERY: u16 2950 mV | u8 61 % | u8 stage HIGH (5) | u16 2740 mV, each a field.
    assert VECTORS["result_read_battery"] == bytes.fromhex("0002 0b86 0001 3d 0001 05 0002 0ab4")
    battery = BatteryResult.decode(VECTORS["result_read_battery"])
    assert battery == BatteryResult(2950, 61, BatteryStage.HIGH, 2740)
    # READ_STATUS: bolt 0 = locked | PAIRED | 61 % | no fault | u32 1234 motor runs.
    assert VECTORS["result_read_status"] == bytes.fromhex(
        "0001 00 0001 01 0001 3d 0001 00 0004 000004d2"
    )
    status = StatusResult.decode(VECTORS["result_read_status"])
    assert status.bolt_locked and status.pairing_state is PairingState.PAIRED
    # DIAGNOSE: JAMMED | healthy current | LOCK_CASE_BOLT_JAMMED | owner LOCK_CASE | ...
    assert VECTORS["result_diagnose_lock_case"] == bytes.fromhex(
        "0001 02 0001 01 0001 01 0001 02 0002 0a96 0001 04 0004 0000004d"
    )
    diagnosis = DiagnoseResult.decode(VECTORS["result_diagnose_lock_case"])
    assert diagnosis.fault_owner is FaultOwner.LOCK_CASE
    assert diagnosis.battery_stage is BatteryStage.MEDIUM and diagnosis.motor_runs == 77


@pytest.mark.parametrize(
    ("name", "offset", "value"),
    [
        ("result_read_battery", 6, 101),  # percent above 100
        ("result_read_battery", 9, 9),  # unknown battery stage
        ("result_read_status", 2, 2),  # bolt neither locked nor unlocked
        ("result_diagnose_lock_case", 11, 1),  # owner LOCK_UNIT contradicts a lock-case fault
        ("result_diagnose_lock_case", 5, 2),  # motor current byte not 0/1
    ],
)
def test_command_results_refuse_out_of_range_bytes(name: str, offset: int, value: int) -> None:
    data = bytearray(VECTORS[name])
    data[offset] = value
    cls = {
        "result_read_battery": BatteryResult,
        "result_read_status": StatusResult,
        "result_diagnose_lock_case": DiagnoseResult,
    }[name]
    with pytest.raises(MalformedError):
        cls.decode(bytes(data))  # type: ignore[attr-defined]

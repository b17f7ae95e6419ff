"""Lock-signed reports (evidence) and the server's verifier.

Wire: field(factory certificate) || field(encode_signed(LockReport body, lock signature)).
The values are shown as "verified by lock" only after `verify_report` accepted them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, Self

from lock_protocol.codes import FaultCode, PairingState, StatusCode
from lock_protocol.credentials import (
    FactoryCertificate,
    Statement,
    open_statement,
    sign_statement,
    verify_factory_certificate,
)
from lock_protocol.crypto import (
    LOCK_ID_BYTES,
    NONCE_BYTES,
    PUBLIC_KEY_BYTES,
    SigningKey,
    constant_time_equal,
)
from lock_protocol.encoding import Reader, Tag, Writer
from lock_protocol.errors import (
    CryptoError,
    MalformedError,
    ProtocolError,
    ReportRejectedError,
)
from lock_protocol.timing import CLOCK_SKEW_SECONDS, REPORT_MAX_AGE_SECONDS

FIRMWARE_MAX_CHARS: Final = 32
MAX_FAULTS: Final = 16
MAX_CERTIFICATE_BYTES: Final = 256
MAX_SIGNED_REPORT_BYTES: Final = 1024


@dataclass(frozen=True, slots=True)
class ReportValues:
    """What the lock measures; supplied by the firmware (the simulator's battery model)."""

    battery_mv: int
    battery_percent: int
    firmware: str
    faults: tuple[FaultCode, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.battery_mv <= 0xFFFF:
            raise MalformedError("battery_mv out of range")
        if not 0 <= self.battery_percent <= 100:
            raise MalformedError("battery_percent must be 0..100")
        if not 1 <= len(self.firmware) <= FIRMWARE_MAX_CHARS:
            raise MalformedError("firmware version must be 1..32 characters")
        if len(self.faults) > MAX_FAULTS:
            raise MalformedError("too many fault codes")


@dataclass(frozen=True, slots=True)
class LockReport(Statement):
    TAG: ClassVar[bytes] = Tag.REPORT
    lock_id: bytes
    counter: int
    lock_time: int
    server_nonce: bytes
    pairing_state: PairingState
    pairing_id: bytes  # zeros when factory-new
    values: ReportValues

    def encode_body(self) -> bytes:
        return (
            Writer()
            .fixed(self.lock_id, LOCK_ID_BYTES)
            .u64(self.counter)
            .u64(self.lock_time)
            .fixed(self.server_nonce, NONCE_BYTES)
            .u8(int(self.pairing_state))
            .fixed(self.pairing_id, 16)
            .u16(self.values.battery_mv)
            .u8(self.values.battery_percent)
            .text(self.values.firmware)
            .bytes_(bytes(int(f) for f in self.values.faults))
            .finish()
        )

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        reader = Reader(body)
        lock_id = reader.fixed(LOCK_ID_BYTES)
        counter = reader.u64()
        lock_time = reader.u64()
        server_nonce = reader.fixed(NONCE_BYTES)
        pairing_state = PairingState.parse(reader.u8())
        pairing_id = reader.fixed(16)
        values = ReportValues(
            battery_mv=reader.u16(),
            battery_percent=reader.u8(),
            firmware=reader.text(FIRMWARE_MAX_CHARS),
            faults=tuple(FaultCode.parse(b) for b in reader.bytes_(MAX_FAULTS)),
        )
        reader.finish()
        return cls(lock_id, counter, lock_time, server_nonce, pairing_state, pairing_id, values)


def sign_report(lock_key: SigningKey, certificate: bytes, report: LockReport) -> bytes:
    """Lock side: the report's wire form."""
    return Writer().bytes_(certificate).bytes_(sign_statement(lock_key, report)).finish()


def split_report(report_bytes: bytes) -> tuple[bytes, bytes]:
    reader = Reader(report_bytes)
    certificate = reader.bytes_(MAX_CERTIFICATE_BYTES)
    signed = reader.bytes_(MAX_SIGNED_REPORT_BYTES)
    reader.finish()
    return certificate, signed


@dataclass(frozen=True, slots=True)
class VerifiedReport:
    certificate: FactoryCertificate
    report: LockReport

    @property
    def serial(self) -> str:
        return self.certificate.serial

    @property
    def counter(self) -> int:
        return self.report.counter


def verify_report(
    report_bytes: bytes,
    factory_authority_public_key: bytes,
    expected_lock_public_key_or_cert: bytes | FactoryCertificate,
    last_counter: int | None,
    expected_server_nonce: bytes,
    now: float,
) -> VerifiedReport:
    """Server side: accept a report only if all of these hold, else `ReportRejectedError`:

    - its certificate chains to the factory authority and names the expected lock
      (`expected_lock_public_key_or_cert`: the 32-byte lock public key on record, or its
      certificate, as a `FactoryCertificate` or as the certificate's wire bytes);
    - the lock's signature verifies and the report names that lock's id;
    - the counter grew past `last_counter` (None: no report accepted before);
    - the server nonce is the one the server handed out for this visit;
    - the lock time is not in the future (beyond clock skew) nor older than the offline bound.
    """
    try:
        return _verify_report(
            report_bytes,
            factory_authority_public_key,
            expected_lock_public_key_or_cert,
            last_counter,
            expected_server_nonce,
            now,
        )
    except ReportRejectedError:
        raise
    except CryptoError as exc:
        raise ReportRejectedError(StatusCode.BAD_SIGNATURE, str(exc)) from exc
    except ProtocolError as exc:
        raise ReportRejectedError(StatusCode.MALFORMED, str(exc)) from exc


def _expected_public_key(expected: bytes | FactoryCertificate, authority: bytes) -> bytes:
    if isinstance(expected, FactoryCertificate):
        return expected.public_key
    if len(expected) == PUBLIC_KEY_BYTES:
        return bytes(expected)
    return verify_factory_certificate(expected, authority).public_key


def _verify_report(
    report_bytes: bytes,
    authority: bytes,
    expected: bytes | FactoryCertificate,
    last_counter: int | None,
    expected_server_nonce: bytes,
    now: float,
) -> VerifiedReport:
    expected_key = _expected_public_key(expected, authority)
    certificate_bytes, signed = split_report(report_bytes)
    certificate = verify_factory_certificate(certificate_bytes, authority)
    if not constant_time_equal(certificate.public_key, expected_key):
        raise ReportRejectedError(StatusCode.WRONG_LOCK, "report from another lock")
    report = open_statement(LockReport, signed, certificate.public_key)
    if report.lock_id != certificate.lock_id:
        raise ReportRejectedError(StatusCode.WRONG_LOCK, "report lock id is not the cert's")
    if last_counter is not None and report.counter <= last_counter:
        raise ReportRejectedError(StatusCode.COUNTER_NOT_INCREASING, "counter did not grow")
    if len(expected_server_nonce) != NONCE_BYTES or not constant_time_equal(
        report.server_nonce, expected_server_nonce
    ):
        raise ReportRejectedError(StatusCode.STALE_SERVER_NONCE, "stale or foreign server nonce")
    if report.lock_time > now + CLOCK_SKEW_SECONDS:
        raise ReportRejectedError(StatusCode.LOCK_TIME_OUT_OF_RANGE, "report from the future")
    if report.lock_time < now - REPORT_MAX_AGE_SECONDS:
        raise ReportRejectedError(StatusCode.LOCK_TIME_OUT_OF_RANGE, "report too old")
    return VerifiedReport(certificate, report)

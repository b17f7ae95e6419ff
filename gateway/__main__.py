"""`lockwork-gateway`: the fitter's Bluetooth gateway on the command line.

Progress goes to stderr as it happens; the result goes to stdout, as text or (``--json``) as
one JSON object. Exit status: 0 done, 1 the operation failed (the message says why and what to
do), 2 the input was not usable.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import httpx
import msgspec

from gateway.ble.radio import DEFAULT_RADIO, open_radio
from gateway.errors import GatewayError, InputError
from gateway.hub import HUB_INTERVAL_S, run_hub
from gateway.known_locks import KnownLocks
from gateway.local_api.app_tokens import APP_TOKEN_LIFETIME_DAYS, AppTokens
from gateway.operations import (
    SCAN_DURATION_S,
    WAKE_TIMEOUT_S,
    BatteryReading,
    OperationContext,
    PairResult,
    StaffAccess,
    UnpairResult,
    lock_short_serial,
)
from gateway.operations import battery as op_battery
from gateway.operations import diagnose as op_diagnose
from gateway.operations import log as op_log
from gateway.operations import pair as op_pair
from gateway.operations import scan as op_scan
from gateway.operations import test as op_test
from gateway.operations import unpair as op_unpair
from gateway.operations import wake as op_wake
from gateway.report_queue import ReportQueue
from gateway.runtime import GatewayConfig, env, hex_key
from gateway.serve import DEFAULT_HOST, DEFAULT_ORIGINS, DEFAULT_PORT, serve
from lock_protocol.crypto import NONCE_BYTES, PRIVATE_KEY_BYTES, PUBLIC_KEY_BYTES, SigningKey
from lock_protocol.errors import ProtocolError

RADIO_ENV: Final = "LOCKWORK_GATEWAY_RADIO"
SERVER_ENV: Final = "LOCKWORK_GATEWAY_SERVER_URL"
DEVICE_TOKEN_ENV: Final = "LOCKWORK_GATEWAY_DEVICE_TOKEN"  # noqa: S105 (a variable name)
DEV_AUTHORITY_ENV: Final = "LOCKWORK_GATEWAY_DEV_AUTHORITY"
DEVICE_ID_ENV: Final = "LOCKWORK_GATEWAY_DEVICE_ID"
DATA_DIR_ENV: Final = "LOCKWORK_GATEWAY_DATA_DIR"
AUTHORITY_ENV: Final = "LOCKWORK_GATEWAY_FACTORY_AUTHORITY"
ALLOWED_HOSTS_ENV: Final = "LOCKWORK_GATEWAY_ALLOWED_HOSTS"
APP_TOKEN_DAYS_ENV: Final = "LOCKWORK_GATEWAY_APP_TOKEN_DAYS"  # noqa: S105 (a variable name)
DEFAULT_DATA_DIR: Final = Path("var/gateway")
STAFF_KEY_FILE: Final = "staff_device.key"
AUTHORITY_FILE: Final = "factory_authority.pub"
QUEUE_FILE: Final = "reports.sqlite3"
EXIT_FAILED: Final = 1
EXIT_BAD_INPUT: Final = 2
# A token that outlives a year outlives the phone it was given to: that is "never expires".
MAX_APP_TOKEN_DAYS: Final = 366
# Human output shortens hex blobs (reports, receipts) to this many characters; --json has all.
HEX_PREVIEW_CHARS: Final = 24

EPILOG: Final = """\
radio (--radio, or $LOCKWORK_GATEWAY_RADIO):
  default                          the platform's Bluetooth (BlueZ, CoreBluetooth, WinRT)
  bumble:tcp-client:127.0.0.1:P    the simulator started with `lockwork-sim run --port P`
  bumble:usb:0                     a USB Bluetooth dongle driven directly (no BlueZ needed)

keys and credentials:
  The gateway keeps its staff device key in --data-dir (created on first use; print its
  public key with `lockwork-gateway key`). The server signs a credential for that key and one
  lock; pass it with --credential FILE (hex). Pairing needs a server-issued ticket (--ticket,
  valid 10 minutes, may be fetched earlier and used offline); unpair an unbind token.
  The gateway trusts locks certified by one factory authority: --factory-authority (hex or a
  file), $LOCKWORK_GATEWAY_FACTORY_AUTHORITY, or DATA_DIR/factory_authority.pub.

  `serve` and `hub` fetch them from the server themselves: --server URL --device-token T
  (a device token from POST /api/devices; $LOCKWORK_GATEWAY_SERVER_URL,
  $LOCKWORK_GATEWAY_DEVICE_TOKEN); the factory authority then comes from the server too.
  A hub also needs --device-id (the device's id, shown with its token); a planner chooses
  which locks it reads.

  Without a server, a DEVELOPMENT-ONLY stand-in signs them (serve/hub: --dev-authority DIR):
    python -m gateway.dev_authority --dir var/dev init      # prints the dev server key
    lockwork-sim operator-cert --server-public-key KEY > var/dev/operator.cert
    python -m gateway.dev_authority --dir var/dev ticket > ticket.hex
    lockwork-gateway pair LOCK --ticket ticket.hex          # prints lock_id, pairing_id
    python -m gateway.dev_authority --dir var/dev credential --lock-id LOCK_ID \\
        --staff-public-key "$(lockwork-gateway key)" > credential.hex
  The simulator's factory authority is in its data folder (var/sim/factory_authority.pub).

Signed reports and receipts are stored in DATA_DIR/reports.sqlite3 before a command says it
is done, and uploaded through the sync protocol when there is a connection.
"""


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--radio", help=f"which Bluetooth radio (default ${RADIO_ENV} or '{DEFAULT_RADIO}')"
    )
    common.add_argument(
        "--data-dir",
        type=Path,
        help=f"the gateway's data folder (default ${DATA_DIR_ENV} or {DEFAULT_DATA_DIR})",
    )
    common.add_argument(
        "--factory-authority",
        help="public key (hex, or a file holding it) of the factory authority whose locks "
        "this gateway trusts",
    )
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    return common


def _long_running(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", help=f"the Lockwork server's URL (default ${SERVER_ENV})", metavar="URL"
    )
    parser.add_argument(
        "--device-token",
        help=f"this gateway's device token from the server (default ${DEVICE_TOKEN_ENV})",
    )
    parser.add_argument(
        "--device-id",
        help=f"hub: this gateway's device id on the server, shown when its token was made "
        f"(default ${DEVICE_ID_ENV}); it then reads the locks a planner gave it",
    )
    parser.add_argument(
        "--dev-authority",
        type=Path,
        metavar="DIR",
        help=f"DEVELOPMENT ONLY: sign tickets and credentials with the key in DIR "
        f"(default ${DEV_AUTHORITY_ENV}); see python -m gateway.dev_authority",
    )


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="lockwork-gateway",
        description="Work with Lockwork door locks over Bluetooth: find, wake, read, pair, "
        "test and diagnose them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, text: str, *, lock: bool = True, credential: bool = True) -> Any:
        sub = commands.add_parser(
            name,
            help=text,
            description=text[0].upper() + text[1:] + ".",
            parents=[common],
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if lock:
            sub.add_argument("lock", help="serial (label), last six characters, or LW-XXXXXX")
        if credential:
            sub.add_argument(
                "--credential", required=True, help="file with this lock's staff credential (hex)"
            )
        return sub

    scan = add("scan", "list the locks in range", lock=False, credential=False)
    scan.add_argument("--duration", type=float, default=SCAN_DURATION_S, help="seconds to listen")
    wake = add("wake", "ask you to touch a lock and wait until it is awake", credential=False)
    wake.add_argument("--timeout", type=float, default=WAKE_TIMEOUT_S, help="seconds to wait")
    battery = add("battery", "read the battery as a lock-signed report")
    battery.add_argument("--server-nonce", help="the visit's server nonce (32 hex characters)")
    pair = add("pair", "pair a factory-new lock to a customer", credential=False)
    pair.add_argument("--ticket", required=True, help="file with a server-issued pairing ticket")
    unpair = add("unpair", "return a paired lock to factory-new")
    unpair.add_argument("--unbind-token", required=True, help="file with a server unbind token")
    add("test", "run a lock/unlock test cycle")
    add("log", "read the lock's event log")
    add("diagnose", "find out whether a fault is in the lock unit or the lock case")
    serve = add(
        "serve",
        "run the local HTTP API for the app (contract B); shows a QR code and a 6-digit code "
        "that pair the app (the QR code opens the app at --server's address)",
        lock=False,
        credential=False,
    )
    _long_running(serve)
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0: any free)")
    serve.add_argument(
        "--allow-origin",
        action="append",
        metavar="ORIGIN",
        help="the app's origin, e.g. https://lockwork.example (repeatable; default "
        + ", ".join(DEFAULT_ORIGINS)
        + ")",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="another name the app reaches this gateway by, e.g. gateway.local or "
        "gateway.local:8765 (repeatable; default $"
        + ALLOWED_HOSTS_ENV
        + ", comma-separated). Its loopback names and the address a request comes in on "
        "are always accepted; any other Host is refused, so that no web page can reach the "
        "gateway through a name it controls (DNS rebinding)",
    )
    serve.add_argument(
        "--app-token-days",
        type=float,
        metavar="DAYS",
        help=f"how long a paired app's token lasts (default ${APP_TOKEN_DAYS_ENV} or "
        f"{APP_TOKEN_LIFETIME_DAYS})",
    )
    code = add(
        "pairing-code",
        "show a new pairing code (and its QR code) on a running `serve` terminal",
        lock=False,
        credential=False,
    )
    code.add_argument("--host", default=DEFAULT_HOST)
    code.add_argument("--port", type=int, default=DEFAULT_PORT)
    hub = add(
        "hub", "read the battery of the known locks on a schedule", lock=False, credential=False
    )
    _long_running(hub)
    hub.add_argument(
        "--interval",
        type=float,
        default=HUB_INTERVAL_S,
        help=f"seconds between rounds (default {HUB_INTERVAL_S:.0f})",
    )
    hub.add_argument("--once", action="store_true", help="one round, then exit")
    hub.add_argument(
        "--lock",
        action="append",
        dest="locks",
        metavar="SERIAL",
        help="read this lock (repeatable; default: every paired lock this gateway knows)",
    )
    tokens = add(
        "tokens",
        "list the apps paired with this gateway, or revoke their tokens (works while `serve` "
        "runs: a revoked app is refused at its next request)",
        lock=False,
        credential=False,
    )
    tokens.add_argument("action", choices=["list", "revoke"])
    tokens.add_argument("token_id", nargs="?", help="revoke: the id `tokens list` shows")
    tokens.add_argument("--all", action="store_true", help="revoke: every app's token")
    add("key", "print this gateway's staff device public key", lock=False, credential=False)
    add("reports", "list the signed reports stored on this gateway", lock=False, credential=False)
    return parser


# -- inputs ---------------------------------------------------------------------------------


def _hex_or_file(value: str, what: str, hint: str) -> bytes:
    """A file holding hex (as the server and dev_authority write it) or raw bytes, or hex."""
    path = Path(value)
    if path.is_file():
        raw = path.read_bytes()
        try:
            return bytes.fromhex(raw.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            if raw:
                return raw
        raise InputError(f"The {what} file {value} is empty or unreadable. {hint}")
    try:
        data = bytes.fromhex(value.strip())
    except ValueError:
        data = b""
    if not data:
        raise InputError(f"No {what} file {value!r} found (and it is not hex either). {hint}")
    return data


def _authority(args: argparse.Namespace, data_dir: Path) -> bytes:
    value = args.factory_authority or os.environ.get(AUTHORITY_ENV)
    if value is None and (data_dir / AUTHORITY_FILE).is_file():
        value = str(data_dir / AUTHORITY_FILE)
    hint = (
        "Pass --factory-authority with the factory authority's public key (hex) or its file "
        "(the simulator writes var/sim/factory_authority.pub)."
    )
    if value is None:
        raise InputError(f"The gateway does not know which locks to trust. {hint}")
    key = _hex_or_file(value, "factory authority", hint)
    if len(key) != PUBLIC_KEY_BYTES:
        raise InputError(f"The factory authority key must be {PUBLIC_KEY_BYTES} bytes. {hint}")
    return key


def load_staff_key(data_dir: Path) -> SigningKey:
    """This gateway's staff device key; created (mode 0600) the first time it is needed."""
    path = data_dir / STAFF_KEY_FILE
    if path.exists():
        try:
            return SigningKey(bytes.fromhex(path.read_text().strip()))
        except (ValueError, ProtocolError) as exc:
            raise InputError(
                f"{path} is not a staff device key. Move it away; a new key is then made, and "
                "credentials must be fetched again for it."
            ) from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    key = SigningKey(os.urandom(PRIVATE_KEY_BYTES))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key.seed.hex() + "\n")
    return key


def _access(args: argparse.Namespace, data_dir: Path) -> StaffAccess:
    credential = _hex_or_file(
        args.credential,
        "credential",
        "Fetch this lock's credential for this gateway (see lockwork-gateway --help).",
    )
    return StaffAccess(load_staff_key(data_dir), credential)


def _server_nonce(value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        nonce = bytes.fromhex(value)
    except ValueError:
        nonce = b""
    if len(nonce) != NONCE_BYTES:
        raise InputError("--server-nonce must be 32 hex characters (16 bytes) from the server.")
    return nonce


# -- output ---------------------------------------------------------------------------------


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _human(value: Any, indent: str = "") -> list[str]:
    data = msgspec.to_builtins(value)
    lines: list[str] = []
    if isinstance(data, dict):
        for key, item in data.items():
            if isinstance(item, list) and item and isinstance(item[0], dict):
                lines.append(f"{indent}{key}:")
                for entry in item:
                    lines.append(indent + "  - " + ", ".join(f"{k}={v}" for k, v in entry.items()))
            else:
                text = str(item)
                if isinstance(item, str) and len(text) > 2 * HEX_PREVIEW_CHARS:
                    text = text[:HEX_PREVIEW_CHARS] + "... (--json shows all)"
                lines.append(f"{indent}{key}: {text}")
    return lines


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M")


# -- commands -------------------------------------------------------------------------------


async def _run(args: argparse.Namespace) -> Any:
    data_dir: Path = args.data_dir or Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
    if args.command == "key":
        return {"staff_public_key": load_staff_key(data_dir).public_key.hex()}
    if args.command == "tokens":
        return _tokens(args, AppTokens(data_dir))
    if args.command == "reports":
        queue = await ReportQueue.open(data_dir / QUEUE_FILE)
        try:
            return {"reports": await queue.all()}
        finally:
            await queue.close()
    # Check every input before the radio is touched, so a typo costs no waiting.
    if getattr(args, "lock", None) is not None:
        lock_short_serial(args.lock)
    authority = _authority(args, data_dir)
    operation: Callable[[OperationContext], Awaitable[Any]]
    if args.command == "scan":
        duration = args.duration
        operation = lambda ctx: op_scan(ctx, duration)  # noqa: E731
    elif args.command == "wake":
        operation = lambda ctx: op_wake(ctx, args.lock)  # noqa: E731
    elif args.command == "pair":
        ticket = _hex_or_file(
            args.ticket, "ticket", "Fetch a pairing ticket from the server for this order."
        )
        operation = lambda ctx: op_pair(ctx, args.lock, ticket)  # noqa: E731
    else:
        access = _access(args, data_dir)
        if args.command == "battery":
            nonce = _server_nonce(args.server_nonce)
            operation = lambda ctx: op_battery(ctx, args.lock, access, server_nonce=nonce)  # noqa: E731
        elif args.command == "unpair":
            token = _hex_or_file(
                args.unbind_token, "unbind token", "Fetch an unbind token from the server."
            )
            operation = lambda ctx: op_unpair(ctx, args.lock, access, token)  # noqa: E731
        else:
            chosen = {"test": op_test, "log": op_log, "diagnose": op_diagnose}[args.command]
            operation = lambda ctx: chosen(ctx, args.lock, access)  # noqa: E731
    radio_setting = args.radio or os.environ.get(RADIO_ENV) or DEFAULT_RADIO
    queue = await ReportQueue.open(data_dir / QUEUE_FILE)
    try:
        async with await open_radio(radio_setting) as radio:
            ctx = OperationContext(
                radio=radio,
                factory_authority_public_key=authority,
                queue=queue,
                progress=_progress,
            )
            if args.command == "wake":
                ctx.wake_timeout_s = args.timeout
            result = await operation(ctx)
    finally:
        await queue.close()
    _remember(KnownLocks(data_dir), result)
    return result


def _tokens(args: argparse.Namespace, tokens: AppTokens) -> dict[str, Any]:
    if args.action == "list":
        return {"tokens": tokens.paired()}
    if args.all:
        return {"revoked": tokens.revoke_all()}
    if not args.token_id:
        raise InputError(
            "Name the token to revoke (its id from `lockwork-gateway tokens list`), or give "
            "--all to revoke every app's token."
        )
    if not tokens.revoke(args.token_id):
        raise InputError(
            f"No app is paired with token id {args.token_id[:40]!r}; `lockwork-gateway "
            "tokens list` shows the ids."
        )
    return {"revoked": 1}


def _remember(known: KnownLocks, result: Any) -> None:
    """Locks this gateway paired or read are the ones `hub` reads (see gateway.known_locks)."""
    if isinstance(result, PairResult):
        known.remember(result.serial, result.lock_id, paired=True, pairing_id=result.pairing_id)
    elif isinstance(result, UnpairResult):
        known.remember(result.serial, result.lock_id, paired=False, forget_pairing=True)
    elif isinstance(result, BatteryReading):
        known.remember(result.serial, result.lock_id, paired=result.paired)


def _config(args: argparse.Namespace) -> GatewayConfig:
    data_dir: Path = args.data_dir or Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
    authority = args.factory_authority or os.environ.get(AUTHORITY_ENV)
    dev = args.dev_authority or (Path(d) if (d := env(DEV_AUTHORITY_ENV)) else None)
    return GatewayConfig(
        data_dir=data_dir,
        radio=args.radio or os.environ.get(RADIO_ENV) or DEFAULT_RADIO,
        staff_key=load_staff_key(data_dir),
        factory_authority=hex_key(authority),
        server_url=args.server or env(SERVER_ENV),
        device_token=args.device_token or env(DEVICE_TOKEN_ENV),
        device_id=args.device_id or env(DEVICE_ID_ENV),
        dev_authority_dir=dev,
    )


def _allowed_hosts(args: argparse.Namespace) -> list[str]:
    if args.allowed_host:
        return list(args.allowed_host)
    return [name.strip() for name in (env(ALLOWED_HOSTS_ENV) or "").split(",") if name.strip()]


def _app_token_days(args: argparse.Namespace) -> float:
    value = args.app_token_days
    if value is None:
        text = env(APP_TOKEN_DAYS_ENV)
        try:
            value = float(text) if text else float(APP_TOKEN_LIFETIME_DAYS)
        except ValueError:
            value = -1.0
    if not 0 < value <= MAX_APP_TOKEN_DAYS:
        raise InputError(
            f"An app token's lifetime must be more than 0 and at most {MAX_APP_TOKEN_DAYS} "
            f"days (--app-token-days or ${APP_TOKEN_DAYS_ENV})."
        )
    return float(value)


def _request_code(args: argparse.Namespace) -> int:
    url = f"http://{args.host}:{args.port}/api/pairing-code"
    try:
        answer = httpx.post(url, json={}, timeout=5.0)
    except httpx.HTTPError as exc:
        print(f"lockwork-gateway: no gateway answers on {url} ({exc}).", file=sys.stderr)
        return EXIT_FAILED
    if answer.status_code != 202:
        print(f"lockwork-gateway: {answer.json().get('message_en')}", file=sys.stderr)
        return EXIT_FAILED
    print("A new pairing code and its QR code are shown on the gateway's terminal.")
    return 0


def _long_running_main(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # Every request to the server would be an INFO line; failures are logged by our code.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        config = _config(args)
        if args.command == "serve":
            asyncio.run(
                serve(
                    config,
                    host=args.host,
                    port=args.port,
                    allow_origins=args.allow_origin,
                    allowed_hosts=_allowed_hosts(args),
                    app_token_days=_app_token_days(args),
                )
            )
            return 0
        summary = asyncio.run(run_hub(config, args.interval, once=args.once, locks=args.locks))
    except (GatewayError, ProtocolError) as exc:
        print(f"lockwork-gateway: {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(exc, InputError) else EXIT_FAILED
    except KeyboardInterrupt:
        return 0
    if args.json and summary is not None:
        print(msgspec.json.encode(summary).decode())
    return 0 if summary is None or not summary.failed else EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("serve", "hub"):
        return _long_running_main(args)
    if args.command == "pairing-code":
        return _request_code(args)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    try:
        result = asyncio.run(_run(args))
    except (GatewayError, ProtocolError) as exc:
        code = EXIT_BAD_INPUT if isinstance(exc, InputError) else EXIT_FAILED
        if args.json:
            error = {"error": {"type": type(exc).__name__, "message": exc.message}}
            print(msgspec.json.encode(error).decode())
        print(f"lockwork-gateway: {exc.message}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        print("lockwork-gateway: interrupted; nothing more was sent.", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(msgspec.json.encode(result).decode())
    elif args.command == "key":
        print(result["staff_public_key"])
    elif args.command == "scan":
        for lock in result.locks:
            state = "awake" if lock.awake else "asleep"
            paired = "paired" if lock.paired else "factory-new"
            battery = "  LOW BATTERY" if lock.low_battery else ""
            print(f"{lock.name}  {state:<6}  {paired}{battery}")
        if not result.locks:
            print("No locks heard. Move closer, or touch a lock to wake it.")
    elif args.command == "tokens" and "tokens" in result:
        for token in result["tokens"]:
            print(
                f"{token.id}  paired {_when(token.created_at)}  expires "
                f"{_when(token.expires_at)}  {token.label}"
            )
        if not result["tokens"]:
            print("No app is paired with this gateway.")
    elif args.command == "tokens":
        print(f"Revoked {result['revoked']} app token(s); those apps must pair again.")
    elif args.command == "reports":
        for report in result["reports"]:
            print(f"{report.id}  {report.kind.value:<16} {report.serial}  {report.status.value}")
    else:
        print("\n".join(_human(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

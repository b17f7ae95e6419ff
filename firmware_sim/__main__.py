"""`lockwork-sim`: run simulated locks, and touch / drain / break them from another terminal.

    lockwork-sim run --locks 3 --port 7700          locks behind a radio hub on 127.0.0.1:7700
    lockwork-sim touch LWSABC234XYZ                 wake one (connectable for the wake window)
    lockwork-sim pair-button 234XYZ                 press its pairing button
    lockwork-sim battery 234XYZ --percent 12        put in a cell at 12 %
    lockwork-sim fault 234XYZ --set jammed_bolt     inject a fault ("none" clears)
    lockwork-sim status [--json]                    every lock's state

The gateway reaches the locks with the radio setting `bumble:tcp-client:127.0.0.1:7700`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any, Final

from firmware_sim.control import (
    CONTROL_HOST,
    ControlInfo,
    ControlServer,
    remove_control_info,
    request,
    resolve_control_port,
    write_control_info,
)
from firmware_sim.errors import SimulatorError, SimulatorNotRunningError
from firmware_sim.faults import FAULT_CHOICES
from firmware_sim.fleet import Fleet
from firmware_sim.identity import load_or_create_authority, operator_certificate
from firmware_sim.radio_hub import serve_radio_hub
from lock_protocol.crypto import PUBLIC_KEY_BYTES

DATA_DIR_ENV: Final = "LOCKWORK_SIM_DATA_DIR"
DEFAULT_DATA_DIR: Final = Path("var/sim")
DEFAULT_RADIO_PORT: Final = 7700
DEFAULT_LOCKS: Final = 3
EXIT_FAILED: Final = 1
EXIT_NOT_RUNNING: Final = 2


def _data_dir(value: str | None) -> Path:
    return Path(value or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def _percent(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 100.0:
        raise argparse.ArgumentTypeError("percent must be 0..100")
    return number


def _add_location(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help=f"the simulator's data folder (default ${DATA_DIR_ENV} or {DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--port", type=int, help="the radio port `run` was given (control channel = port + 1)"
    )
    parser.add_argument("--control-port", type=int, help="the control channel's port")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lockwork-sim",
        description="Simulated Lockwork door locks on a virtual Bluetooth radio.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run N locks behind a radio hub until Ctrl-C",
        description=(
            "Run N simulated locks behind a radio hub on 127.0.0.1:PORT (every client gets a "
            "fresh virtual controller). Prints each lock's serial, one per line, then the "
            "factory authority public key; stays up until SIGINT or SIGTERM."
        ),
    )
    run.add_argument("--locks", type=int, default=DEFAULT_LOCKS, help="how many locks")
    run.add_argument(
        "--port", type=int, default=DEFAULT_RADIO_PORT, help="radio hub TCP port (0: any)"
    )
    run.add_argument("--data-dir", help=f"data folder (default ${DATA_DIR_ENV} or var/sim)")
    run.add_argument(
        "--control-port", type=int, help="control channel port (default: radio port + 1)"
    )
    run.add_argument(
        "--serial",
        action="append",
        dest="serials",
        metavar="SERIAL",
        help="run the lock with this serial (repeatable; made on first use; instead of --locks)",
    )
    run.add_argument("--verbose", action="store_true", help="log every lock event to stderr")

    for name, text in (
        ("touch", "touch a lock: it wakes and is connectable for the wake window"),
        ("pair-button", "press a lock's pairing button: opens the pairing window and wakes it"),
    ):
        sub = commands.add_parser(name, help=text, description=text.capitalize() + ".")
        sub.add_argument("serial", help="serial, short serial (last six) or name (LW-XXXXXX)")
        _add_location(sub)

    battery = commands.add_parser(
        "battery",
        help="give a lock a battery at a level",
        description="Put a cell at PERCENT into a lock (0 = flat: the lock goes silent).",
    )
    battery.add_argument("serial", help="serial, short serial or name")
    battery.add_argument("--percent", type=_percent, required=True, help="0..100")
    _add_location(battery)

    fault = commands.add_parser(
        "fault",
        help="inject a fault into a lock",
        description=(
            "Inject a fault: weak_battery (motor refused, BATTERY_TOO_LOW), drop_link (radio "
            "drops when a command arrives), slow (answers held back), jammed_bolt (lock case), "
            "motor_fault (lock unit), wrong_key (handshake fails); none clears."
        ),
    )
    fault.add_argument("serial", help="serial, short serial or name")
    fault.add_argument("--set", dest="fault", required=True, choices=FAULT_CHOICES)
    fault.add_argument("--delay", type=float, help="seconds each answer is held back (slow)")
    _add_location(fault)

    status = commands.add_parser(
        "status", help="show every lock", description="Show every simulated lock's state."
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    _add_location(status)

    operator = commands.add_parser(
        "operator-cert",
        help="vouch for a server key (demo)",
        description=(
            "Print an operator certificate, signed by this data folder's factory authority, "
            "that lets the server with this public key pair the simulated locks."
        ),
    )
    operator.add_argument("--server-public-key", required=True, help="Ed25519 public key, hex")
    operator.add_argument("--operator", default="Lockwork demo", help="name for the audit trail")
    operator.add_argument("--data-dir", help="data folder")
    return parser


# -- run ------------------------------------------------------------------------------------


async def _run(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args.data_dir)
    try:
        hub = await serve_radio_hub(CONTROL_HOST, args.port)
    except OSError as exc:
        print(f"lockwork-sim: cannot listen on port {args.port}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    fleet: Fleet | None = None
    control: ControlServer | None = None
    try:
        fleet = await Fleet.start(data_dir, args.locks, hub.attach, serials=args.serials)
        control = ControlServer(fleet, hub.transport_spec)
        wanted = args.control_port
        if wanted is None:
            wanted = hub.port + 1 if args.port else 0
        try:
            control_port = await control.start(CONTROL_HOST, wanted)
        except OSError as exc:
            print(
                f"lockwork-sim: cannot listen on control port {wanted}: {exc}. "
                "Pass --control-port.",
                file=sys.stderr,
            )
            return EXIT_FAILED
        write_control_info(
            data_dir, ControlInfo(CONTROL_HOST, control_port, os.getpid(), hub.transport_spec)
        )
        for lock in fleet.locks:
            print(lock.serial)
        print(f"factory-authority-public-key: {fleet.authority_public_key.hex()}", flush=True)
        print(
            f"lockwork-sim: {len(fleet.locks)} locks on radio bumble:{hub.transport_spec}, "
            f"control on {CONTROL_HOST}:{control_port}, data in {data_dir}",
            file=sys.stderr,
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        return 0
    finally:
        if control is not None:
            await control.close()
        if fleet is not None:
            await fleet.close()
        await hub.close()
        remove_control_info(data_dir)


# -- control commands -----------------------------------------------------------------------


def _lock_line(lock: dict[str, Any]) -> str:
    battery = lock["battery"]
    faults = ",".join(lock["faults"]) or "-"
    state = lock["power"] + (" connected" if lock["connected"] else "")
    return (
        f"{lock['serial']}  {lock['name']}  {state:<16} battery {battery['percent']:>3}% "
        f"({battery['voltage_mv']} mV, {battery['stage']})  bolt {lock['bolt']}  "
        f"{'paired' if lock['paired'] else 'factory-new'}  counter {lock['command_counter']}  "
        f"faults {faults}"
    )


def _control(args: argparse.Namespace) -> int:
    port = resolve_control_port(_data_dir(args.data_dir), args.control_port, args.port)
    if args.command == "status":
        answer = request(port, {"op": "status"})
        if args.json:
            print(json.dumps(answer, indent=2))
        else:
            print(f"radio: bumble:{answer['radio']}")
            print(f"factory authority: {answer['factory_authority_public_key']}")
            for lock in answer["locks"]:
                print(_lock_line(lock))
        return 0
    payload: dict[str, Any] = {"lock": args.serial}
    if args.command == "touch":
        payload["op"] = "touch"
    elif args.command == "pair-button":
        payload["op"] = "pair_button"
    elif args.command == "battery":
        payload.update(op="battery", percent=args.percent)
    else:
        payload.update(op="fault", fault=args.fault, delay_s=args.delay)
    answer = request(port, payload)
    if answer.get("woke") is False:
        print(f"{answer['lock']['serial']}: did not wake (battery dead)", file=sys.stderr)
        return EXIT_FAILED
    print(_lock_line(answer["lock"]))
    return 0


def _operator_cert(args: argparse.Namespace) -> int:
    try:
        server_key = bytes.fromhex(args.server_public_key)
    except ValueError:
        server_key = b""
    if len(server_key) != PUBLIC_KEY_BYTES:
        print("lockwork-sim: --server-public-key must be 32 bytes in hex", file=sys.stderr)
        return EXIT_FAILED
    authority = load_or_create_authority(_data_dir(args.data_dir))
    print(operator_certificate(authority, server_key, args.operator).hex())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "run":
            return asyncio.run(_run(args))
        if args.command == "operator-cert":
            return _operator_cert(args)
        return _control(args)
    except SimulatorNotRunningError as exc:
        print(f"lockwork-sim: {exc}", file=sys.stderr)
        return EXIT_NOT_RUNNING
    except SimulatorError as exc:
        print(f"lockwork-sim: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

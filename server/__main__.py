"""``lockwork-server``: serve, migrate, demo data and user administration."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys

from server import db
from server.errors import ConfigurationError
from server.settings import Settings, load_settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


async def _migrate(settings: Settings) -> db.MigrationState:
    async with db.connected(settings.resolved_database_url):
        return await db.migrate()


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    state = asyncio.run(_migrate(settings))
    print(
        f"Database {settings.database_engine}: {state.applied} migrations applied, "
        f"{state.pending} pending."
    )
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    # Check and migrate before binding the port, so a bad database stops the start with a
    # message instead of a traceback from inside the server.
    asyncio.run(_migrate(settings))
    app = create_app(settings)  # checks the lock authority settings before the port opens
    print(f"Lockwork on http://{args.host}:{args.port} ({settings.database_engine})", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1, letting a client
        # there choose its own address (and so its own login throttle); the app reads the
        # header itself, from LOCKWORK_TRUSTED_PROXIES only (server.client_address).
        proxy_headers=False,
    )
    return 0


def cmd_lock_key(settings: Settings, _: argparse.Namespace) -> int:
    """The public key the lock factory's operator certificate must vouch for."""
    from server.locks.authority import server_signing_key
    from server.secrets_box import SecretBox

    print(server_signing_key(SecretBox(settings.secret_key)).public_key.hex())
    return 0


def cmd_sms_callbacks(settings: Settings, _: argparse.Namespace) -> int:
    from server.notify.elks import callback_urls
    from server.secrets_box import SecretBox

    urls = callback_urls(settings, SecretBox(settings.secret_key))
    # These hold the callback secret: print them for the operator, never log them.
    print(f"Delivery receipts (whendelivered, set by Lockwork on each SMS): {urls['delivery']}")
    print(f"Inbound SMS (the 46elks number's sms_url): {urls['inbound']}")
    return 0


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from server.demo import create_demo_data

    async def run() -> None:
        async with db.connected(settings.resolved_database_url):
            await db.migrate()
            await create_demo_data(
                settings, seed=args.seed, customers=args.customers, reset=args.reset
            )

    asyncio.run(run())
    return 0


# The names of server.app.periodic_jobs, for the command line (a test checks they agree).
JOB_NAMES = (
    "escalations",
    "holds ended",
    "report reminders",
    "letter jobs",
    "booking reminders",
    "appointment reminders",
    "recurring orders",
    "battery orders",
)


def cmd_run_jobs(settings: Settings, args: argparse.Namespace) -> int:
    from server.app import make_services, periodic_jobs
    from server.clock import Clock
    from server.locks.authority import load_lock_authority
    from server.secrets_box import SecretBox

    async def run() -> None:
        box = SecretBox(settings.secret_key)
        authority = load_lock_authority(settings, box)
        async with db.connected(settings.resolved_database_url) as engine:
            services = await make_services(settings, Clock(), box, engine, authority)
            for job in periodic_jobs(services):
                if args.job and job.name not in args.job:
                    continue
                print(f"{job.name}: {await job.run()}")

    asyncio.run(run())
    return 0


def cmd_add_user(settings: Settings, args: argparse.Namespace) -> int:
    from server.accounts.service import AccountService, hash_password
    from server.accounts.tables import Organisation, User

    password = os.environ.get("LOCKWORK_NEW_PASSWORD") or getpass.getpass(
        "Password for the new user: "
    )

    async def run() -> None:
        async with db.connected(settings.resolved_database_url):
            await db.migrate()
            org = (
                await Organisation.select(Organisation.id, Organisation.kind)
                .where(Organisation.name == args.organisation)
                .first()
            )
            if org is None:
                raise ConfigurationError(f"No organisation called '{args.organisation}'.")
            AccountService.check_roles_fit(org["kind"], args.role)
            await User.insert(
                User(
                    organisation=org["id"],
                    username=args.username.lower(),
                    full_name=args.full_name,
                    email=args.email,
                    roles=sorted(set(args.role)),
                    password_hash=await hash_password(password),
                )
            )
            print(f"Added {args.username.lower()} ({', '.join(args.role)}) to {args.organisation}.")

    asyncio.run(run())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lockwork-server", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server (migrates first)")
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply pending database migrations").set_defaults(
        func=cmd_migrate
    )
    sub.add_parser(
        "lock-key",
        help="print this server's lock-signing public key (hex), for the operator certificate",
    ).set_defaults(func=cmd_lock_key)
    sub.add_parser(
        "sms-callbacks",
        help="print the callback URLs (with their secret) to configure at 46elks",
    ).set_defaults(func=cmd_sms_callbacks)
    demo = sub.add_parser(
        "demo-data", help="create the demo organisations, users, customers and orders"
    )
    demo.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
    demo.add_argument("--customers", type=int, default=200)
    demo.add_argument("--reset", action="store_true", help="delete all data first")
    demo.set_defaults(func=cmd_demo_data)
    jobs = sub.add_parser(
        "run-jobs",
        help="run the periodic jobs once (escalations, holds ended, report reminders) and "
        "print how many orders each changed; for cron when LOCKWORK_BACKGROUND_JOBS=false",
    )
    jobs.add_argument(
        "--job",
        action="append",
        choices=JOB_NAMES,
        help="only this job (repeatable); default: all",
    )
    jobs.set_defaults(func=cmd_run_jobs)
    add = sub.add_parser(
        "add-user", help="add a user (password from a prompt or LOCKWORK_NEW_PASSWORD)"
    )
    add.add_argument("--organisation", required=True)
    add.add_argument("--username", required=True)
    add.add_argument("--full-name", required=True)
    add.add_argument("--email", default="")
    add.add_argument(
        "--role", action="append", required=True, choices=["orderer", "planner", "fitter", "admin"]
    )
    add.set_defaults(func=cmd_add_user)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        _configure_logging(settings)
        return int(args.func(settings, args))
    except ConfigurationError as exc:
        print(f"lockwork-server: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

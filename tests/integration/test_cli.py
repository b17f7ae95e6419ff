"""The command line as an operator meets it: start-up errors, migrations and demo data."""

from __future__ import annotations

import asyncio

import pytest

from tests.live_server import free_port, run_cli, server_env


def test_an_unreachable_database_stops_the_start_with_what_to_fix(tmp_path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing_here"
    result = run_cli(["migrate"], server_env(url, tmp_path))
    assert result.returncode == 2
    assert "Cannot reach the database" in result.stderr
    assert "Check that PostgreSQL is running" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_setting_is_named(tmp_path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path, LOCKWORK_DATABSE_URL="typo")
    result = run_cli(["migrate"], env)
    assert result.returncode == 2 and "LOCKWORK_DATABSE_URL" in result.stderr


def test_migrate_is_idempotent(database_url, tmp_path) -> None:
    env = server_env(database_url, tmp_path)
    first = run_cli(["migrate"], env)
    second = run_cli(["migrate"], env)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "0 pending" in second.stdout


def test_demo_data_has_orders_in_every_status(database_url, tmp_path) -> None:
    env = server_env(database_url, tmp_path)
    result = run_cli(["demo-data", "--reset", "--customers", "200"], env)
    assert result.returncode == 0, result.stderr
    assert "montor1" in result.stdout and "lockwork-demo" in result.stdout

    async def counts() -> tuple[set[str], int, int]:
        from server import db
        from server.customers.tables import Customer
        from server.locks.tables import Lock
        from server.orders.tables import WorkOrder

        async with db.connected(database_url):
            statuses = {row["status"] for row in await WorkOrder.select(WorkOrder.status)}
            return (
                statuses,
                await Customer.count(),
                await Lock.count().where(Lock.customer.is_not_null()),
            )

    from server.orders.lifecycle import OrderStatus

    statuses, customers, installed = asyncio.run(counts())
    assert statuses == {s.value for s in OrderStatus}
    assert customers == 200 and installed == 200
    # Running it again keeps the data and says so.
    again = run_cli(["demo-data"], env)
    assert again.returncode == 0 and "exists already" in again.stdout


@pytest.mark.parametrize("command", [["--help"], ["serve", "--help"]])
def test_help_works(command, tmp_path) -> None:
    result = run_cli(command, server_env(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path))
    assert result.returncode == 0 and "usage" in result.stdout


def test_demo_data_is_in_the_sync_change_log(database_url, tmp_path) -> None:
    env = server_env(database_url, tmp_path)
    assert run_cli(["demo-data", "--reset", "--customers", "20"], env).returncode == 0

    async def logged() -> tuple[int, int]:
        from server import db
        from server.orders.tables import WorkOrder
        from server.sync.tables import SyncChange

        async with db.connected(database_url):
            orders = await WorkOrder.count()
            in_log = await SyncChange.count().where(
                (SyncChange.entity == "order") & (SyncChange.scope == "all")
            )
            return orders, in_log

    orders, in_log = asyncio.run(logged())
    assert orders > 0 and in_log == orders


def test_sms_callbacks_prints_the_urls_the_server_accepts(tmp_path) -> None:
    secret = "c" * 43
    env = server_env(
        f"sqlite:///{tmp_path / 'x.sqlite3'}",
        tmp_path,
        LOCKWORK_PUBLIC_URL="https://lockwork.kommun.example",
        LOCKWORK_SMS_CALLBACK_SECRET=secret,
    )
    result = run_cli(["sms-callbacks"], env)
    assert result.returncode == 0, result.stderr
    assert f"https://46elks:{secret}@lockwork.kommun.example/api/sms/46elks/inbound" in (
        result.stdout
    )
    # Without the setting the secret is derived from the secret key: stable, never printed
    # empty.
    del env["LOCKWORK_SMS_CALLBACK_SECRET"]
    first, second = run_cli(["sms-callbacks"], env), run_cli(["sms-callbacks"], env)
    assert first.stdout == second.stdout and "46elks::" not in first.stdout


def test_run_jobs_brings_an_order_back_from_a_hold_that_has_ended(database_url, tmp_path) -> None:
    """`run-jobs` runs each periodic job once: a hold whose date has passed ends (the order
    back in the status it was held from), and running it again changes nothing."""
    env = server_env(database_url, tmp_path)
    assert run_cli(["demo-data", "--reset", "--customers", "20"], env).returncode == 0

    async def hold_one_in_the_past() -> str:
        from datetime import date

        from server import db
        from server.orders.tables import WorkOrder

        async with db.connected(database_url):
            held = await WorkOrder.select(WorkOrder.id).where(WorkOrder.status == "on_hold")
            # The demo's own holds end in the future; end them all, and make one of ours.
            await WorkOrder.update({WorkOrder.hold_until: date(2099, 1, 1)}).where(
                WorkOrder.status == "on_hold"
            )
            row = await WorkOrder.select(WorkOrder.id).where(WorkOrder.status == "ordered").first()
            assert row is not None and held is not None
            await WorkOrder.update(
                {
                    WorkOrder.status: "on_hold",
                    WorkOrder.held_from: "ordered",
                    WorkOrder.hold_until: date(2020, 1, 6),
                }
            ).where(WorkOrder.id == row["id"])
            return str(row["id"])

    async def status_of(order_id: str) -> str:
        from server import db
        from server.orders.tables import WorkOrder

        async with db.connected(database_url):
            row = await WorkOrder.select(WorkOrder.status).where(WorkOrder.id == order_id).first()
            assert row is not None
            return str(row["status"])

    order_id = asyncio.run(hold_one_in_the_past())
    first = run_cli(["run-jobs"], env)
    assert first.returncode == 0, first.stderr
    assert "holds ended: 1" in first.stdout
    assert asyncio.run(status_of(order_id)) == "ordered"
    again = run_cli(["run-jobs", "--job", "holds ended"], env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "holds ended: 0"


def test_the_command_names_every_periodic_job() -> None:
    from server.__main__ import JOB_NAMES
    from server.app import periodic_jobs

    assert tuple(job.name for job in periodic_jobs(None)) == JOB_NAMES  # type: ignore[arg-type]

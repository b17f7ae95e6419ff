"""Schemathesis against the OpenAPI schema of a real server process: every operation, valid
and invalid input; never a 500, and every 4xx carries a message a person can act on."""

from __future__ import annotations

import contextlib

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from tests.conftest import require_postgres
from tests.live_server import run_cli, running_server, server_env

# Enough examples per strategy to hit every validator, few enough to keep CI quick.
EXAMPLES_PER_OPERATION = 15


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_api(request, tmp_path_factory, postgres_database):
    data_dir = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'fuzz.sqlite3'}"
    else:
        from tests.conftest import _truncate_postgres

        database = require_postgres(postgres_database)
        _truncate_postgres(database.url)
        url = database.url
    env = server_env(url, data_dir)
    seeded = run_cli(["demo-data", "--customers", "12", "--reset"], env)
    assert seeded.returncode == 0, seeded.stderr
    with running_server(env) as base_url:
        login = httpx.post(
            base_url + "/api/auth/login", json={"username": "admin", "password": "lockwork-demo"}
        )
        assert login.status_code == 200, login.text
        device = httpx.post(
            base_url + "/api/devices",
            json={"name": "fuzzer"},
            cookies=login.cookies,
            headers={"X-CSRF-Token": login.json()["csrf_token"]},
        )
        assert device.status_code == 201, device.text
        yield base_url, device.json()["token"]


def _real_ids(base_url: str, headers: dict[str, str]) -> dict[str, str]:
    """Ids of existing objects, so that write routes are reached past their 404."""

    def first(path: str) -> str:
        response = httpx.get(base_url + path, headers=headers, params={"limit": 1})
        return str(response.json()["items"][0]["id"])

    return {
        "order_id": first("/api/orders"),
        "customer_id": first("/api/customers"),
        "lock_id": first("/api/locks"),
        "organisation_id": first("/api/organisations"),
        "user_id": first("/api/users"),
    }


def test_no_server_errors_and_readable_refusals(live_api) -> None:
    base_url, token = live_api
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(base_url + "/schema/openapi.json")
    real_ids = _real_ids(base_url, headers)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/auth/logout":
            continue  # ends the fuzzer's own session; covered by the auth tests
        operations += 1
        known = {k: v for k, v in real_ids.items() if "{" + k + "}" in operation.path}
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if known:
            strategies += [
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known),
                operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known),
            ]
        for strategy in strategies:

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case) -> None:
                response = case.call(base_url=base_url, headers=headers)
                where = f"{case.method} {case.formatted_path}"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code} {response.text[:200]}")
                elif response.status_code >= 400:
                    body = response.json()
                    if not (isinstance(body.get("message"), str) and body["message"]):
                        failures.append(f"{where}: {response.status_code} without a message")

            # Unsatisfiable: nothing to make invalid (an operation without parameters or body).
            with contextlib.suppress(Unsatisfiable):
                check()
    assert operations >= 20
    assert failures == []

"""Issue 17, point 2: X-Forwarded-For does not help anyone around the login throttle.

Through a real ``lockwork-server serve`` process (uvicorn as in production), on SQLite and
PostgreSQL: without trusted proxies the header is ignored; with this test's loopback address
named as the trusted proxy, the throttle counts the address the proxy appended, whatever the
client wrote before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import _truncate_postgres, require_postgres
from tests.live_server import running_server, server_env

# Small limits so that a test needs few (argon2-priced) failed logins.
PER_PAIR = 3
PER_ADDRESS = 6
LIMITS = {
    "LOCKWORK_LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": str(PER_PAIR),
    "LOCKWORK_LOGIN_FAILURES_PER_ADDRESS": str(PER_ADDRESS),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path: Path, postgres_database) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'proxies.sqlite3'}"
    database = require_postgres(postgres_database)
    _truncate_postgres(database.url)
    return database.url


@pytest.fixture
def server(database: str, tmp_path: Path, request) -> Iterator[str]:
    trusted = getattr(request, "param", "")
    extra = {"LOCKWORK_TRUSTED_PROXIES": trusted} if trusted else {}  # unset: the default
    env = server_env(database, tmp_path, **LIMITS, **extra)
    with running_server(env) as url:
        yield url


def fail_login(url: str, username: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    answer = httpx.post(
        url + "/api/auth/login",
        json={"username": username, "password": "not the password"},
        headers=headers,
        timeout=30,
    )
    assert answer.status_code in {401, 429}, answer.text
    return answer.status_code


@pytest.mark.parametrize("server", [""], indirect=True)
def test_without_trusted_proxies_a_forged_header_changes_nothing(server: str) -> None:
    statuses = [fail_login(server, "montor1", f"198.51.100.{i}") for i in range(PER_PAIR + 2)]
    assert statuses == [401] * PER_PAIR + [429, 429]
    # Another user name from the same (real) address, with yet other forged headers: the
    # per-address limit counts every failure from here.
    others = [
        fail_login(server, f"user{i}", f"203.0.113.{i}, 198.51.100.99")
        for i in range(PER_ADDRESS - PER_PAIR + 1)
    ]
    assert others[-1] == 429 and others[: PER_ADDRESS - PER_PAIR] == [401] * (
        PER_ADDRESS - PER_PAIR
    )


@pytest.mark.parametrize("server", ["127.0.0.1"], indirect=True)
def test_behind_a_trusted_proxy_the_appended_address_is_throttled(server: str) -> None:
    # This test is the proxy (its peer address is 127.0.0.1): it appends the client's
    # address, 192.0.2.10, after whatever the client sent.
    statuses = [
        fail_login(server, "montor1", f"10.9.9.{i}, 192.0.2.10") for i in range(PER_PAIR + 1)
    ]
    assert statuses == [401] * PER_PAIR + [429]
    assert fail_login(server, "montor1", "192.0.2.10") == 429
    assert fail_login(server, "montor1", "192.0.2.10, 127.0.0.1") == 429  # a second proxy hop
    # Another client behind the same proxy is not locked out by the first one's failures.
    assert fail_login(server, "montor1", "192.0.2.11") == 401

"""The local API's request guard: which Host names it answers to and which bodies it reads."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.errors import InputError
from gateway.local_api.guard import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    RequestGuard,
    body_problem,
    json_depth,
)

PORT = 8765


async def _app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("not called")


def guard(*hosts: str) -> RequestGuard:
    return RequestGuard(_app, ["https://app.test"], hosts)


def scope(address: str = "127.0.0.1") -> Any:
    return {"type": "http", "server": (address, PORT)}


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        (f"127.0.0.1:{PORT}", True),
        (f"localhost:{PORT}", True),
        (f"LOCALHOST:{PORT}", True),
        (f"[::1]:{PORT}", True),
        (f"gateway.test:{PORT}", True),
        ("other.test:9000", True),
        ("other.test:9001", False),
        (f"other.test:{PORT}", False),
        (f"localhost:{PORT + 1}", False),
        ("localhost", False),  # port 80: not where the gateway listens
        (f"evil.example:{PORT}", False),
        (f"localhost.evil.example:{PORT}", False),
        (f"127.0.0.1.nip.io:{PORT}", False),
        (f"gateway.test.evil.example:{PORT}", False),
        (f"127.0.0.1:{PORT}@evil.example", False),
        (f"[::1:{PORT}", False),
        ("", False),
    ],
)
def test_host_names(host: str, allowed: bool) -> None:
    assert guard("gateway.test", "other.test:9000").host_allowed(host, scope()) is allowed


def test_the_address_a_request_came_in_on_is_the_gateways_own() -> None:
    lan = guard()
    assert lan.host_allowed(f"192.168.1.5:{PORT}", scope("192.168.1.5"))
    assert not lan.host_allowed(f"192.168.1.6:{PORT}", scope("192.168.1.5"))
    assert lan.host_allowed(f"[fd00::5]:{PORT}", scope("fd00::5"))


def test_a_configured_name_that_is_not_one_stops_the_start() -> None:
    with pytest.raises(InputError, match="allowed-host"):
        guard("gateway.test:port")


def test_json_depth_skips_strings() -> None:
    assert json_depth(b'{"a": "[[[{{{", "b": [1, {"c": "\\"]"}]}') == 3
    assert json_depth(b"[" * 50 + b"]" * 50) == 50
    assert json_depth(b"") == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", None),
        (b'{"code": "123456"}', None),
        (b'{"code": "\xc3\xa5"}', None),
        (b'{"code": "\xff"}', "bad_json"),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "bad_json"),
        (b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, None),
        (b'{"code": ', "bad_json"),
        (b"x" * (MAX_BODY_BYTES + 1), "body_too_large"),
    ],
)
def test_body_problems(body: bytes, code: str | None) -> None:
    problem = body_problem(body)
    assert (problem[1].code if problem else None) == code

"""The import rules of the architecture (README, ARCHITECTURE), checked on the source tree.

Each rule names the modules it covers by pattern, so a new module in an area is covered the
day it is written. The imports are read with `ast` (every `import`, also inside functions and
under TYPE_CHECKING), so nothing is executed.
"""

from __future__ import annotations

import ast
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("server", "gateway", "firmware_sim", "lock_protocol")

# Pure modules: rules and state machines with no I/O, tested on their own (mypy strict).
PURE = (
    "server.orders.lifecycle",
    "server.orders.checklist",
    "server.orders.sla",
    "server.orders.contact_plan",
    "server.orders.field_effects",
    "server.app_rules",
    "server.locks.evidence",
    "server.locks.visit_window",
    "server.calendar.*",
    "server.accounts.permissions",
    "server.client_address",
    "server.wire",
    "server.booking.codes",
    "server.booking.replies",
    "server.notify.phones",
    "server.notify.sms",
    "server.locks.pairing_rules",
    "server.activity.shifts",
    "server.activity.next_step",
    "server.intake.cases",
    "server.intake.tokens",
    "server.intake.labels",
    "lock_protocol*",
)
# What I/O looks like from an import: the web framework, the ORM and database drivers, the
# radio, the network, processes, and our own modules that do I/O.
IO = (
    "litestar*",
    "piccolo*",
    "aiosqlite*",
    "asyncpg*",
    "sqlite3",
    "bleak*",
    "bumble*",
    "httpx*",
    "aiosmtplib*",
    "smtplib",
    "pywebpush*",
    "socket",
    "subprocess",
    "urllib.request",
    "server.db",
    "server.web",
    "server.app",
    "*.tables",
    "*.routes",
    "*.service",
    "gateway.ble*",
    "firmware_sim*",
)
WEB = ("litestar*", "server.web", "server.app", "server.http_errors", "*.routes")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "piccolo_migrations" not in path.parts:
                found[module_name(path)] = path
    return found


MODULES = all_modules()


def imports_of(name: str) -> set[str]:
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            # `from server.orders import routes` imports the module server.orders.routes.
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def matching(patterns: tuple[str, ...]) -> list[str]:
    return sorted(m for m in MODULES if any(fnmatch(m, p) for p in patterns))


def offending(name: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        i for i in imports_of(name) if any(fnmatch(i, p) for p in forbidden) and i != name
    )


def test_every_rule_covers_modules_that_exist() -> None:
    # A rule whose pattern matches nothing (a module renamed) would pass for ever.
    for pattern in PURE:
        assert matching((pattern,)), f"no module matches {pattern}"
    assert matching(SERVICES)
    assert matching(ROUTES)
    assert matching(("lock_protocol.*",))


def strict_mypy_patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [
        pattern
        for override in config["tool"]["mypy"]["overrides"]
        if override.get("strict")
        for pattern in override["module"]
    ]


@pytest.mark.parametrize("name", matching(PURE))
def test_pure_modules_are_type_checked_strictly(name: str) -> None:
    assert any(fnmatch(name, p) for p in strict_mypy_patterns()), f"add {name} to mypy strict"


@pytest.mark.parametrize("name", matching(PURE))
def test_pure_modules_do_no_io(name: str) -> None:
    assert offending(name, IO) == [], f"{name} is a pure module and may not import these"


# Services, jobs, views and the request-free context: the domain's use cases, free of the web.
SERVICES = (
    "server.*.service",
    "server.*.views",
    "server.context",
    "server.locks.credentials",
    "server.locks.evidence_intake",
    "server.notify.sms_service",
    "server.orders.escalation",
    "server.orders.notifications",
    "server.orders.reminders",
    "server.orders.holds",
    "server.orders.calendar_feed",
    "server.orders.forwards",
    "server.notify.worker",
    "server.notify.outbox",
)


@pytest.mark.parametrize("name", matching(SERVICES))
def test_services_import_no_web_layer(name: str) -> None:
    assert offending(name, WEB) == [], f"{name} must not know Litestar or the routes"


ROUTES = ("server.*.routes", "server.*.*_routes")


@pytest.mark.parametrize("name", matching(ROUTES))
def test_routes_leave_queries_to_the_services(name: str) -> None:
    # Routes decode, call a service, encode: the tables and the ORM are the services' business.
    assert offending(name, ("piccolo*", "*.tables", "server.db")) == []


# The demo launcher is the one composition root that starts the simulator next to the server.
DEMO_LAUNCHER = "server.demo_stack"


@pytest.mark.parametrize(
    "name", [m for m in matching(("server*", "gateway*")) if m != DEMO_LAUNCHER]
)
def test_the_product_never_imports_the_simulator(name: str) -> None:
    assert offending(name, ("firmware_sim*",)) == [], "inject the simulated radio from tests"


@pytest.mark.parametrize("name", matching(("lock_protocol*",)))
def test_the_lock_protocol_depends_on_no_side(name: str) -> None:
    # The server, the gateway and the simulator all speak it; it speaks none of them.
    assert offending(name, ("server*", "gateway*", "firmware_sim*")) == []


@pytest.mark.parametrize("name", matching(("gateway*", "firmware_sim*")))
def test_the_gateway_and_the_simulator_do_not_reach_into_the_server(name: str) -> None:
    assert offending(name, ("server*",)) == []


@pytest.mark.parametrize("name", matching(("firmware_sim*",)))
def test_the_simulator_is_a_lock_not_a_gateway(name: str) -> None:
    assert offending(name, ("gateway*",)) == []


@pytest.mark.parametrize("name", matching(("server*",)))
def test_the_server_does_not_reach_into_the_gateway(name: str) -> None:
    assert offending(name, ("gateway*",)) == []


def test_the_hub_does_not_go_through_the_local_api() -> None:
    # Both speak to locks through gateway.operations and gateway.refusals; the hub has no HTTP.
    assert offending("gateway.hub", ("gateway.local_api*",)) == []


def test_the_rules_can_fail() -> None:
    # The checker itself: the web plumbing, which must import Litestar, is caught doing so,
    # and a named module of ours is found among the imports.
    assert any(name.startswith("litestar") for name in offending("server.web", WEB))
    assert "server.settings" in offending("server.web", ("server.settings",))

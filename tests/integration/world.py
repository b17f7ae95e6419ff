"""A small world of two home-care providers and two fitters' companies, for API tests.

Users get bearer tokens written straight into the database (argon2 logins cost ~50 ms each,
and most tests are about access, not about logging in); the login tests use real logins.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from server.accounts.service import token_hash

PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(PASSWORD)


@dataclass
class Actor:
    name: str
    user_id: str
    organisation_id: str
    roles: list[str]
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    actors: dict[str, Actor] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Actor:
        return self.actors[name]


GOOD_CHECKLIST = {
    "door_handled_like_metal_key": "yes",
    "battery_checked": "replaced",
    "lock_woken": "woken",
    "linked_correctly_in_care_system": "yes",
    "fault_location": "lock_unit",
}


async def make_world() -> World:
    from server.accounts.tables import DeviceToken, Organisation, User
    from server.customers.tables import Customer
    from server.locks.tables import Lock

    world = World()
    fitters_1 = Organisation(name="Fitters One", kind="fitters_company", email="f1@example.org")
    fitters_2 = Organisation(name="Fitters Two", kind="fitters_company", email="f2@example.org")
    admin_org = Organisation(name="Administration", kind="administration")
    await Organisation.insert(fitters_1, fitters_2, admin_org)
    provider_a = Organisation(
        name="Provider A",
        kind="home_care_provider",
        contractor=fitters_1.id,
        completion_copy_email="seniorguide@example.org",
    )
    provider_b = Organisation(name="Provider B", kind="home_care_provider", contractor=fitters_2.id)
    await Organisation.insert(provider_a, provider_b)
    world.ids.update(
        provider_a=str(provider_a.id),
        provider_b=str(provider_b.id),
        fitters_1=str(fitters_1.id),
        fitters_2=str(fitters_2.id),
        admin_org=str(admin_org.id),
    )

    async def actor(name: str, org: Organisation, roles: list[str]) -> Actor:
        user = User(
            organisation=org.id,
            username=name,
            full_name=name.title(),
            roles=roles,
            email=f"{name}@example.org",
            phone="070-1234567",
            password_hash=password_hash(),
        )
        await user.save()
        token = "lw_dev_" + secrets.token_urlsafe(24)
        await DeviceToken.insert(
            DeviceToken(token_hash=token_hash(token), user=user.id, name=f"{name}-device")
        )
        world.actors[name] = Actor(name, str(user.id), str(org.id), roles, token)
        return world.actors[name]

    await actor("admin", admin_org, ["admin"])
    await actor("orderer_a", provider_a, ["orderer"])
    await actor("orderer_b", provider_b, ["orderer"])
    await actor("planner_1", fitters_1, ["planner"])
    await actor("planner_2", fitters_2, ["planner"])
    await actor("fitter_1", fitters_1, ["fitter"])
    await actor("fitter_1b", fitters_1, ["fitter"])
    await actor("fitter_2", fitters_2, ["fitter"])

    for suffix, provider in (("a", provider_a), ("b", provider_b)):
        customer = Customer(
            provider=provider.id,
            name=f"Customer {suffix.upper()}",
            street_address="Storgatan 1",
            city="Uppsala",
            area="Centrum",
            phone="018-123456",
        )
        await customer.save()
        lock = Lock(
            serial=f"LW-00{suffix.upper()}1", model="D1", state="installed", customer=customer.id
        )
        await lock.save()
        world.ids[f"customer_{suffix}"] = str(customer.id)
        world.ids[f"lock_{suffix}"] = str(lock.id)
    stock = Lock(serial="LW-STOCK1", model="D1")
    await stock.save()
    world.ids["lock_stock"] = str(stock.id)
    return world


async def place_order(client: Any, actor: Actor, customer_id: str, **extra: Any) -> dict[str, Any]:
    body = {
        "kind": "service",
        "customer_id": customer_id,
        "checklist": GOOD_CHECKLIST,
        "description": "The lock does not open from the phone.",
        **extra,
    }
    response = await client.post("/api/orders", json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def assign(client: Any, planner: Actor, order_id: str, fitter: Actor) -> dict[str, Any]:
    response = await client.post(
        f"/api/orders/{order_id}/assignment",
        json={"fitter_id": fitter.user_id},
        headers=planner.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def session_headers(client: Any, actor: Actor) -> dict[str, str]:
    """Log the actor in with the password, as a browser: the session cookie and CSRF token as
    headers. Device management needs a person logged in; a device's bearer token is refused.

    The client's own cookie jar is cleared again, so that other requests stay anonymous or
    bearer-authenticated as they were.
    """
    answer = await client.post(
        "/api/auth/login", json={"username": actor.name, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    cookie = "; ".join(f"{name}={value}" for name, value in answer.cookies.items())
    client.cookies.clear()
    return {"Cookie": cookie, "X-CSRF-Token": answer.json()["csrf_token"]}


def call_args(order_id: str) -> dict[str, str]:
    """Arguments of a ``contact_attempt.add`` mutation with an id made on the device."""
    return {
        "order_id": order_id,
        "attempt_id": str(uuid.uuid4()),
        "to_whom": "customer",
        "outcome": "no_answer",
    }

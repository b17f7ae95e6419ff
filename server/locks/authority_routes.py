"""HTTP routes of the lock authority (contract A): the server's keys, and pairing tickets,
staff credentials and unbind tokens for the fitter assigned to an order."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import Provide

from server.accounts.permissions import Principal, Role
from server.errors import Forbidden
from server.locks.authority import LockAuthority
from server.locks.service import LockService
from server.web import Services, provide_principal

Serial = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Hex = Annotated[str, msgspec.Meta(min_length=2, max_length=2048, pattern=r"^[0-9a-fA-F]+$")]


class LockAuthorityOut(msgspec.Struct, kw_only=True):
    server_public_key: str
    operator_certificate: str | None
    factory_authority_public_keys: list[str]


class StaffCredentialIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    staff_public_key: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-fA-F]{64}$")]
    serial: Serial
    # Optional (beyond contract A): the lock's factory certificate, for a lock whose identity
    # the server has not learnt yet (paired before this server knew it).
    lock_certificate: Hex | None = None


class UnbindTokenIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    serial: Serial


class LockAuthorityController(Controller):
    path = "/api"
    tags = ["locks"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/lock-authority")
    async def lock_authority(self, principal: Principal, services: Services) -> LockAuthorityOut:
        """The server's lock-signing public key, its operator certificate and the factory
        authorities it trusts (fitters, planners and administrators)."""
        if not (principal.is_admin or principal.has(Role.FITTER) or principal.has(Role.PLANNER)):
            raise Forbidden("Only fitters, planners and administrators work with locks.")
        authority = services.lock_authority
        assert isinstance(authority, LockAuthority)
        certificate = authority.operator_certificate
        return LockAuthorityOut(
            server_public_key=authority.public_key.hex(),
            operator_certificate=certificate.hex() if certificate is not None else None,
            factory_authority_public_keys=[key.hex() for key in authority.factory_authorities],
        )

    @post("/orders/{order_id:uuid}/pairing-ticket")
    async def pairing_ticket(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> dict[str, Any]:
        """A pairing ticket (10 minutes) for the new lock of this order's customer."""
        return await LockService(services).pairing_ticket(principal, order_id)

    @post("/orders/{order_id:uuid}/staff-credential")
    async def staff_credential(
        self, order_id: UUID, data: StaffCredentialIn, principal: Principal, services: Services
    ) -> dict[str, Any]:
        """A credential for this device's key on one lock of the order, for the visit."""
        return await LockService(services).staff_credential(
            principal, order_id, data.staff_public_key, data.serial, data.lock_certificate
        )

    @post("/orders/{order_id:uuid}/unbind-token")
    async def unbind_token(
        self, order_id: UUID, data: UnbindTokenIn, principal: Principal, services: Services
    ) -> dict[str, Any]:
        """A token (10 minutes) that lets the lock be unpaired on a removal or service visit."""
        return await LockService(services).unbind_token(principal, order_id, data.serial)

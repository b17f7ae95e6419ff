"""HTTP routes of the lock authority (contract A): the server's keys, and pairing tickets,
staff credentials and unbind tokens for the fitter assigned to an order."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import Provide

from server.accounts.permissions import Principal, Role
from server.context import Services
from server.errors import Forbidden
from server.locks.authority import LockAuthority
from server.locks.credentials import CredentialService
from server.web import provide_principal

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


class PairingTicketIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # The lock about to be paired, when the gateway knows it: checked against the order's
    # lock before a ticket is signed (server.locks.pairing_rules).
    serial: Serial | None = None


class LockReplacementIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    serial: Serial  # the order's lock, taken down: named to confirm which one
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


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
        self,
        order_id: UUID,
        principal: Principal,
        services: Services,
        data: PairingTicketIn | None = None,
    ) -> dict[str, Any]:
        """A pairing ticket (10 minutes) for the new lock of this order's customer, issued
        inside the booked visit's window."""
        serial = data.serial if data is not None else None
        return await CredentialService(services).pairing_ticket(principal, order_id, serial)

    @post("/orders/{order_id:uuid}/lock-replacement")
    async def lock_replacement(
        self, order_id: UUID, data: LockReplacementIn, principal: Principal, services: Services
    ) -> dict[str, Any]:
        """A service visit takes the order's lock down to fit a new one: the old lock is
        recorded as removed and unbound from the customer, its credentials revoked, and the
        order then takes a pairing of the new lock."""
        return await CredentialService(services).replace_lock(
            principal, order_id, data.serial, data.reason
        )

    @post("/orders/{order_id:uuid}/staff-credential")
    async def staff_credential(
        self, order_id: UUID, data: StaffCredentialIn, principal: Principal, services: Services
    ) -> dict[str, Any]:
        """A credential for this device's key on one lock of the order, for the visit."""
        return await CredentialService(services).staff_credential(
            principal, order_id, data.staff_public_key, data.serial, data.lock_certificate
        )

    @post("/orders/{order_id:uuid}/unbind-token")
    async def unbind_token(
        self, order_id: UUID, data: UnbindTokenIn, principal: Principal, services: Services
    ) -> dict[str, Any]:
        """A token (10 minutes) that lets the lock be unpaired on a removal or service visit."""
        return await CredentialService(services).unbind_token(principal, order_id, data.serial)

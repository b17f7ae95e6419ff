"""HTTP routes of the accounts area: login, organisations, users, device tokens."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from server.accounts.permissions import Principal
from server.accounts.schemas import (
    DeviceCreated,
    DeviceIn,
    DeviceOut,
    LoginRequest,
    LoginResponse,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    PasswordReset,
    RoleName,
    UserIn,
    UserOut,
    UserPatch,
)
from server.accounts.service import user_row
from server.accounts.views import device_out, organisation_out, user_out
from server.context import Services
from server.web import (
    Limit,
    Offset,
    Page,
    provide_principal,
    request_client_address,
    session_cookie_name,
)


class AuthController(Controller):
    path = "/api/auth"
    tags = ["accounts"]

    @post("/login", status_code=HTTP_200_OK)
    async def login(
        self, request: Request[Any, Any, Any], data: LoginRequest, services: Services
    ) -> Response[LoginResponse]:
        """Log in with user name and password; sets the session cookie."""
        client = request_client_address(request, services.settings)
        result = await services.accounts.login(
            data.username, data.password, client, request.headers.get("user-agent", "")
        )
        user = await user_row(result.principal.user_id)
        response = Response(
            LoginResponse(
                user=user_out(user), csrf_token=result.csrf_token, expires_at=result.expires_at
            )
        )
        response.set_cookie(
            key=session_cookie_name(services.settings),
            value=result.session_token,
            max_age=services.settings.session_hours * 3600,
            path="/",
            secure=services.settings.secure_cookies,
            httponly=True,
            samesite="lax",
        )
        return response

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        dependencies={"principal": Provide(provide_principal)},
    )
    async def logout(
        self, request: Request[Any, Any, Any], services: Services, principal: Principal
    ) -> Response[None]:
        """End this session."""
        cookie = session_cookie_name(services.settings)
        token = request.cookies.get(cookie)
        if token:
            await services.accounts.logout(token)
        response: Response[None] = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(cookie, path="/")
        return response

    @get("/me", dependencies={"principal": Provide(provide_principal)})
    async def me(
        self, request: Request[Any, Any, Any], services: Services, principal: Principal
    ) -> dict[str, Any]:
        """Who is logged in, and the CSRF token the app must send with unsafe requests."""
        user = await user_row(principal.user_id)
        csrf = None
        token = request.cookies.get(session_cookie_name(services.settings))
        if token:
            _, csrf = await services.accounts.principal_for_session(token)
        return {"user": user_out(user), "csrf_token": csrf}


class OrganisationController(Controller):
    path = "/api/organisations"
    tags = ["accounts"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_organisations(
        self, principal: Principal, services: Services, limit: Limit = 50, offset: Offset = 0
    ) -> Page:
        """Organisations you may see: your own (all, for administrators)."""
        total, rows = await services.accounts.organisations(principal, limit, offset)
        return Page(
            total=total, limit=limit, offset=offset, items=[organisation_out(r) for r in rows]
        )

    @get("/{organisation_id:uuid}")
    async def get_organisation(
        self, organisation_id: UUID, principal: Principal, services: Services
    ) -> OrganisationOut:
        return organisation_out(await services.accounts.organisation(principal, organisation_id))

    @post("/")
    async def create_organisation(
        self, data: OrganisationIn, principal: Principal, services: Services
    ) -> OrganisationOut:
        """Administrators add home-care providers, fitters' companies and the administration."""
        return organisation_out(await services.accounts.create_organisation(principal, data))

    @patch("/{organisation_id:uuid}")
    async def change_organisation(
        self,
        organisation_id: UUID,
        data: OrganisationPatch,
        principal: Principal,
        services: Services,
    ) -> OrganisationOut:
        """Administrators change an organisation's name and addresses, e.g. the completion
        copy address (Seniorguide) or the system administration's address."""
        return organisation_out(
            await services.accounts.change_organisation(principal, organisation_id, data)
        )


class UserController(Controller):
    path = "/api/users"
    tags = ["accounts"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_users(
        self,
        principal: Principal,
        services: Services,
        role: RoleName | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Users of your organisation (all, for administrators); filter by role."""
        items = [user_out(r) for r in await services.accounts.users(principal, role)]
        return Page(
            total=len(items), limit=limit, offset=offset, items=items[offset : offset + limit]
        )

    @get("/{user_id:uuid}")
    async def get_user(self, user_id: UUID, principal: Principal, services: Services) -> UserOut:
        return user_out(await services.accounts.user(principal, user_id))

    @post("/")
    async def create_user(self, data: UserIn, principal: Principal, services: Services) -> UserOut:
        """Administrators add users; roles must fit the organisation's kind."""
        return user_out(await services.accounts.create_user(principal, data))

    @patch("/{user_id:uuid}")
    async def change_user(
        self, user_id: UUID, data: UserPatch, principal: Principal, services: Services
    ) -> UserOut:
        """Administrators change a user's roles and areas, or disable (``active: false``: their
        sessions and device tokens stop working at once) and enable them."""
        return user_out(await services.accounts.change_user(principal, user_id, data))

    @post("/{user_id:uuid}/password", status_code=HTTP_200_OK)
    async def reset_password(
        self, user_id: UUID, data: PasswordReset, principal: Principal, services: Services
    ) -> UserOut:
        """Administrators set a new password for a user (at least 10 characters); the user's
        sessions end."""
        return user_out(await services.accounts.reset_password(principal, user_id, data))


class DeviceController(Controller):
    path = "/api/devices"
    tags = ["accounts"]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/")
    async def create_device(
        self, data: DeviceIn, principal: Principal, services: Services
    ) -> DeviceCreated:
        """A bearer token for a device (a gateway) acting for you. The token is shown once.
        Only a person logged in may make one: a device's token cannot mint tokens."""
        token, row = await services.accounts.add_device(principal, data.name)
        return DeviceCreated(device=device_out(row), token=token)

    @get("/")
    async def list_devices(
        self, principal: Principal, services: Services, user_id: UUID | None = None
    ) -> list[DeviceOut]:
        """Your devices, oldest first, revoked ones too (marked); administrators may ask for
        any user's (``user_id``), to revoke a lost phone's gateway."""
        return [device_out(r) for r in await services.accounts.devices(principal, user_id)]

    @delete("/{device_id:uuid}", status_code=HTTP_204_NO_CONTENT)
    async def revoke_device(
        self, device_id: UUID, principal: Principal, services: Services
    ) -> None:
        """Revoke a device's token and every token it made (your own; any, for
        administrators)."""
        await services.accounts.revoke_device(principal, device_id)


__all__ = [
    "AuthController",
    "DeviceController",
    "OrganisationController",
    "UserController",
    "ValidationException",
]

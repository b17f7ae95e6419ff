"""HTTP routes of the accounts area: login, organisations, users, device tokens."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from server.accounts import permissions as perm
from server.accounts.permissions import Principal
from server.accounts.schemas import (
    DeviceCreated,
    DeviceIn,
    DeviceOut,
    LoginRequest,
    LoginResponse,
    OrganisationIn,
    OrganisationOut,
    RoleName,
    UserIn,
    UserOut,
)
from server.accounts.service import hash_password
from server.accounts.tables import DeviceToken, Organisation, User
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.web import (
    Limit,
    Offset,
    Page,
    Services,
    found,
    provide_principal,
    session_cookie_name,
)


def user_out(row: dict[str, Any]) -> UserOut:
    return UserOut(
        id=row["id"],
        organisation_id=row["organisation"],
        username=row["username"],
        full_name=row["full_name"],
        email=row["email"],
        phone=row["phone"],
        roles=list(row["roles"]),
        areas=list(row["areas"]),
        active=row["active"],
    )


def organisation_out(row: dict[str, Any]) -> OrganisationOut:
    return OrganisationOut(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        email=row["email"],
        phone=row["phone"],
        completion_copy_email=row["completion_copy_email"],
        contractor_id=row["contractor"],
    )


def device_out(row: dict[str, Any]) -> DeviceOut:
    return DeviceOut(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked=row["revoked"],
    )


USER_COLUMNS = (
    User.id,
    User.organisation,
    User.username,
    User.full_name,
    User.email,
    User.phone,
    User.roles,
    User.areas,
    User.active,
)


async def select_user(*where: Any) -> dict[str, Any] | None:
    return await User.select(*USER_COLUMNS).where(*where).output(load_json=True).first()


class AuthController(Controller):
    path = "/api/auth"
    tags = ["accounts"]

    @post("/login", status_code=HTTP_200_OK)
    async def login(
        self, request: Request[Any, Any, Any], data: LoginRequest, services: Services
    ) -> Response[LoginResponse]:
        """Log in with user name and password; sets the session cookie."""
        client = request.client.host if request.client else "unknown"
        result = await services.accounts.login(
            data.username, data.password, client, request.headers.get("user-agent", "")
        )
        user = found(await select_user(User.id == result.principal.user_id), "user")
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
        user = found(await select_user(User.id == principal.user_id), "user")
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
        self, principal: Principal, limit: Limit = 50, offset: Offset = 0
    ) -> Page:
        """Organisations you may see: your own (all, for administrators)."""
        query = Organisation.select().order_by(Organisation.name)
        count = Organisation.count()
        if not principal.is_admin:
            query = query.where(Organisation.id == principal.organisation_id)
            count = count.where(Organisation.id == principal.organisation_id)
        rows = await query.limit(limit).offset(offset)
        return Page(
            total=await count, limit=limit, offset=offset, items=[organisation_out(r) for r in rows]
        )

    @get("/{organisation_id:uuid}")
    async def get_organisation(
        self, organisation_id: UUID, principal: Principal
    ) -> OrganisationOut:
        row = await Organisation.select().where(Organisation.id == organisation_id).first()
        if not row or not perm.can_see_organisation(principal, str(organisation_id)):
            raise NotFound("No such organisation.")
        return organisation_out(row)

    @post("/")
    async def create_organisation(
        self, data: OrganisationIn, principal: Principal
    ) -> OrganisationOut:
        """Administrators add home-care providers, fitters' companies and the administration."""
        if not perm.can_manage_accounts(principal):
            raise Forbidden("Only an administrator can add organisations.")
        if await Organisation.exists().where(Organisation.name == data.name):
            raise Conflict(f"An organisation called '{data.name}' exists already.", field="name")
        if data.contractor_id is not None:
            contractor = (
                await Organisation.select(Organisation.kind)
                .where(Organisation.id == data.contractor_id)
                .first()
            )
            if not contractor or contractor["kind"] != perm.OrganisationKind.FITTERS_COMPANY:
                raise ValidationFailed(
                    "The contractor must be an existing fitters' company.", field="contractor_id"
                )
        row = Organisation(
            name=data.name,
            kind=data.kind,
            email=data.email,
            phone=data.phone,
            completion_copy_email=data.completion_copy_email,
            contractor=data.contractor_id,
        )
        await row.save()
        return organisation_out(
            found(
                await Organisation.select().where(Organisation.id == row.id).first(), "organisation"
            )
        )


class UserController(Controller):
    path = "/api/users"
    tags = ["accounts"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_users(
        self,
        principal: Principal,
        role: RoleName | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Users of your organisation (all, for administrators); filter by role."""
        scope = [] if principal.is_admin else [User.organisation == principal.organisation_id]
        rows = (
            await User.select(*USER_COLUMNS)
            .where(*scope)
            .order_by(User.full_name)
            .output(load_json=True)
        )
        items = [user_out(r) for r in rows if role is None or role in r["roles"]]
        return Page(
            total=len(items), limit=limit, offset=offset, items=items[offset : offset + limit]
        )

    @get("/{user_id:uuid}")
    async def get_user(self, user_id: UUID, principal: Principal) -> UserOut:
        row = await select_user(User.id == user_id)
        if not row or not perm.can_see_user(principal, str(row["organisation"]), str(user_id)):
            raise NotFound("No such user.")
        return user_out(row)

    @post("/")
    async def create_user(self, data: UserIn, principal: Principal, services: Services) -> UserOut:
        """Administrators add users; roles must fit the organisation's kind."""
        if not perm.can_manage_accounts(principal):
            raise Forbidden("Only an administrator can add users.")
        kind = await services.accounts.organisation_kind(str(data.organisation_id))
        if kind is None:
            raise ValidationFailed("No such organisation.", field="organisation_id")
        services.accounts.check_roles_fit(kind, list(data.roles))
        username = data.username.lower()
        if await User.exists().where(User.username == username):
            raise Conflict(
                f"The user name '{username}' is taken; choose another.", field="username"
            )
        row = User(
            organisation=data.organisation_id,
            username=username,
            full_name=data.full_name,
            email=data.email,
            phone=data.phone,
            roles=sorted(set(data.roles)),
            areas=list(data.areas),
            password_hash=await hash_password(data.password),
        )
        await row.save()
        return user_out(found(await select_user(User.id == row.id), "user"))


class DeviceController(Controller):
    path = "/api/devices"
    tags = ["accounts"]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/")
    async def create_device(
        self, data: DeviceIn, principal: Principal, services: Services
    ) -> DeviceCreated:
        """A bearer token for a device (a gateway) acting for you. The token is shown once."""
        token, row = await services.accounts.create_device_token(principal, data.name)
        return DeviceCreated(device=device_out(row), token=token)

    @get("/")
    async def list_devices(self, principal: Principal) -> list[DeviceOut]:
        rows = (
            await DeviceToken.select()
            .where(DeviceToken.user == principal.user_id)
            .order_by(DeviceToken.created_at)
        )
        return [device_out(r) for r in rows]

    @delete("/{device_id:uuid}", status_code=HTTP_204_NO_CONTENT)
    async def revoke_device(self, device_id: UUID, principal: Principal) -> None:
        """Revoke a device's token (your own; any, for administrators)."""
        row = await DeviceToken.select(DeviceToken.user).where(DeviceToken.id == device_id).first()
        if not row or (str(row["user"]) != principal.user_id and not principal.is_admin):
            raise NotFound("No such device.")
        await DeviceToken.update({DeviceToken.revoked: True}).where(DeviceToken.id == device_id)


__all__ = [
    "AuthController",
    "DeviceController",
    "OrganisationController",
    "UserController",
    "ValidationException",
]

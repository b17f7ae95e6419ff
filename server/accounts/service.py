"""Logins, sessions, device tokens and account management (transactions and queries)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.accounts import permissions as perm
from server.accounts.permissions import (
    ROLES_BY_ORGANISATION_KIND,
    OrganisationKind,
    Principal,
    Role,
)
from server.accounts.schemas import (
    OrganisationIn,
    OrganisationPatch,
    PasswordReset,
    UserIn,
    UserPatch,
)
from server.accounts.tables import DeviceToken, LoginFailure, LoginSession, Organisation, User
from server.clock import Clock
from server.db import write_transaction
from server.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
    ValidationFailed,
)
from server.secrets_box import SecretBox
from server.settings import Settings

logger = logging.getLogger(__name__)

# Argon2id with the library's defaults (64 MiB, 3 passes): memory-hard, ~50 ms on our cores.
_hasher = PasswordHasher()
# Verified when the user name is unknown, so that a miss costs the same time as a hit and
# response timing does not reveal which user names exist.
_DUMMY_HASH = _hasher.hash("lockwork-timing-equaliser")
MIN_PASSWORD_LENGTH = 10
SESSION_TOKEN_BYTES = 32
# "Last used" is for spotting a lost or idle device, so minutes are precise enough; writing it on
# every request would turn each pull of a polling phone into a committed, fsync'd write.
DEVICE_LAST_USED_RESOLUTION = timedelta(minutes=5)
DEVICE_TOKEN_PREFIX = "lw_dev_"  # noqa: S105 - a prefix, not a secret
_DEVICE_TOKEN_COLUMNS: list[Any] = []


def _device_token_columns() -> list[Any]:
    """Built once: Piccolo's join columns cost more to build than the look-up itself, and
    every request a device makes (50 gateway pulls a second, say) starts with this look-up."""
    if not _DEVICE_TOKEN_COLUMNS:
        _DEVICE_TOKEN_COLUMNS.extend(
            [
                DeviceToken.id,
                DeviceToken.name,
                DeviceToken.revoked,
                DeviceToken.last_used_at,
                *DeviceToken.user.all_columns(),
            ]
        )
    return _DEVICE_TOKEN_COLUMNS


# What the API shows of a user: never the password hash.
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


async def user_row(user_id: Any) -> dict[str, Any]:
    """The user as the API shows them (whoever asks), or NotFound."""
    row = await select_user(User.id == user_id)
    if row is None:
        raise NotFound("No such user.")
    return row


def refuse_devices(principal: Principal) -> None:
    """Only a person logged in manages device tokens: a device's token cannot."""
    if not perm.can_manage_devices(principal):
        raise Forbidden(
            "A device cannot manage device tokens. Log in to Lockwork in a browser and manage "
            "your devices under More.",
            code="device_cannot_manage_devices",
            message_sv="En enhet kan inte hantera enheter. Logga in i Lockwork i webbläsaren "
            "och hantera dina enheter under Mer.",
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    # Hashing is CPU- and memory-bound: keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, password)


async def _verify_password(stored_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(stored_hash or _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def principal_from_row(
    user: dict[str, Any], device: str = "", device_id: str | None = None
) -> Principal:
    return Principal(
        user_id=str(user["id"]),
        organisation_id=str(user["organisation"]),
        roles=frozenset(Role(r) for r in user["roles"]),
        name=user["full_name"],
        device=device,
        device_id=device_id,
    )


@dataclass(frozen=True)
class LoginResult:
    session_token: str
    csrf_token: str
    expires_at: datetime
    principal: Principal


class AccountService:
    def __init__(self, settings: Settings, box: SecretBox, clock: Clock) -> None:
        self.settings = settings
        self.box = box
        self.clock = clock

    # -- login throttling --------------------------------------------------------------------
    async def _check_throttle(self, client_address: str, account_key: str) -> None:
        """Failures are counted per (address, account) and per address.

        Never per account alone: otherwise anyone could lock a fitter out of their own account
        by failing logins in their name from somewhere else.
        """
        window = timedelta(minutes=self.settings.login_failure_window_minutes)
        since = self.clock.now() - window
        per_pair = await LoginFailure.count().where(
            (LoginFailure.client_address == client_address)
            & (LoginFailure.account_key == account_key)
            & (LoginFailure.at > since)
        )
        per_address = await LoginFailure.count().where(
            (LoginFailure.client_address == client_address) & (LoginFailure.at > since)
        )
        if (
            per_pair >= self.settings.login_failures_per_account_and_address
            or per_address >= self.settings.login_failures_per_address
        ):
            raise RateLimited(
                "Too many failed logins from this device. Wait "
                f"{self.settings.login_failure_window_minutes} minutes and try again, or ask "
                "your administrator to reset your password.",
                retry_after=int(window.total_seconds()),
            )

    async def login(
        self, username: str, password: str, client_address: str, user_agent: str
    ) -> LoginResult:
        account_key = self.box.account_key(username)
        await self._check_throttle(client_address, account_key)
        user = (
            await User.select()
            .where((User.username == username.strip().lower()) & (User.active == True))  # noqa: E712
            .output(load_json=True)
            .first()
        )
        ok = await _verify_password(user["password_hash"] if user else "", password)
        if not user or not ok:
            await LoginFailure.insert(
                LoginFailure(
                    client_address=client_address, account_key=account_key, at=self.clock.now()
                )
            )
            raise Unauthenticated("Wrong user name or password. Check both and try again.")
        # A successful login clears this pair's failures (not other addresses').
        await LoginFailure.delete().where(
            (LoginFailure.client_address == client_address)
            & (LoginFailure.account_key == account_key)
        )
        token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        csrf = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        expires = self.clock.now() + timedelta(hours=self.settings.session_hours)
        await LoginSession.insert(
            LoginSession(
                token_hash=token_hash(token),
                user=user["id"],
                csrf_token=csrf,
                expires_at=expires,
                user_agent=user_agent[:300],
            )
        )
        return LoginResult(token, csrf, expires, principal_from_row(user, device=user_agent[:100]))

    async def logout(self, session_token: str) -> None:
        await LoginSession.delete().where(LoginSession.token_hash == token_hash(session_token))

    async def principal_for_session(self, session_token: str) -> tuple[Principal, str]:
        """The principal and the session's CSRF token, or Unauthenticated."""
        row = (
            await LoginSession.select(
                LoginSession.csrf_token,
                LoginSession.expires_at,
                LoginSession.user_agent,
                *LoginSession.user.all_columns(),
            )
            .where(LoginSession.token_hash == token_hash(session_token))
            .output(load_json=True)
            .first()
        )
        if not row or row["expires_at"] <= self.clock.now() or not row["user.active"]:
            raise Unauthenticated("Your session has ended. Log in again.")
        user = {key.removeprefix("user."): value for key, value in row.items()}
        return principal_from_row(user, device=row["user_agent"][:100]), row["csrf_token"]

    async def principal_for_device_token(self, token: str) -> Principal:
        row = (
            await DeviceToken.select(*_device_token_columns())
            .where(DeviceToken.token_hash == token_hash(token))
            .output(load_json=True)
            .first()
        )
        if not row or row["revoked"] or not row["user.active"]:
            raise Unauthenticated(
                "This device's token is unknown or revoked. Pair the device again."
            )
        now = self.clock.now()
        last_used = row["last_used_at"]
        if last_used is None or now - last_used >= DEVICE_LAST_USED_RESOLUTION:
            await DeviceToken.update({DeviceToken.last_used_at: now}).where(
                DeviceToken.id == row["id"]
            )
        user = {key.removeprefix("user."): value for key, value in row.items()}
        return principal_from_row(user, device=f"device:{row['name']}", device_id=str(row["id"]))

    async def create_device_token(
        self, principal: Principal, name: str
    ) -> tuple[str, dict[str, Any]]:
        """A new token acting for the principal's user. Which principals may ask is
        ``add_device``'s rule (``permissions.can_manage_devices``: no device may); the lineage
        is kept here whoever asks, so that revoking a token always reaches the tokens it made."""
        token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        row = DeviceToken(
            token_hash=token_hash(token),
            user=principal.user_id,
            name=name,
            parent=principal.device_id,
        )
        await row.save()
        return token, row.to_dict()

    async def revoke_device_token(self, device_id: str) -> list[str]:
        """Revoke the token and every token it made, at any depth, in one transaction;
        the ids revoked (the token first)."""
        async with write_transaction(DeviceToken._meta.db):
            revoked = [device_id]
            frontier = [device_id]
            while frontier:
                children = await DeviceToken.select(DeviceToken.id).where(
                    DeviceToken.parent.is_in(frontier)
                )
                frontier = [str(c["id"]) for c in children if str(c["id"]) not in revoked]
                revoked += frontier
            await DeviceToken.update({DeviceToken.revoked: True}).where(
                DeviceToken.id.is_in(revoked)
            )
        return revoked

    # -- accounts ----------------------------------------------------------------------------
    @staticmethod
    def check_roles_fit(kind: str, roles: list[str]) -> None:
        allowed = ROLES_BY_ORGANISATION_KIND[OrganisationKind(kind)]
        wrong = sorted(set(roles) - {r.value for r in allowed})
        if not roles:
            raise ValidationFailed("Give the user at least one role.", field="roles")
        if wrong:
            raise ValidationFailed(
                f"A user of a {kind.replace('_', ' ')} cannot have the role(s) {', '.join(wrong)}; "
                f"allowed: {', '.join(sorted(r.value for r in allowed))}.",
                field="roles",
            )

    async def organisation_kind(self, organisation_id: str) -> str | None:
        row = (
            await Organisation.select(Organisation.kind)
            .where(Organisation.id == organisation_id)
            .first()
        )
        return row["kind"] if row else None

    async def organisations(
        self, principal: Principal, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total and one page of the organisations the principal may see: their own (all,
        for administrators), by name."""
        query = Organisation.select().order_by(Organisation.name)
        count = Organisation.count()
        if not principal.is_admin:
            query = query.where(Organisation.id == principal.organisation_id)
            count = count.where(Organisation.id == principal.organisation_id)
        rows = await query.limit(limit).offset(offset)
        return await count, rows

    async def organisation(self, principal: Principal, organisation_id: UUID) -> dict[str, Any]:
        """The organisation, if the principal may see it."""
        row = await Organisation.select().where(Organisation.id == organisation_id).first()
        if not row or not perm.can_see_organisation(principal, str(organisation_id)):
            raise NotFound("No such organisation.")
        return row

    async def create_organisation(
        self, principal: Principal, data: OrganisationIn
    ) -> dict[str, Any]:
        """Administrators add organisations; the new organisation's row."""
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
            administration_email=data.administration_email,
            contractor=data.contractor_id,
        )
        await row.save()
        created = await Organisation.select().where(Organisation.id == row.id).first()
        if created is None:
            raise NotFound("No such organisation.")
        return created

    @staticmethod
    async def users(principal: Principal, role: str | None) -> list[dict[str, Any]]:
        """Users of the principal's organisation (all, for administrators), by name; those
        with the role, if one is given."""
        scope = [] if principal.is_admin else [User.organisation == principal.organisation_id]
        rows = (
            await User.select(*USER_COLUMNS)
            .where(*scope)
            .order_by(User.full_name)
            .output(load_json=True)
        )
        return [r for r in rows if role is None or role in r["roles"]]

    @staticmethod
    async def user(principal: Principal, user_id: UUID) -> dict[str, Any]:
        """The user, if the principal may see them."""
        row = await select_user(User.id == user_id)
        if not row or not perm.can_see_user(principal, str(row["organisation"]), str(user_id)):
            raise NotFound("No such user.")
        return row

    async def create_user(self, principal: Principal, data: UserIn) -> dict[str, Any]:
        """Administrators add users; roles must fit the organisation's kind. The new user."""
        if not perm.can_manage_accounts(principal):
            raise Forbidden("Only an administrator can add users.")
        kind = await self.organisation_kind(str(data.organisation_id))
        if kind is None:
            raise ValidationFailed("No such organisation.", field="organisation_id")
        self.check_roles_fit(kind, list(data.roles))
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
        return await user_row(row.id)

    # -- administration: change an organisation or a user -------------------------------------
    # Each change is logged as one line naming who changed which object and which fields, never
    # the values (addresses, names): the audit says what happened without personal data.
    async def change_organisation(
        self, principal: Principal, organisation_id: UUID, data: OrganisationPatch
    ) -> dict[str, Any]:
        """Administrators change an organisation's name and addresses (e.g. the completion copy
        address, Seniorguide); the changed row."""
        await self.organisation(principal, organisation_id)  # 404 when not visible
        if not perm.can_manage_accounts(principal):
            raise Forbidden(
                "Only an administrator can change an organisation.",
                message_sv="Bara en administratör kan ändra en organisation.",
            )
        values = {
            getattr(Organisation, name): value
            for name in (
                "name",
                "email",
                "phone",
                "completion_copy_email",
                "administration_email",
            )
            if (value := getattr(data, name)) is not None
        }
        if not values:
            raise ValidationFailed(
                "Name at least one field to change.",
                message_sv="Ange minst ett fält att ändra.",
            )
        async with write_transaction(Organisation._meta.db):
            if data.name is not None and await Organisation.exists().where(
                (Organisation.name == data.name) & (Organisation.id != organisation_id)
            ):
                raise Conflict(
                    f"An organisation called '{data.name}' exists already.", field="name"
                )
            await Organisation.update(values).where(Organisation.id == organisation_id)
        logger.info(
            "admin %s changed organisation %s: %s",
            principal.user_id,
            organisation_id,
            ", ".join(sorted(column._meta.name for column in values)),
        )
        return await self.organisation(principal, organisation_id)

    async def _user_to_manage(self, principal: Principal, user_id: UUID) -> dict[str, Any]:
        row = await self.user(principal, user_id)  # 404 when not visible
        if not perm.can_manage_accounts(principal):
            raise Forbidden(
                "Only an administrator can change a user.",
                message_sv="Bara en administratör kan ändra en användare.",
            )
        return row

    async def change_user(
        self, principal: Principal, user_id: UUID, data: UserPatch
    ) -> dict[str, Any]:
        """Administrators change a user's roles and areas, or disable and enable them. A
        disabled user's sessions are ended and their device tokens refused at once (every
        request checks ``active``); enabling them again brings back no old session."""
        row = await self._user_to_manage(principal, user_id)
        own = str(user_id) == principal.user_id
        values: dict[Any, Any] = {}
        if data.roles is not None:
            kind = await self.organisation_kind(str(row["organisation"]))
            assert kind is not None  # a user's organisation exists (foreign key)
            self.check_roles_fit(kind, list(data.roles))
            if own and Role.ADMIN.value not in data.roles:
                raise Conflict(
                    "You cannot take away your own administrator role; ask another administrator.",
                    field="roles",
                    message_sv="Du kan inte ta bort din egen administratörsroll; be en annan "
                    "administratör.",
                )
            values[User.roles] = sorted(set(data.roles))
        if data.areas is not None:
            values[User.areas] = sorted(set(data.areas))
        if data.active is not None:
            if own and not data.active:
                raise Conflict(
                    "You cannot disable yourself; ask another administrator.",
                    field="active",
                    message_sv="Du kan inte stänga av dig själv; be en annan administratör.",
                )
            values[User.active] = data.active
        if not values:
            raise ValidationFailed(
                "Name at least one field to change.",
                message_sv="Ange minst ett fält att ändra.",
            )
        async with write_transaction(User._meta.db):
            await User.update(values).where(User.id == user_id)
            if data.active is False:
                await LoginSession.delete().where(LoginSession.user == user_id)
        logger.info(
            "admin %s changed user %s: %s%s",
            principal.user_id,
            user_id,
            ", ".join(sorted(column._meta.name for column in values)),
            "" if data.active is None else (" (enabled)" if data.active else " (disabled)"),
        )
        return await user_row(user_id)

    async def reset_password(
        self, principal: Principal, user_id: UUID, data: PasswordReset
    ) -> dict[str, Any]:
        """An administrator sets a new password for a user (the password rules hold); the
        user's sessions end, so whoever knew the old password is logged out. Device tokens
        stay: they were made by the user, not from the password."""
        await self._user_to_manage(principal, user_id)
        new_hash = await hash_password(data.password)
        async with write_transaction(User._meta.db):
            await User.update({User.password_hash: new_hash}).where(User.id == user_id)
            await LoginSession.delete().where(LoginSession.user == user_id)
        logger.info("admin %s reset the password of user %s", principal.user_id, user_id)
        return await user_row(user_id)

    # -- device tokens, as a person manages them ---------------------------------------------
    async def add_device(self, principal: Principal, name: str) -> tuple[str, dict[str, Any]]:
        """A new token for a device acting for the principal, who must be a person."""
        refuse_devices(principal)
        return await self.create_device_token(principal, name)

    @staticmethod
    async def devices(principal: Principal, user_id: UUID | None = None) -> list[dict[str, Any]]:
        """The devices of the principal (or, for an administrator, of ``user_id``), oldest
        first, revoked ones too."""
        refuse_devices(principal)
        owner = str(user_id) if user_id is not None else principal.user_id
        if not perm.can_revoke_device(principal, owner):
            raise NotFound("No such user.")
        return await (
            DeviceToken.select().where(DeviceToken.user == owner).order_by(DeviceToken.created_at)
        )

    async def revoke_device(self, principal: Principal, device_id: UUID) -> None:
        """Revoke a device's token and every token it made (the principal's own; any, for
        administrators)."""
        refuse_devices(principal)
        row = await DeviceToken.select(DeviceToken.user).where(DeviceToken.id == device_id).first()
        if not row or not perm.can_revoke_device(principal, str(row["user"])):
            raise NotFound("No such device.")
        await self.revoke_device_token(str(device_id))

"""Logins, sessions, device tokens and account management (transactions and queries)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.accounts.permissions import (
    ROLES_BY_ORGANISATION_KIND,
    OrganisationKind,
    Principal,
    Role,
)
from server.accounts.tables import DeviceToken, LoginFailure, LoginSession, Organisation, User
from server.clock import Clock
from server.errors import RateLimited, Unauthenticated, ValidationFailed
from server.secrets_box import SecretBox
from server.settings import Settings

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
        token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        row = DeviceToken(token_hash=token_hash(token), user=principal.user_id, name=name)
        await row.save()
        return token, row.to_dict()

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

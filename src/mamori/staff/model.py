"""What the staff service hands out: accounts, tokens, principals, console sessions; and the
checks on what staff type in (usernames, display names, passwords, token names)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from mamori.access import Actor
from mamori.errors import MamoriError

__all__ = [
    "PASSWORD_MAX",
    "PASSWORD_MIN",
    "Account",
    "ConsoleSession",
    "Principal",
    "StaffRefused",
    "TokenInfo",
    "check_display_name",
    "check_password",
    "check_token_name",
    "check_username",
]

PASSWORD_MIN = 12
PASSWORD_MAX = 1024  # hashing a megabyte of "password" is a denial of service
_USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")
_DISPLAY_MAX = 200
_TOKEN_NAME_MAX = 100


class StaffRefused(MamoriError):
    """Staff input was refused; ``problems`` maps each field to a reason code. Nothing
    was written."""

    code = "staff_refused"
    exit_code = 2

    def __init__(self, problems: dict[str, str], message: str | None = None) -> None:
        self.problems = dict(problems)
        detail = ", ".join(f"{field}: {reason}" for field, reason in self.problems.items())
        super().__init__(message or f"refused ({detail})")

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "problems": self.problems}


def check_username(username: str) -> str:
    """A username in canonical form: 2-64 characters, lowercase letters, digits, ``.``,
    ``_`` and ``-``, starting with a letter (input is lowercased and stripped)."""
    name = username.strip().lower() if isinstance(username, str) else ""
    if not _USERNAME.fullmatch(name):
        raise StaffRefused(
            {"username": "invalid"},
            "username: 2 to 64 characters, a-z, 0-9, '.', '_' or '-', starting with a letter",
        )
    return name


def check_display_name(display_name: str) -> str:
    name = display_name.strip()
    if len(name) > _DISPLAY_MAX or not name.isprintable():
        raise StaffRefused(
            {"display_name": "invalid"},
            f"display_name: at most {_DISPLAY_MAX} printable characters",
        )
    return name


def check_password(password: str, username: str) -> None:
    """At least 12 and at most 1024 characters, and not containing the username."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise StaffRefused(
            {"password": "too_short"}, f"password: at least {PASSWORD_MIN} characters"
        )
    if len(password) > PASSWORD_MAX:
        raise StaffRefused({"password": "too_long"}, f"password: at most {PASSWORD_MAX} characters")
    if username.lower() in password.lower():
        raise StaffRefused(
            {"password": "contains_username"}, "password: must not contain the username"
        )
    if len(set(password)) < 4:
        raise StaffRefused(
            {"password": "too_simple"}, "password: use at least four different characters"
        )


def check_token_name(name: str) -> str:
    text = name.strip() if isinstance(name, str) else ""
    if not 0 < len(text) <= _TOKEN_NAME_MAX or not text.isprintable():
        raise StaffRefused(
            {"name": "invalid"}, f"name: 1 to {_TOKEN_NAME_MAX} printable characters"
        )
    return text


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True, slots=True)
class Account:
    """A staff account. Holds no secret: the password hash and TOTP secret stay stored."""

    id: str
    username: str
    display_name: str
    role: str
    enabled: bool
    must_change_password: bool
    totp_enabled: bool
    failed_logins: int
    locked_until: dt.datetime | None
    created_at: dt.datetime
    created_by: str
    password_changed_at: dt.datetime
    last_login_at: dt.datetime | None
    disabled_at: dt.datetime | None

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "enabled": self.enabled,
            "must_change_password": self.must_change_password,
            "totp_enabled": self.totp_enabled,
            "failed_logins": self.failed_logins,
            "locked_until": _iso(self.locked_until),
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "password_changed_at": self.password_changed_at.isoformat(),
            "last_login_at": _iso(self.last_login_at),
            "disabled_at": _iso(self.disabled_at),
        }


TokenState = Literal["active", "expired", "revoked"]


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as listed: never its secret, which is shown once at issue."""

    id: str
    username: str
    name: str
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str | None
    last_used_at: dt.datetime | None  # to the minute (see ApiTokens.authenticate)

    def state(self, now: dt.datetime) -> TokenState:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "active"

    def to_dict(self, now: dt.datetime | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": _iso(self.revoked_at),
            "revoked_by": self.revoked_by,
            "last_used_at": _iso(self.last_used_at),
        }
        if now is not None:
            out["state"] = self.state(now)
        return out


Via = Literal["token", "session"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request comes from, once authenticated: a staff account acting in its role."""

    staff_id: str
    username: str
    role: str
    is_officer: bool
    via: Via
    credential_id: str  # the token id or the session id
    must_change_password: bool = False

    @property
    def actor_id(self) -> str:
        """The id recorded in the audit log for what this principal does."""
        return f"staff:{self.username}"

    def actor(self) -> Actor:
        """The actor for access decisions: this principal in its policy role."""
        return Actor(self.actor_id, self.role)

    def to_dict(self) -> dict[str, Any]:
        return {
            "staff_id": self.staff_id,
            "username": self.username,
            "role": self.role,
            "is_officer": self.is_officer,
            "via": self.via,
            "credential_id": self.credential_id,
            "must_change_password": self.must_change_password,
        }


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A console login. ``token`` goes to the browser (a cookie) and is stored only as its
    SHA-256; it is not kept anywhere else."""

    token: str
    session_id: str
    principal: Principal
    idle_expires_at: dt.datetime
    expires_at: dt.datetime

    def __repr__(self) -> str:
        return f"ConsoleSession(session_id={self.session_id!r}, user={self.principal.username!r})"

    @property
    def must_change_password(self) -> bool:
        return self.principal.must_change_password

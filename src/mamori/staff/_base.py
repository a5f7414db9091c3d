"""What the staff services share: their collaborators, the rules from the settings, the
account row and the audit entry written inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mamori.audit import AuditEvent, AuditLog, known_actions, register_action
from mamori.clock import Clock
from mamori.errors import NotFound, Unauthenticated
from mamori.ids import random_id
from mamori.keys import Keyring
from mamori.policy.model import Policy
from mamori.settings import Settings
from mamori.staff.model import Account, Principal, Via
from mamori.store import Store, read_time

ACTIONS = (
    "staff_add",
    "staff_disable",
    "staff_enable",
    "staff_password",
    "totp_enroll",
    "logout",
    "token_issue",
    "token_revoke",
    "token_use",
)
for _action in ACTIONS:
    if _action not in known_actions():
        register_action(_action)

ACCOUNT_COLUMNS = (
    "id, username, display_name, role, enabled, must_change_password, totp_secret, "
    "failed_logins, locked_until, created_at, created_by, password_changed_at, "
    "last_login_at, disabled_at"
)


@dataclass(frozen=True, slots=True)
class StaffRules:
    """Session lifetimes and the lockout, from the settings."""

    session_idle: dt.timedelta = dt.timedelta(minutes=30)
    session_absolute: dt.timedelta = dt.timedelta(hours=12)
    lockout_attempts: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> StaffRules:
        return cls(
            session_idle=dt.timedelta(minutes=settings.staff_session_minutes),
            session_absolute=dt.timedelta(hours=settings.staff_session_hours),
            lockout_attempts=settings.staff_lockout_attempts,
            lockout=dt.timedelta(minutes=settings.staff_lockout_minutes),
        )


@dataclass(frozen=True, slots=True)
class Context:
    store: Store
    audit: AuditLog
    clock: Clock
    keys: Keyring
    policy: Callable[[], Policy]
    rules: StaffRules

    def sql(self, text: str) -> str:
        return self.store.sql(text)

    def ts(self, at: dt.datetime) -> object:
        return self.store.timestamp(at)

    def record(self, cur: Any, actor: str, action: str, **detail: Any) -> None:
        """An audit entry in the caller's transaction (ids and reason codes only)."""
        event = AuditEvent(actor=actor, action=action, detail=detail)
        self.audit.append_cursor(cur, self.store.dialect, [event], entries=False)

    def lock_clause(self) -> str:
        """``FOR UPDATE`` where rows are locked (SQLite's BEGIN IMMEDIATE locks it all)."""
        return "" if self.store.dialect == "sqlite" else " FOR UPDATE"

    def account(self, cur: Any, username: str, *, lock: bool = False) -> Account:
        cur.execute(
            self.sql(f"SELECT {ACCOUNT_COLUMNS} FROM staff_accounts WHERE username = ?")
            + (self.lock_clause() if lock else ""),
            (username,),
        )
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"no staff account '{username}'")
        return account_from_row(row)

    def principal(
        self, account_id: str, username: str, role: str, must_change: bool, via: Via, cred: str
    ) -> Principal:
        """The principal of an enabled account whose role the policy in force still has."""
        policy = self.policy()
        if role not in policy.roles:
            raise Unauthenticated(
                f"the role '{role}' of staff account '{username}' is not in the policy in force",
                "role_unknown",
            )
        officer = role == policy.officer_role
        return Principal(account_id, username, role, officer, via, cred, must_change)


def account_from_row(row: Any) -> Account:
    (
        aid, username, display, role, enabled, must_change, totp, failed, locked,
        created, created_by, changed, last_login, disabled,
    ) = row  # fmt: skip
    return Account(
        id=aid,
        username=username,
        display_name=display,
        role=role,
        enabled=bool(enabled),
        must_change_password=bool(must_change),
        totp_enabled=totp is not None,
        failed_logins=int(failed),
        locked_until=read_time(locked) if locked is not None else None,
        created_at=read_time(created),
        created_by=created_by,
        password_changed_at=read_time(changed),
        last_login_at=read_time(last_login) if last_login is not None else None,
        disabled_at=read_time(disabled) if disabled is not None else None,
    )


def new_id(prefix: str) -> str:
    return random_id(prefix)

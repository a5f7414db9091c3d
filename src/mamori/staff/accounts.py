"""``StaffAccounts``: the people who run mamori, their passwords, TOTP, sessions and tokens.

An account has a unique username and a role of the policy in force (the officer role is
the one marked ``officer: true``). Passwords are hashed with argon2id (argon2-cffi) and
rehashed at the next login when the hasher's parameters change; a new account gets a
random one-time password that must be changed at first login. Each change is one
transaction with its audit entry, which holds ids and reason codes, never a password,
code or token.
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mamori.audit import AuditLog
from mamori.clock import Clock
from mamori.errors import Conflict
from mamori.keys import Keyring
from mamori.policy.model import Policy
from mamori.staff import totp
from mamori.staff._base import ACCOUNT_COLUMNS, Context, StaffRules, account_from_row, new_id
from mamori.staff.model import (
    Account,
    ConsoleSession,
    Principal,
    StaffRefused,
    TokenInfo,
    check_display_name,
    check_password,
    check_username,
)
from mamori.staff.sessions import ConsoleSessions
from mamori.staff.tokens import ApiTokens
from mamori.store import Store

__all__ = ["FIRST_OFFICER", "StaffAccounts"]

FIRST_OFFICER = "officer"


class StaffAccounts:
    """Staff accounts, console logins and API tokens over one store."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        clock: Clock,
        keys: Keyring,
        policy: Callable[[], Policy],
        rules: StaffRules | None = None,
        *,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._ctx = Context(store, audit, clock, keys, policy, rules or StaffRules())
        self._hasher = hasher or PasswordHasher()
        self.sessions = ConsoleSessions(self._ctx, self._hasher)
        self.tokens = ApiTokens(self._ctx)

    # accounts ------------------------------------------------------------------------------

    def add(
        self, username: str, *, role: str, display_name: str | None = None, actor: str
    ) -> tuple[Account, str]:
        """A new enabled account and its one-time password (shown once; it must be
        changed at first login)."""
        ctx = self._ctx
        name = check_username(username)
        roles = ctx.policy().roles
        if role not in roles:
            known = ", ".join(sorted(roles))
            raise StaffRefused(
                {"role": "unknown_role"},
                f"role: '{role}' is not a role of the policy in force ({known})",
            )
        shown = check_display_name(display_name) if display_name is not None else ""
        password = _one_time_password(name)
        hashed = self._hasher.hash(password)
        now = ctx.clock.now()
        aid = new_id("st_")
        integrity = ctx.store.engine.dialect.dbapi.IntegrityError  # type: ignore[union-attr]
        try:
            with ctx.store.transaction() as cur:
                cur.execute(ctx.sql("SELECT 1 FROM staff_accounts WHERE username = ?"), (name,))
                if cur.fetchone() is not None:
                    raise Conflict(f"staff account '{name}' already exists")
                cur.execute(
                    ctx.sql("INSERT INTO staff_accounts (id, username, display_name, role, "
                            "password_hash, must_change_password, enabled, failed_logins, "
                            "created_at, created_by, password_changed_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                    (aid, name, shown, role, hashed, True, True, 0, ctx.ts(now), actor,
                     ctx.ts(now)),
                )  # fmt: skip
                ctx.record(cur, actor, "staff_add", staff=aid, username=name, role=role)
        except integrity:
            raise Conflict(f"staff account '{name}' already exists") from None
        return self.get(name), password

    def get(self, username: str) -> Account:
        """The account; NotFound when there is none."""
        ctx = self._ctx
        with ctx.store.transaction(write=False) as cur:
            return ctx.account(cur, _name(username))

    def list(self) -> builtins.list[Account]:
        """Every account, by username."""
        ctx = self._ctx
        with ctx.store.transaction(write=False) as cur:
            cur.execute(f"SELECT {ACCOUNT_COLUMNS} FROM staff_accounts ORDER BY username")
            return [account_from_row(row) for row in cur.fetchall()]

    def set_password(
        self,
        username: str,
        password: str,
        *,
        actor: str,
        current_password: str | None = None,
        temporary: bool = False,
        keep_session: str | None = None,
    ) -> Account:
        """Set a new password. With ``current_password`` (a person changing their own)
        that must be right. ``temporary`` makes the person change it at next login. The
        account's other sessions end (all but ``keep_session``) and a lockout is lifted."""
        ctx = self._ctx
        name = _name(username)
        check_password(password, name)
        with ctx.store.transaction(write=False) as cur:
            account = ctx.account(cur, name)
            cur.execute(
                ctx.sql("SELECT password_hash FROM staff_accounts WHERE id = ?"), (account.id,)
            )
            (stored,) = cur.fetchone()
        if current_password is not None and not self._verify(stored, current_password):
            raise StaffRefused({"current_password": "wrong"}, "current_password: not right")
        if self._verify(stored, password):
            raise StaffRefused({"password": "unchanged"}, "password: choose a new one")
        hashed = self._hasher.hash(password)
        now = ctx.clock.now()
        with ctx.store.transaction() as cur:
            cur.execute(
                ctx.sql("UPDATE staff_accounts SET password_hash = ?, must_change_password = ?, "
                        "password_changed_at = ?, failed_logins = 0, locked_until = NULL "
                        "WHERE id = ?"),
                (hashed, temporary, ctx.ts(now), account.id),
            )  # fmt: skip
            ended = self.sessions.end_all(cur, account.id, keep_session)
            ctx.record(
                cur, actor, "staff_password", staff=account.id, temporary=temporary,
                sessions_ended=ended,
            )  # fmt: skip
        return self.get(name)

    def disable(self, username: str, actor: str) -> Account:
        """Disable the account: its sessions end and its tokens stop working. The last
        enabled officer account cannot be disabled."""
        ctx = self._ctx
        officer = ctx.policy().officer_role
        now = ctx.clock.now()
        with ctx.store.transaction() as cur:
            account = ctx.account(cur, _name(username), lock=True)
            if not account.enabled:
                raise Conflict(f"staff account '{account.username}' is already disabled")
            if account.role == officer:
                cur.execute(
                    ctx.sql("SELECT COUNT(*) FROM staff_accounts WHERE role = ? AND enabled = ? "
                            "AND id <> ?"),
                    (officer, True, account.id),
                )  # fmt: skip
                if int(cur.fetchone()[0]) == 0:
                    raise Conflict(
                        f"'{account.username}' is the last enabled officer account: add or "
                        "enable another officer first"
                    )
            cur.execute(
                ctx.sql("UPDATE staff_accounts SET enabled = ?, disabled_at = ? WHERE id = ?"),
                (False, ctx.ts(now), account.id),
            )
            ended = self.sessions.end_all(cur, account.id)
            ctx.record(cur, actor, "staff_disable", staff=account.id, sessions_ended=ended)
        return self.get(account.username)

    def enable(self, username: str, actor: str) -> Account:
        """Enable a disabled account again (with a lockout lifted)."""
        ctx = self._ctx
        with ctx.store.transaction() as cur:
            account = ctx.account(cur, _name(username), lock=True)
            if account.enabled:
                raise Conflict(f"staff account '{account.username}' is already enabled")
            cur.execute(
                ctx.sql("UPDATE staff_accounts SET enabled = ?, disabled_at = NULL, "
                        "failed_logins = 0, locked_until = NULL WHERE id = ?"),
                (True, account.id),
            )  # fmt: skip
            ctx.record(cur, actor, "staff_enable", staff=account.id)
        return self.get(account.username)

    def ensure_first_officer(self, *, actor: str = "serve") -> tuple[str, str] | None:
        """With no staff account at all, an officer account ``officer``: its username and
        one-time password, for ``mamori serve`` to print once. Otherwise None."""
        policy = self._ctx.policy()
        officer = policy.officer_role
        if officer is None:  # a valid policy always has one
            raise Conflict("the policy in force names no officer role")
        if self._count() > 0:
            return None
        label = policy.roles[officer].label.ja
        try:
            account, password = self.add(
                FIRST_OFFICER, role=officer, display_name=label, actor=actor
            )
        except Conflict:  # another process made it first
            return None
        return account.username, password

    def _count(self) -> int:
        with self._ctx.store.transaction(write=False) as cur:
            cur.execute("SELECT COUNT(*) FROM staff_accounts")
            return int(cur.fetchone()[0])

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    # TOTP ----------------------------------------------------------------------------------

    def enroll_totp(self, username: str, *, actor: str | None = None) -> str:
        """Start enrolling an authenticator app: the provisioning URI (``otpauth://``) to
        show as a QR code. Logins ask for a code only once :meth:`confirm_totp` accepted
        one; until then an earlier enrolment (if any) stays in force."""
        ctx = self._ctx
        name = _name(username)
        secret = totp.new_secret()
        with ctx.store.transaction(write=False) as cur:
            account = ctx.account(cur, name)
        if not account.enabled:
            raise Conflict(f"staff account '{account.username}' is disabled")
        sealed = totp.seal(ctx.keys, account.id, secret)  # before the write transaction
        with ctx.store.transaction() as cur:
            cur.execute(
                ctx.sql("UPDATE staff_accounts SET totp_pending = ? WHERE id = ?"),
                (sealed, account.id),
            )
            ctx.record(
                cur, actor or f"staff:{name}", "totp_enroll", staff=account.id, stage="started"
            )
        return totp.provisioning_uri(secret, name)

    def confirm_totp(self, username: str, code: str, *, actor: str | None = None) -> Account:
        """Finish enrolling with a code from the app; from now on logins need a code."""
        ctx = self._ctx
        name = _name(username)
        ctx.keys.sealer()
        now = ctx.clock.now()
        with ctx.store.transaction() as cur:
            account = ctx.account(cur, name, lock=True)
            cur.execute(
                ctx.sql("SELECT totp_pending FROM staff_accounts WHERE id = ?"), (account.id,)
            )
            (pending,) = cur.fetchone()
            if pending is None:
                raise Conflict(f"no TOTP enrolment of '{name}' is waiting for a code")
            secret = totp.open_secret(ctx.keys, account.id, bytes(pending))
            step = totp.matching_step(secret, code, now)
            if step is None:
                raise StaffRefused({"code": "wrong_code"}, "code: not the app's current code")
            cur.execute(
                ctx.sql("UPDATE staff_accounts SET totp_secret = ?, totp_pending = NULL, "
                        "totp_last_step = ? WHERE id = ?"),
                (bytes(pending), step, account.id),
            )  # fmt: skip
            ctx.record(
                cur, actor or f"staff:{name}", "totp_enroll", staff=account.id,
                stage="confirmed",
            )  # fmt: skip
        return self.get(name)

    def remove_totp(self, username: str, actor: str) -> Account:
        """Remove the account's authenticator (a lost phone): logins need only the
        password until it enrols again."""
        ctx = self._ctx
        with ctx.store.transaction() as cur:
            account = ctx.account(cur, _name(username), lock=True)
            cur.execute(
                ctx.sql("UPDATE staff_accounts SET totp_secret = NULL, totp_pending = NULL "
                        "WHERE id = ?"),
                (account.id,),
            )  # fmt: skip
            ctx.record(cur, actor, "totp_enroll", staff=account.id, stage="removed")
        return self.get(account.username)

    # sessions and tokens (see mamori.staff.sessions and mamori.staff.tokens) --------------

    def login(
        self, username: str, password: str, totp_code: str | None = None, *, ip: str | None = None
    ) -> ConsoleSession:
        """A console session (see :meth:`ConsoleSessions.login`)."""
        return self.sessions.login(username, password, totp_code, ip=ip)

    def session(self, token: str) -> Principal | None:
        """The principal of a live console session, or None (idle time slides)."""
        return self.sessions.session(token)

    def logout(self, token: str) -> bool:
        return self.sessions.logout(token)

    def issue_token(
        self, username: str, *, name: str, days: int = 90, actor: str
    ) -> tuple[TokenInfo, str]:
        """A new API token and its secret, shown only now."""
        return self.tokens.issue(username, name=name, days=days, actor=actor)

    def revoke_token(self, token_id: str, actor: str) -> TokenInfo:
        return self.tokens.revoke(token_id, actor)

    def list_tokens(self, username: str | None = None) -> builtins.list[TokenInfo]:
        return self.tokens.list(username)

    def authenticate(self, secret: str) -> Principal:
        """The principal behind an API token; :class:`Unauthenticated` otherwise."""
        return self.tokens.authenticate(secret)


def _name(username: Any) -> str:
    return username.strip().lower() if isinstance(username, str) else ""


def _one_time_password(username: str) -> str:
    while True:
        password = secrets.token_urlsafe(15)  # 20 characters, 120 bits
        try:
            check_password(password, username)
        except StaffRefused:
            continue
        return password

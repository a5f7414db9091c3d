"""Console logins and their sessions.

A login checks the password (argon2id) and, once the account has enrolled one, a TOTP
code. Failures are counted per account: ``staff_lockout_attempts`` in a row lock it for
``staff_lockout_minutes``; while locked, no password is even checked. Every attempt is
audited (``login``) with its outcome and a reason code, never what was typed.

A session token is 32 random bytes given to the browser and stored only as its SHA-256.
It ends after ``staff_session_minutes`` without use or ``staff_session_hours`` after the
login, whichever comes first. Its idle time is pushed forward at most once a minute, so a
busy console does not write on every page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mamori.errors import Unauthenticated
from mamori.staff import totp
from mamori.staff._base import ACCOUNT_COLUMNS, Context, account_from_row, new_id
from mamori.staff.model import Account, ConsoleSession, Principal
from mamori.store import read_time

__all__ = ["ConsoleSessions", "session_hash"]

_WRONG = "login failed: wrong username, password or code"
_SLIDE_EVERY = dt.timedelta(minutes=1)
_TOKEN_MAX = 200


def session_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class ConsoleSessions:
    """Logins, sessions and logouts of the staff console."""

    def __init__(self, ctx: Context, hasher: PasswordHasher) -> None:
        self._ctx = ctx
        self._hasher = hasher
        self._dummy: str | None = None

    # login ---------------------------------------------------------------------------------

    def login(
        self,
        username: str,
        password: str,
        totp_code: str | None = None,
        *,
        ip: str | None = None,
    ) -> ConsoleSession:
        """A new session for the account, or :class:`Unauthenticated` with a reason code:
        ``unknown_user``, ``disabled``, ``locked``, ``bad_password``, ``totp_required``,
        ``bad_totp``, ``role_unknown`` (the message does not tell the first apart from a
        wrong password)."""
        ctx = self._ctx
        ctx.keys.sealer()  # made before any write transaction (see Keyring.ensure_service_keys)
        name = username.strip().lower() if isinstance(username, str) else ""
        found = self._read(name)
        if found is None:
            self._check_dummy(password)
            raise self._fail(None, "console", "unknown_user", _WRONG)
        account, stored_hash, sealed, _ = found
        actor = f"staff:{account.username}"
        now = ctx.clock.now()
        if not account.enabled:
            raise self._fail(account, actor, "disabled", _WRONG)
        if account.locked(now):
            raise self._fail(account, actor, "locked", "too many failed logins: try again later")
        if not self._check(stored_hash, password):
            raise self._fail(account, actor, "bad_password", _WRONG, count=True)
        step: int | None = None
        if sealed is not None:
            if not totp_code:
                raise self._fail(
                    account, actor, "totp_required", "enter the code from your authenticator app"
                )
            secret = totp.open_secret(ctx.keys, account.id, sealed)
            step = totp.matching_step(secret, totp_code, now)
            if step is None:
                raise self._fail(account, actor, "bad_totp", _WRONG, count=True)
        try:
            principal = ctx.principal(
                account.id, account.username, account.role,
                account.must_change_password, "session", "",
            )  # fmt: skip
        except Unauthenticated as exc:
            raise self._fail(account, actor, exc.reason, exc.message) from None
        rehashed = self._rehash(stored_hash, password)
        return self._open(account, principal, actor, step, rehashed, ip)

    def _open(
        self,
        account: Account,
        principal: Principal,
        actor: str,
        step: int | None,
        rehashed: str | None,
        ip: str | None,
    ) -> ConsoleSession:
        ctx, rules = self._ctx, self._ctx.rules
        now = ctx.clock.now()
        token = secrets.token_urlsafe(32)
        sid = new_id("ss_")
        idle = now + rules.session_idle
        absolute = now + rules.session_absolute
        idle = min(idle, absolute)
        failure: Unauthenticated | None = None
        with ctx.store.transaction() as cur:
            cur.execute(
                ctx.sql("SELECT enabled, locked_until, totp_last_step FROM staff_accounts "
                        "WHERE id = ?") + ctx.lock_clause(),
                (account.id,),
            )  # fmt: skip
            enabled, locked, last_step = cur.fetchone()
            if not enabled or (locked is not None and now < read_time(locked)):
                failure = Unauthenticated(_WRONG, "disabled" if not enabled else "locked")
            elif step is not None and last_step is not None and step <= int(last_step):
                failure = Unauthenticated(_WRONG, "totp_reused")
                self._count_failure(cur, account.id, now)
            if failure is not None:
                ctx.record(
                    cur, actor, "login", outcome="failure", reason=failure.reason,
                    staff=account.id,
                )  # fmt: skip
            else:
                sets = "failed_logins = 0, locked_until = NULL, last_login_at = ?"
                params: list[Any] = [ctx.ts(now)]
                if step is not None:
                    sets += ", totp_last_step = ?"
                    params.append(step)
                if rehashed is not None:
                    sets += ", password_hash = ?"
                    params.append(rehashed)
                cur.execute(
                    ctx.sql(f"UPDATE staff_accounts SET {sets} WHERE id = ?"),
                    (*params, account.id),
                )
                cur.execute(
                    ctx.sql("DELETE FROM staff_sessions WHERE account_id = ? AND "
                            "(expires_at <= ? OR idle_expires_at <= ?)"),
                    (account.id, ctx.ts(now), ctx.ts(now)),
                )  # fmt: skip
                cur.execute(
                    ctx.sql("INSERT INTO staff_sessions (id, account_id, token_hash, "
                            "created_at, seen_at, idle_expires_at, expires_at, ip) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                    (
                        sid, account.id, session_hash(token), ctx.ts(now), ctx.ts(now),
                        ctx.ts(idle), ctx.ts(absolute), (ip or None) and ip[:64],
                    ),
                )  # fmt: skip
                ctx.record(
                    cur, actor, "login", outcome="success", reason="ok", staff=account.id,
                    session=sid, totp=step is not None, rehashed=rehashed is not None,
                )  # fmt: skip
        if failure is not None:
            raise failure
        principal = Principal(
            principal.staff_id, principal.username, principal.role, principal.is_officer,
            "session", sid, principal.must_change_password,
        )  # fmt: skip
        return ConsoleSession(token, sid, principal, idle, absolute)

    def _read(self, username: str) -> tuple[Account, str, bytes | None, int | None] | None:
        ctx = self._ctx
        with ctx.store.transaction(write=False) as cur:
            cur.execute(
                ctx.sql(f"SELECT {ACCOUNT_COLUMNS}, password_hash, totp_last_step "
                        "FROM staff_accounts WHERE username = ?"),
                (username,),
            )  # fmt: skip
            row = cur.fetchone()
        if row is None:
            return None
        account = account_from_row(row[:-2])
        sealed = row[6]
        return account, row[-2], bytes(sealed) if sealed is not None else None, row[-1]

    def _check(self, stored_hash: str, password: str) -> bool:
        if not isinstance(password, str) or not password or len(password) > 1024:
            return False
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _check_dummy(self, password: str) -> None:
        """Spend the time a real check takes, so an unknown username is not told apart
        from a known one by how long the answer takes."""
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        self._check(self._dummy, password)

    def _rehash(self, stored_hash: str, password: str) -> str | None:
        """A new hash when the hasher's parameters changed since this one was made."""
        try:
            needs = self._hasher.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            needs = True
        return self._hasher.hash(password) if needs else None

    def _fail(
        self,
        account: Account | None,
        actor: str,
        reason: str,
        message: str,
        *,
        count: bool = False,
    ) -> Unauthenticated:
        """Record a failed login (and count it towards the lockout); the error to raise."""
        ctx = self._ctx
        now = ctx.clock.now()
        with ctx.store.transaction() as cur:
            detail: dict[str, Any] = {"outcome": "failure", "reason": reason}
            if account is not None:
                detail["staff"] = account.id
                if count:
                    detail["locked"] = self._count_failure(cur, account.id, now)
            ctx.record(cur, actor, "login", **detail)
        return Unauthenticated(message, reason)

    def _count_failure(self, cur: Any, account_id: str, now: dt.datetime) -> bool:
        """One more failure; at the limit the account locks and the count starts again.
        True when this failure locked the account."""
        ctx, rules = self._ctx, self._ctx.rules
        cur.execute(
            ctx.sql("SELECT failed_logins FROM staff_accounts WHERE id = ?") + ctx.lock_clause(),
            (account_id,),
        )
        failures = int(cur.fetchone()[0]) + 1
        if failures >= rules.lockout_attempts:
            cur.execute(
                ctx.sql("UPDATE staff_accounts SET failed_logins = 0, locked_until = ? "
                        "WHERE id = ?"),
                (ctx.ts(now + rules.lockout), account_id),
            )  # fmt: skip
            return True
        cur.execute(
            ctx.sql("UPDATE staff_accounts SET failed_logins = ? WHERE id = ?"),
            (failures, account_id),
        )
        return False

    # sessions ------------------------------------------------------------------------------

    def session(self, token: str) -> Principal | None:
        """The principal of a live session (its idle time pushed forward), or None."""
        if not isinstance(token, str) or not 0 < len(token) <= _TOKEN_MAX:
            return None
        ctx = self._ctx
        digest = session_hash(token)
        with ctx.store.transaction(write=False) as cur:
            cur.execute(
                ctx.sql("SELECT s.id, s.token_hash, s.seen_at, s.idle_expires_at, s.expires_at, "
                        "a.id, a.username, a.role, a.enabled, a.must_change_password "
                        "FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account_id "
                        "WHERE s.token_hash = ?"),
                (digest,),
            )  # fmt: skip
            row = cur.fetchone()
        if row is None or not hmac.compare_digest(bytes(row[1]), digest):
            return None
        sid, _, seen, idle, absolute, aid, username, role, enabled, must_change = row
        now = ctx.clock.now()
        absolute_at = read_time(absolute)
        if not enabled or now >= read_time(idle) or now >= absolute_at:
            with ctx.store.transaction() as cur:
                cur.execute(ctx.sql("DELETE FROM staff_sessions WHERE id = ?"), (sid,))
            return None
        try:
            principal = ctx.principal(aid, username, role, bool(must_change), "session", sid)
        except Unauthenticated:
            return None
        if now - read_time(seen) >= _SLIDE_EVERY:
            with ctx.store.transaction() as cur:
                cur.execute(
                    ctx.sql("UPDATE staff_sessions SET seen_at = ?, idle_expires_at = ? "
                            "WHERE id = ?"),
                    (ctx.ts(now), ctx.ts(min(now + ctx.rules.session_idle, absolute_at)), sid),
                )  # fmt: skip
        return principal

    def logout(self, token: str) -> bool:
        """End the session; False when there was none (already ended or expired)."""
        if not isinstance(token, str) or not 0 < len(token) <= _TOKEN_MAX:
            return False
        ctx = self._ctx
        with ctx.store.transaction() as cur:
            cur.execute(
                ctx.sql("SELECT s.id, a.id, a.username FROM staff_sessions s "
                        "JOIN staff_accounts a ON a.id = s.account_id WHERE s.token_hash = ?"),
                (session_hash(token),),
            )  # fmt: skip
            row = cur.fetchone()
            if row is None:
                return False
            sid, aid, username = row
            cur.execute(ctx.sql("DELETE FROM staff_sessions WHERE id = ?"), (sid,))
            ctx.record(cur, f"staff:{username}", "logout", staff=aid, session=sid)
        return True

    def end_all(self, cur: Any, account_id: str, keep: str | None = None) -> int:
        """End the account's sessions (but ``keep``) in the caller's transaction."""
        ctx = self._ctx
        if keep is None:
            cur.execute(ctx.sql("DELETE FROM staff_sessions WHERE account_id = ?"), (account_id,))
        else:
            cur.execute(
                ctx.sql("DELETE FROM staff_sessions WHERE account_id = ? AND id <> ?"),
                (account_id, keep),
            )
        return int(cur.rowcount or 0)

    def purge(self) -> int:
        """Remove every session that has ended; the number removed."""
        ctx = self._ctx
        now = ctx.ts(ctx.clock.now())
        with ctx.store.transaction() as cur:
            cur.execute(
                ctx.sql("DELETE FROM staff_sessions WHERE expires_at <= ? OR idle_expires_at <= ?"),
                (now, now),
            )
            return int(cur.rowcount or 0)

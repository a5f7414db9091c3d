"""API tokens of staff accounts, for programs calling the HTTP API.

A token's secret is ``mamori_`` and 32 random bytes (URL-safe base64). It is shown once,
at issue, and stored only as HMAC-SHA256 under mamori's ``codes`` service key, so a copy
of the database alone does not let anyone check a guessed token. Tokens expire (90 days
unless asked otherwise, at most 366) and can be revoked; a token of a disabled account is
refused.

Use of a token is audited (``token_use``) at most once per token per minute: an API
client making hundreds of calls a minute would otherwise bury everything else in the
log. ``last_used_at`` moves with those entries, so it is accurate to the minute.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hmac
import secrets
from typing import Any

from mamori.errors import Conflict, NotFound, Unauthenticated
from mamori.keys import CODES
from mamori.staff._base import Context, new_id
from mamori.staff.model import Principal, StaffRefused, TokenInfo, check_token_name
from mamori.store import read_time

__all__ = ["DAYS_MAX", "PREFIX", "ApiTokens"]

PREFIX = "mamori_"
DAYS_MAX = 366
_SECRET_MAX = 100
_AUDIT_EVERY = dt.timedelta(minutes=1)
_INVALID = "the API token is not valid"
_COLUMNS = (
    "t.id, a.username, t.name, t.created_at, t.created_by, t.expires_at, t.revoked_at, "
    "t.revoked_by, t.last_used_at"
)


def _info(row: Any) -> TokenInfo:
    tid, username, name, created, by, expires, revoked, revoked_by, used = row
    return TokenInfo(
        id=tid,
        username=username,
        name=name,
        created_at=read_time(created),
        created_by=by,
        expires_at=read_time(expires),
        revoked_at=read_time(revoked) if revoked is not None else None,
        revoked_by=revoked_by,
        last_used_at=read_time(used) if used is not None else None,
    )


class ApiTokens:
    """Issue, list, revoke and check API tokens."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def _mac(self, secret: str) -> bytes:
        return self._ctx.keys.mac(CODES).digest("staff_api_token", secret)

    def issue(
        self, username: str, *, name: str, days: int = 90, actor: str
    ) -> tuple[TokenInfo, str]:
        """A new token for an enabled account: its listing and its secret (shown once)."""
        label = check_token_name(name)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= DAYS_MAX:
            raise StaffRefused({"days": "out_of_range"}, f"days: 1 to {DAYS_MAX}")
        ctx = self._ctx
        secret = PREFIX + secrets.token_urlsafe(32)
        mac = self._mac(secret)  # before the write transaction: may make the key
        now = ctx.clock.now()
        tid = new_id("tk_")
        with ctx.store.transaction() as cur:
            account = ctx.account(cur, username.strip().lower(), lock=True)
            if not account.enabled:
                raise Conflict(f"staff account '{account.username}' is disabled")
            cur.execute(
                ctx.sql("INSERT INTO staff_tokens (id, account_id, name, secret_mac, created_at, "
                        "created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                (
                    tid, account.id, label, mac, ctx.ts(now), actor,
                    ctx.ts(now + dt.timedelta(days=days)),
                ),
            )  # fmt: skip
            ctx.record(cur, actor, "token_issue", staff=account.id, token=tid, days=days)
        return self.get(tid), secret

    def get(self, token_id: str) -> TokenInfo:
        found = self._select("t.id = ?", (token_id,))
        if not found:
            raise NotFound(f"no API token '{token_id}'")
        return found[0]

    def list(self, username: str | None = None) -> builtins.list[TokenInfo]:
        """Tokens, newest first (of one account when ``username`` is given)."""
        if username is None:
            return self._select("1 = 1", ())
        return self._select("a.username = ?", (username.strip().lower(),))

    def revoke(self, token_id: str, actor: str) -> TokenInfo:
        """Revoke a token for good; Conflict when it already was."""
        ctx = self._ctx
        now = ctx.clock.now()
        with ctx.store.transaction() as cur:
            cur.execute(
                ctx.sql("SELECT account_id, revoked_at FROM staff_tokens WHERE id = ?")
                + ctx.lock_clause(),
                (token_id,),
            )
            row = cur.fetchone()
            if row is None:
                raise NotFound(f"no API token '{token_id}'")
            if row[1] is not None:
                raise Conflict(f"API token '{token_id}' is already revoked")
            cur.execute(
                ctx.sql("UPDATE staff_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?"),
                (ctx.ts(now), actor, token_id),
            )
            ctx.record(cur, actor, "token_revoke", staff=row[0], token=token_id)
        return self.get(token_id)

    def authenticate(self, secret: str) -> Principal:
        """The principal behind a token, or :class:`Unauthenticated` with the reason
        ``unknown``, ``revoked``, ``expired``, ``account_disabled`` or ``role_unknown``."""
        if (
            not isinstance(secret, str)
            or not secret.startswith(PREFIX)
            or len(secret) > _SECRET_MAX
        ):
            raise Unauthenticated(_INVALID, "unknown")
        ctx = self._ctx
        mac = self._mac(secret)
        with ctx.store.transaction(write=False) as cur:
            cur.execute(
                ctx.sql("SELECT t.id, t.secret_mac, t.expires_at, t.revoked_at, t.last_used_at, "
                        "a.id, a.username, a.role, a.enabled, a.must_change_password "
                        "FROM staff_tokens t JOIN staff_accounts a ON a.id = t.account_id "
                        "WHERE t.secret_mac = ?"),
                (mac,),
            )  # fmt: skip
            row = cur.fetchone()
        if row is None or not hmac.compare_digest(bytes(row[1]), mac):
            raise Unauthenticated(_INVALID, "unknown")
        tid, _, expires, revoked, used, aid, username, role, enabled, must_change = row
        now = ctx.clock.now()
        if revoked is not None:
            raise Unauthenticated(f"{_INVALID}: it was revoked", "revoked")
        if now >= read_time(expires):
            raise Unauthenticated(f"{_INVALID}: it has expired", "expired")
        if not enabled:
            raise Unauthenticated(f"{_INVALID}: its account is disabled", "account_disabled")
        principal = ctx.principal(aid, username, role, bool(must_change), "token", tid)
        if used is None or now - read_time(used) >= _AUDIT_EVERY:
            self._record_use(tid, aid, principal.actor_id, now)
        return principal

    def _record_use(self, token_id: str, account_id: str, actor: str, now: dt.datetime) -> None:
        """``last_used_at`` and a ``token_use`` entry, unless another request of the same
        minute has just written them (the conditional update decides, under concurrency)."""
        ctx = self._ctx
        with ctx.store.transaction() as cur:
            cur.execute(
                ctx.sql("UPDATE staff_tokens SET last_used_at = ? WHERE id = ? AND "
                        "(last_used_at IS NULL OR last_used_at <= ?)"),
                (ctx.ts(now), token_id, ctx.ts(now - _AUDIT_EVERY)),
            )  # fmt: skip
            if cur.rowcount == 1:
                ctx.record(cur, actor, "token_use", staff=account_id, token=token_id)

    def _select(self, where: str, params: tuple[Any, ...]) -> builtins.list[TokenInfo]:
        ctx = self._ctx
        with ctx.store.transaction(write=False) as cur:
            cur.execute(
                ctx.sql(f"SELECT {_COLUMNS} FROM staff_tokens t JOIN staff_accounts a "
                        f"ON a.id = t.account_id WHERE {where} ORDER BY t.created_at DESC, t.id"),
                params,
            )  # fmt: skip
            return [_info(row) for row in cur.fetchall()]

"""``Suspensions``: start and lift suspensions of use, keep their whole history.

Events go to ``suspension_events`` (append-only); the subject's active scopes are folded
into ``suspension_current`` in the same transaction, with the audit entry. A scope is
``all`` (every use), ``provision`` (giving data to third parties) or ``purpose:ID``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mamori.access import AccessPolicy
from mamori.audit import AuditEvent, AuditLog
from mamori.clock import Clock
from mamori.consent.ledger import lock_subject
from mamori.errors import Conflict, ConsentRefused, NotFound
from mamori.ids import random_id
from mamori.store import Store, read_time

__all__ = ["Scope", "Suspension", "SuspensionEvent", "SuspensionReason", "Suspensions"]

Scope = str  # "all", "provision" or "purpose:ID"
_PURPOSE_SCOPE = re.compile(r"purpose:[a-z][a-z0-9_]{0,63}")
_NOTE_MAX = 2000


class SuspensionReason(StrEnum):
    """The grounds of Art. 35 (1), (3) and (5)."""

    beyond_purpose = "beyond_purpose"  # used beyond the purposes (Art. 18)
    improper_acquisition = "improper_acquisition"  # acquired improperly (Art. 20)
    provision_without_consent = "provision_without_consent"  # Art. 27(1), 28
    no_longer_needed = "no_longer_needed"  # Art. 35(5)
    breach = "breach"  # a reportable breach (Art. 26)
    rights_at_risk = "rights_at_risk"  # the person's rights or legitimate interests


@dataclass(frozen=True, slots=True)
class SuspensionEvent:
    suspension_id: str
    subject: str
    scope: Scope
    event: str  # suspended, lifted
    reason: str
    note: str
    request_id: str | None
    at: dt.datetime
    actor: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "suspension_id": self.suspension_id,
            "subject": self.subject,
            "scope": self.scope,
            "event": self.event,
            "reason": self.reason,
            "note": self.note,
            "request_id": self.request_id,
            "at": self.at.isoformat(),
            "actor": self.actor,
        }


@dataclass(frozen=True, slots=True)
class Suspension:
    """An active suspension."""

    suspension_id: str
    subject: str
    scope: Scope

    def to_dict(self) -> dict[str, Any]:
        return {"suspension_id": self.suspension_id, "subject": self.subject, "scope": self.scope}


def parse_scope(scope: str, policy_purposes: Any = None) -> Scope:
    """``all``, ``provision`` or ``purpose:ID`` (ID declared when purposes are given)."""
    if scope in ("all", "provision"):
        return scope
    if _PURPOSE_SCOPE.fullmatch(scope):
        if policy_purposes is not None and scope[8:] not in policy_purposes:
            raise ConsentRefused({"scope": "purpose_unknown"})
        return scope
    raise ConsentRefused({"scope": "scope_invalid"}, "a scope is all, provision or purpose:ID")


_SQL = {
    "current": "SELECT scopes FROM suspension_current WHERE subject_id = ?",
    "upsert": "INSERT INTO suspension_current (subject_id, scopes) VALUES (?, ?) "
    "ON CONFLICT (subject_id) DO UPDATE SET scopes = excluded.scopes",
    "event": "INSERT INTO suspension_events (suspension_id, subject_id, scope, event, reason, "
    "note, request_id, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "history": "SELECT suspension_id, subject_id, scope, event, reason, note, request_id, at, "
    "actor FROM suspension_events WHERE subject_id = ? ORDER BY number",
    "all": "SELECT subject_id, scopes FROM suspension_current WHERE scopes <> '{}' "
    "ORDER BY subject_id",
}


class Suspensions:
    """Suspensions of use per subject, and their history."""

    def __init__(
        self, store: Store, audit: AuditLog, clock: Clock, access: Callable[[], AccessPolicy]
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self._access = access
        self._dialect = store.dialect
        qmark = self._dialect == "sqlite"
        self._sql = {k: v if qmark else v.replace("?", "%s") for k, v in _SQL.items()}

    def suspend(
        self,
        subject: str,
        scope: str,
        reason: SuspensionReason | str,
        *,
        actor: str,
        note: str = "",
        request_id: str | None = None,
    ) -> SuspensionEvent:
        """Stop use of ``subject``'s data in ``scope``. Conflict if already suspended."""
        problems: dict[str, str] = {}
        try:
            why = SuspensionReason(reason)
        except ValueError:
            problems["reason"] = "reason_unknown"
        if len(note) > _NOTE_MAX:
            problems["note"] = "too_long"
        if problems:
            raise ConsentRefused(problems)
        parsed = parse_scope(scope, self._access().policy.purposes)
        with self._store.transaction() as cur:
            scopes = self._locked(cur, subject)
            if parsed in scopes:
                raise Conflict(
                    f"subject '{subject}' is already suspended for {parsed} ({scopes[parsed]})"
                )
            event = SuspensionEvent(
                random_id("su_"),
                subject, parsed, "suspended", why.value, note, request_id,
                self._clock.now(), actor,
            )  # fmt: skip
            scopes[parsed] = event.suspension_id
            self._write(cur, scopes, event)
        return event

    def lift(self, subject: str, scope: str, *, actor: str, note: str = "") -> SuspensionEvent:
        """End the active suspension of ``scope``; NotFound if there is none."""
        parsed = parse_scope(scope)
        with self._store.transaction() as cur:
            scopes = self._locked(cur, subject)
            sid = scopes.pop(parsed, None)
            if sid is None:
                raise NotFound(f"subject '{subject}' has no suspension for {parsed}")
            event = SuspensionEvent(
                sid, subject, parsed, "lifted", "lifted", note[:_NOTE_MAX], None,
                self._clock.now(), actor,
            )  # fmt: skip
            self._write(cur, scopes, event)
        return event

    def active(self, subject: str) -> list[Suspension]:
        with self._store.transaction(write=False) as cur:
            cur.execute(self._sql["current"], (subject,))
            row = cur.fetchone()
        scopes = json.loads(row[0]) if row else {}
        return [Suspension(sid, subject, scope) for scope, sid in sorted(scopes.items())]

    def all_active(self) -> list[Suspension]:
        with self._store.transaction(write=False) as cur:
            cur.execute(self._sql["all"])
            rows = cur.fetchall()
        return [
            Suspension(sid, subject, scope)
            for subject, text in rows
            for scope, sid in sorted(json.loads(text).items())
        ]

    def history(self, subject: str) -> list[SuspensionEvent]:
        with self._store.transaction(write=False) as cur:
            cur.execute(self._sql["history"], (subject,))
            rows = cur.fetchall()
        out = []
        for sid, subj, scope, event, reason, note, request, at, actor in rows:
            when = read_time(at)
            out.append(SuspensionEvent(sid, subj, scope, event, reason, note, request, when, actor))
        return out

    def _locked(self, cur: Any, subject: str) -> dict[str, str]:
        lock_subject(cur, self._dialect, subject)
        cur.execute(self._sql["current"], (subject,))
        row = cur.fetchone()
        return dict(json.loads(row[0])) if row else {}

    def _write(self, cur: Any, scopes: dict[str, str], event: SuspensionEvent) -> None:
        utc = event.at.astimezone(dt.UTC)
        at: object = utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self._dialect == "sqlite" else utc
        cur.execute(
            self._sql["event"],
            (
                event.suspension_id, event.subject, event.scope, event.event, event.reason,
                event.note, event.request_id, at, event.actor,
            ),
        )  # fmt: skip
        text = json.dumps(scopes, sort_keys=True, separators=(",", ":"))
        cur.execute(self._sql["upsert"], (event.subject, text))
        purpose = event.scope[8:] if event.scope.startswith("purpose:") else None
        detail: dict[str, Any] = {
            "scope": event.scope,
            "suspension": event.suspension_id,
            "reason": event.reason,
        }
        if event.request_id:
            detail["request"] = event.request_id
        audit = AuditEvent(
            actor=event.actor,
            action="suspend" if event.event == "suspended" else "lift",
            subject=event.subject,
            purpose=purpose,
            detail=detail,
        )
        self._audit.append_cursor(cur, self._dialect, [audit], entries=False)

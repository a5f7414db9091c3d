"""Published policy versions: immutable, content-addressed, each with an effective date."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mamori.audit import AuditEvent, AuditLog
from mamori.clock import Clock
from mamori.errors import Conflict, VersionNotFound
from mamori.policy.diff import PolicyDiff, diff
from mamori.policy.loader import LoadedPolicy, parse_policy
from mamori.policy.model import Policy
from mamori.store import PolicyVersionRow, Store

__all__ = ["PolicyVersion", "PolicyVersions", "PublishResult", "canonical_json", "content_hash"]


def canonical_json(policy: Policy) -> str:
    """Sorted keys, UTF-8, no spaces: the form a version's hash is taken over."""
    return json.dumps(policy.canonical(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(policy: Policy) -> str:
    return hashlib.sha256(canonical_json(policy).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PolicyVersion:
    number: int
    content_hash: str
    effective_on: dt.date
    published_at: dt.datetime
    source_name: str
    source: str

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def policy(self) -> Policy:
        return _parse(self.source)

    def to_dict(self, *, with_source: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": self.number,
            "label": self.label,
            "content_hash": self.content_hash,
            "effective_on": self.effective_on.isoformat(),
            "published_at": self.published_at.isoformat(),
            "source_name": self.source_name,
        }
        if with_source:
            out["source"] = self.source
        return out


@lru_cache(maxsize=32)
def _parse(source: str) -> Policy:
    return parse_policy(source, file="<published>").policy


@dataclass(frozen=True)
class PublishResult:
    """What publishing did: ``created`` is False when the content was already current."""

    version: PolicyVersion
    created: bool
    changes: PolicyDiff | None  # against the version before, None for the first
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "version": self.version.to_dict(),
            "changes": self.changes.to_dict() if self.changes is not None else None,
            "warnings": list(self.warnings),
        }


def _version(row: PolicyVersionRow) -> PolicyVersion:
    published = row.published_at
    if published.tzinfo is None:  # SQLite keeps no offset; mamori always writes UTC
        published = published.replace(tzinfo=dt.UTC)
    return PolicyVersion(
        number=row.number,
        content_hash=row.content_hash,
        effective_on=row.effective_on,
        published_at=published,
        source_name=row.source_name,
        source=row.source,
    )


def _newest(session: Session) -> PolicyVersionRow | None:
    newest = select(PolicyVersionRow).order_by(PolicyVersionRow.number.desc()).limit(1)
    return session.scalars(newest).first()


class PolicyVersions:
    """The history of a policy: publish, list, look up, and find the one in force."""

    def __init__(self, store: Store, clock: Clock, zone: dt.tzinfo) -> None:
        self._store = store
        self._clock = clock
        self._zone = zone
        self.generation = 0  # grows with each publish in this process; caches compare it

    def today(self) -> dt.date:
        return self._clock.now().astimezone(self._zone).date()

    def publish(
        self,
        loaded: LoadedPolicy,
        *,
        effective: dt.date | None = None,
        audit: AuditLog | None = None,
        actor: str = "system",
        then: Callable[[Connection, PolicyVersion, PolicyDiff | None], None] | None = None,
    ) -> PublishResult:
        """Store ``loaded`` as a new version unless it is the latest content already.

        With ``audit``, a ``policy_publish`` entry is appended in the same transaction;
        ``then`` runs in it too (what a new version changes elsewhere: consents it
        supersedes, the announcement it needs), so all of it commits or none.
        """
        digest = content_hash(loaded.policy)
        today = self.today()
        effective = effective or today
        with self._store.session() as session:
            row = _newest(session)
            latest = _version(row) if row is not None else None
            if latest is not None and latest.content_hash == digest:
                return PublishResult(latest, created=False, changes=None)
            if latest is not None and effective < latest.effective_on:
                raise Conflict(
                    f"effective date {effective} is before {latest.label}'s "
                    f"({latest.effective_on}); versions take effect in order"
                )
            changes = diff(latest.policy, loaded.policy) if latest is not None else None
            warnings: list[str] = []
            severity = changes.severity if changes is not None else None
            if severity is not None and severity.value != "minor" and effective <= today:
                warnings.append(
                    f"changes of severity '{severity.value}' take effect on "
                    f"{effective}: announce them before they take effect (Art. 21(3))"
                )
            number = (session.scalar(select(func.max(PolicyVersionRow.number))) or 0) + 1
            new = PolicyVersionRow(
                number=number,
                content_hash=digest,
                effective_on=effective,
                published_at=self._clock.now().astimezone(dt.UTC),
                source_name=loaded.file[-255:],
                source=loaded.source,
                canonical=canonical_json(loaded.policy),
            )
            session.add(new)
            try:
                session.flush()
            except IntegrityError:
                raise Conflict("another version was published at the same time; retry") from None
            if audit is not None:
                detail = {
                    "version": number,
                    "hash": digest,
                    "effective_on": effective.isoformat(),
                    "severity": changes.severity.value if changes and changes.severity else None,
                }
                event = AuditEvent(actor=actor, action="policy_publish", detail=detail)
                audit.append(session.connection(), [event])
            version = _version(new)
            if then is not None:
                then(session.connection(), version, changes)
            self.generation += 1
            return PublishResult(version, True, changes, tuple(warnings))

    def history(self) -> list[PolicyVersion]:
        with self._store.session() as session:
            rows = session.scalars(select(PolicyVersionRow).order_by(PolicyVersionRow.number))
            return [_version(r) for r in rows]

    def latest(self) -> PolicyVersion | None:
        with self._store.session() as session:
            row = _newest(session)
            return _version(row) if row is not None else None

    def in_force(self, on: dt.date | None = None) -> PolicyVersion | None:
        """The newest version whose effective date has come."""
        on = on or self.today()
        with self._store.session() as session:
            row = session.scalars(
                select(PolicyVersionRow)
                .where(PolicyVersionRow.effective_on <= on)
                .order_by(PolicyVersionRow.number.desc())
                .limit(1)
            ).first()
            return _version(row) if row is not None else None

    def get(self, ref: str | int) -> PolicyVersion:
        """A version by number (``3``, ``v3``) or by a content-hash prefix (8+ hex digits)."""
        text = str(ref).strip().lower()
        with self._store.session() as session:
            if text.removeprefix("v").isdigit():
                row = session.get(PolicyVersionRow, int(text.removeprefix("v")))
                if row is not None:
                    return _version(row)
            elif len(text) >= 8 and all(c in "0123456789abcdef" for c in text):
                rows = session.scalars(
                    select(PolicyVersionRow).where(PolicyVersionRow.content_hash.startswith(text))
                ).all()
                if len(rows) == 1:
                    return _version(rows[0])
        raise VersionNotFound(f"no published policy version '{ref}' (see `mamori policy history`)")

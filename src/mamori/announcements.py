"""Announcements of policy changes (policy §9, Art. 21(3)): made when a published version's
changes have ``notice`` or ``consent`` severity, shown by the privacy center, and sent to
every person with a registered contact by ``mamori policy announce``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from mamori.errors import NotFound
from mamori.policy.diff import PolicyDiff, Severity
from mamori.store import Store

__all__ = ["Announcement", "Announcements"]

_COLUMNS = "id, version, severity, effective_on, changes, created_at, sent_at, sent, failed"


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    version: int
    severity: str
    effective_on: dt.date
    changes: tuple[dict[str, str], ...]  # kind, severity, path, summary
    created_at: dt.datetime
    sent_at: dt.datetime | None
    sent: int
    failed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "severity": self.severity,
            "effective_on": self.effective_on.isoformat(),
            "changes": [dict(c) for c in self.changes],
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "sent": self.sent,
            "failed": self.failed,
        }


def _when(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _day(value: Any) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    assert isinstance(value, dt.date)
    return value


class Announcements:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._mark = "?" if store.dialect == "sqlite" else "%s"

    def _sql(self, text: str) -> str:
        return text.replace("?", self._mark)

    def create(
        self,
        conn: Connection,
        version: int,
        effective_on: dt.date,
        changes: PolicyDiff | None,
        at: dt.datetime,
    ) -> bool:
        """In the publish transaction: an announcement when the changes need one."""
        if changes is None or changes.severity not in (Severity.notice, Severity.consent):
            return False
        listed = [
            {"kind": c.kind, "severity": c.severity.value, "path": c.path, "summary": c.summary}
            for c in changes
            if c.severity is not Severity.minor
        ]
        conn.exec_driver_sql(
            self._sql(
                "INSERT INTO announcements (version, severity, effective_on, changes, created_at, "
                "sent, failed) VALUES (?, ?, ?, ?, ?, 0, 0)"
            ),
            (
                version,
                changes.severity.value,
                effective_on.isoformat() if self._mark == "?" else effective_on,
                json.dumps(listed),
                self._store.timestamp(at),
            ),
        )
        return True

    def list(self) -> list[Announcement]:
        """Newest first."""
        with self._store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                f"SELECT {_COLUMNS} FROM announcements ORDER BY version DESC"
            ).all()
        return [self._row(r) for r in rows]

    def get(self, version: int | None = None) -> Announcement:
        """The announcement of ``version`` (the newest when None); NotFound if none."""
        listed = self.list()
        for item in listed:
            if version is None or item.version == version:
                return item
        which = "any version" if version is None else f"version {version}"
        raise NotFound(f"there is no announcement for {which}")

    def mark_sent(self, ident: int, at: dt.datetime, sent: int, failed: int) -> None:
        with self._store.engine.begin() as conn:
            conn.exec_driver_sql(
                self._sql(
                    "UPDATE announcements SET sent_at = ?, sent = sent + ?, failed = ? WHERE id = ?"
                ),
                (self._store.timestamp(at), sent, failed, ident),
            )

    @staticmethod
    def _row(row: Any) -> Announcement:
        ident, version, severity, effective, changes, created, sent_at, sent, failed = row
        return Announcement(
            ident,
            version,
            severity,
            _day(effective),
            tuple(json.loads(changes)),
            _when(created),
            _when(sent_at) if sent_at is not None else None,
            sent,
            failed,
        )

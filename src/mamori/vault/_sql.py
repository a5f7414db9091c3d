"""The vault's SQL, written once with ``?`` placeholders and adapted to the driver.

The vault runs its statements on the DBAPI cursor (``exec_driver_sql``) in batches: at
hundreds of thousands of values a second, per-row ORM or bind-processing overhead shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

__all__ = ["Statements"]

_SUBJECT_READ = (
    "SELECT id, erased_at, key_id, kek_id, wrapped, ledger, sealed FROM subjects "
    "WHERE id IN ({marks})"
)
_USE_READ = (
    "SELECT s.id, s.erased_at, s.key_id, s.kek_id, s.wrapped, c.state, u.scopes, s.sealed "
    "FROM subjects s "
    "LEFT JOIN consent_current c ON c.subject_id = s.id "
    "LEFT JOIN suspension_current u ON u.subject_id = s.id "
    "WHERE s.id IN ({marks})"
)


@dataclass(frozen=True)
class Statements:
    """SQL for one dialect; ``timestamp()`` gives what its driver stores for a datetime."""

    dialect: str
    update_values: str
    delete_index: str
    find_index: str
    insert_disposal: str

    @classmethod
    def for_engine(cls, engine: Engine) -> Statements:
        dialect = engine.dialect.name
        raw = {
            "update_values": "UPDATE subjects SET ledger = ?, sealed = ? WHERE id = ?",
            "delete_index": "DELETE FROM blind_indexes WHERE subject_id = ? AND item = ?",
            "find_index": "SELECT b.subject_id FROM blind_indexes b JOIN subjects s "
            "ON s.id = b.subject_id WHERE b.item = ? AND b.digest = ? AND s.erased_at IS NULL "
            "ORDER BY b.subject_id",
            "insert_disposal": "INSERT INTO disposals (subject_id, items, actor, reason, method, "
            "at) VALUES (?, ?, ?, ?, ?, ?)",
        }
        if dialect != "sqlite":
            raw = {name: sql.replace("?", "%s") for name, sql in raw.items()}
        return cls(dialect=dialect, **raw)

    @property
    def mark(self) -> str:
        return "?" if self.dialect == "sqlite" else "%s"

    def read_subjects(self, count: int, *, lock: bool = False) -> str:
        """Subjects with their wrapped keys and values; ``lock`` holds the rows on
        PostgreSQL until commit, so an erasure and a collection for one subject cannot
        interleave (SQLite's BEGIN IMMEDIATE already serialises writers)."""
        sql = _SUBJECT_READ.format(marks=", ".join([self.mark] * count))
        return sql + " FOR UPDATE" if lock and self.dialect != "sqlite" else sql

    def read_for_use(self, count: int) -> str:
        """Subjects, wrapped keys, consent state, suspended scopes and sealed values of
        ``count`` subjects, one row each."""
        return _USE_READ.format(marks=", ".join([self.mark] * count))

    def timestamp(self, at: dt.datetime) -> object:
        """SQLite stores SQLAlchemy's text form (UTC); PostgreSQL takes the datetime."""
        utc = at.astimezone(dt.UTC)
        if self.dialect == "sqlite":
            return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
        return utc

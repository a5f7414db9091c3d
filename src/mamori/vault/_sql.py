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
    "SELECT s.id, s.erased_at, k.key_id, k.kek_id, k.wrapped "
    "FROM subjects s LEFT JOIN data_keys k ON k.subject_id = s.id WHERE s.id IN ({marks})"
)
_USE_READ = (
    "SELECT s.id, s.erased_at, k.key_id, k.kek_id, k.wrapped, c.state, u.scopes, "
    "v.item, v.version, v.ciphertext "
    "FROM subjects s LEFT JOIN data_keys k ON k.subject_id = s.id "
    "LEFT JOIN consent_current c ON c.subject_id = s.id "
    "LEFT JOIN suspension_current u ON u.subject_id = s.id "
    "LEFT JOIN subject_values v ON v.subject_id = s.id "
    "WHERE s.id IN ({marks})"
)
_USE_NAMED = (
    "SELECT s.id, s.erased_at, k.key_id, k.kek_id, k.wrapped, c.state, u.scopes{columns} "
    "FROM subjects s LEFT JOIN data_keys k ON k.subject_id = s.id "
    "LEFT JOIN consent_current c ON c.subject_id = s.id "
    "LEFT JOIN suspension_current u ON u.subject_id = s.id{joins} "
    "WHERE s.id IN ({marks})"
)
_VERSIONS_READ = (
    "SELECT subject_id, item, version FROM subject_values WHERE subject_id IN ({marks})"
)


@dataclass(frozen=True)
class Statements:
    """SQL for one dialect; ``timestamp()`` gives what its driver stores for a datetime."""

    dialect: str
    insert_subject: str
    insert_data_key: str
    insert_value: str
    upsert_value: str
    delete_index: str
    insert_index: str
    find_index: str
    insert_disposal: str

    @classmethod
    def for_engine(cls, engine: Engine) -> Statements:
        dialect = engine.dialect.name
        raw = {
            "insert_subject": "INSERT INTO subjects (id, created_at, source) VALUES (?, ?, ?)",
            "insert_data_key": "INSERT INTO data_keys (subject_id, key_id, kek_id, wrapped, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            "insert_value": "INSERT INTO subject_values (subject_id, item, version, ciphertext, "
            "purpose, collected_at) VALUES (?, ?, ?, ?, ?, ?)",
            "upsert_value": "INSERT INTO subject_values (subject_id, item, version, ciphertext, "
            "purpose, collected_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject_id, item) "
            "DO UPDATE SET version = excluded.version, ciphertext = excluded.ciphertext, "
            "purpose = excluded.purpose, collected_at = excluded.collected_at",
            "delete_index": "DELETE FROM blind_indexes WHERE subject_id = ? AND item = ?",
            "insert_index": "INSERT INTO blind_indexes (item, digest, subject_id) VALUES (?, ?, ?)",
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
        """Subjects and their wrapped keys; ``lock`` holds the subject rows on PostgreSQL
        until commit, so an erasure and a collection for one subject cannot interleave
        (SQLite's BEGIN IMMEDIATE already serialises writers)."""
        sql = _SUBJECT_READ.format(marks=", ".join([self.mark] * count))
        return sql + " FOR UPDATE OF s" if lock and self.dialect != "sqlite" else sql

    def read_for_use(self, count: int, items: int = 0) -> str:
        """Subjects, wrapped keys, consent state and suspended scopes in one statement, with
        their values: with ``items`` > 0, one row per subject and (version, ciphertext) of
        each named item as two more columns (a primary-key look-up each; the item names are
        the first parameters, NULLs where the subject holds no value); with 0, a row per
        value of every item (item, version, ciphertext), a subject without values once with
        NULLs."""
        marks = ", ".join([self.mark] * count)
        if not items:
            return _USE_READ.format(marks=marks)
        columns = "".join(f", v{j}.version, v{j}.ciphertext" for j in range(items))
        joins = "".join(
            f" LEFT JOIN subject_values v{j} ON v{j}.subject_id = s.id AND v{j}.item = {self.mark}"
            for j in range(items)
        )
        return _USE_NAMED.format(columns=columns, joins=joins, marks=marks)

    def read_versions(self, count: int) -> str:
        return _VERSIONS_READ.format(marks=", ".join([self.mark] * count))

    def timestamp(self, at: dt.datetime) -> object:
        """SQLite stores SQLAlchemy's text form (UTC); PostgreSQL takes the datetime."""
        utc = at.astimezone(dt.UTC)
        if self.dialect == "sqlite":
            return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
        return utc

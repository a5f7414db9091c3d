"""Stored scans: one row per scan and one per column, written with the audit entry in one
transaction; listed newest first. Only masked examples are kept, never a value."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mamori.audit import AuditEvent, AuditLog, register_action
from mamori.clock import Clock
from mamori.discovery.scanners.compare import with_comparison
from mamori.discovery.scanners.results import (
    ColumnReport,
    Comparison,
    DeclaredColumn,
    ScanRecord,
    ScanResult,
)
from mamori.errors import NotFound
from mamori.ids import random_id
from mamori.store import Store, read_time

__all__ = ["AUDIT_ACTION", "ScanNotFound", "ScanRecords", "ScanSummary"]

AUDIT_ACTION = "discovery_scan"
register_action(AUDIT_ACTION)

_SCAN = (
    "id, kind, source, format, dataset, sample_rows, column_count, personal_count, "
    "undeclared_count, declared_empty, actor, at"
)
_COLUMN = (
    "scan_id, ordinal, table_name, column_name, sampled, matched, entity, entities, examples, "
    "lines, suggested_item, personal, declared, declared_item, skipped"
)


class ScanNotFound(NotFound):
    """No stored scan has this id."""

    code = "scan_not_found"


@dataclass(frozen=True)
class ScanSummary:
    """A stored scan as a list shows it."""

    id: str
    at: dt.datetime
    actor: str
    kind: str
    source: str
    format: str | None
    dataset: str | None
    columns: int
    personal: int
    undeclared: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "at": self.at.isoformat(), "actor": self.actor, "kind": self.kind,
            "source": self.source, "format": self.format, "dataset": self.dataset,
            "columns": self.columns, "personal": self.personal, "undeclared": self.undeclared,
        }  # fmt: skip


def new_scan_id() -> str:
    return random_id("sc_")


class ScanRecords:
    def __init__(self, store: Store, audit: AuditLog, clock: Clock) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock

    def save(self, result: ScanResult, *, actor: str) -> ScanRecord:
        """Store ``result`` and its audit entry (ids, counts and items; no value)."""
        ident = new_scan_id()
        at = self._clock.now().astimezone(dt.UTC)
        comparison = result.comparison
        personal = result.personal
        sql = self._store.sql
        with self._store.transaction() as cur:
            cur.execute(
                sql(f"INSERT INTO scans ({_SCAN}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                (
                    ident, result.kind, result.source, result.format,
                    comparison.dataset if comparison else None, result.sample,
                    len(result.columns), len(personal),
                    len(comparison.undeclared) if comparison else None,
                    json.dumps([d.to_dict() for d in comparison.declared_empty])
                    if comparison else None,
                    actor, self._store.timestamp(at),
                ),
            )  # fmt: skip
            rows = [_column_row(ident, n, c) for n, c in enumerate(result.columns)]
            if rows:
                marks = ", ".join(["?"] * 15)
                cur.executemany(sql(f"INSERT INTO scan_columns ({_COLUMN}) VALUES ({marks})"), rows)
            detail: dict[str, object] = {
                "scan": ident,
                "kind": result.kind,
                "columns": len(result.columns),
                "personal": len(personal),
            }
            if result.kind == "db":
                detail["source"] = result.source[:200]
            if result.format:
                detail["format"] = result.format
            if comparison is not None:
                detail["dataset"] = comparison.dataset
                detail["undeclared"] = len(comparison.undeclared)
                detail["declared_empty"] = len(comparison.declared_empty)
            items = sorted({c.suggested_item for c in personal if c.suggested_item})
            event = AuditEvent(actor=actor, action=AUDIT_ACTION, items=tuple(items), detail=detail)
            self._audit.append_cursor(cur, self._store.dialect, [event], entries=False)
        return ScanRecord(ident, at, actor, result)

    def list(self, *, limit: int = 50) -> list[ScanSummary]:
        """The newest scans first."""
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(f"SELECT {_SCAN} FROM scans ORDER BY at DESC, id LIMIT ?"),
                (max(1, limit),),
            )
            rows = cur.fetchall()
        return [_summary(r) for r in rows]

    def get(self, scan_id: str) -> ScanRecord:
        sql = self._store.sql
        with self._store.transaction(write=False) as cur:
            cur.execute(sql(f"SELECT {_SCAN} FROM scans WHERE id = ?"), (scan_id,))
            row = cur.fetchone()
            if row is None:
                raise ScanNotFound(f"no scan '{scan_id}' (see `mamori scan list`)")
            cur.execute(
                sql(f"SELECT {_COLUMN} FROM scan_columns WHERE scan_id = ? ORDER BY ordinal"),
                (scan_id,),
            )
            columns = tuple(_column(r) for r in cur.fetchall())
        (ident, kind, source, fmt, dataset, sample, _, _, _, empty, actor, at) = row
        comparison = None
        if dataset is not None:
            declared_empty = tuple(DeclaredColumn(**d) for d in json.loads(empty or "[]"))
            comparison = with_comparison(columns, Comparison(dataset, (), declared_empty))
        result = ScanResult(kind, source, fmt, columns, sample, comparison)
        return ScanRecord(ident, read_time(at), actor, result)


def _column_row(scan_id: str, ordinal: int, c: ColumnReport) -> tuple[Any, ...]:
    return (
        scan_id, ordinal, c.table, c.column, c.sampled, c.matched, c.entity,
        json.dumps(dict(c.entities)), json.dumps(list(c.examples), ensure_ascii=False),
        json.dumps(list(c.lines)), c.suggested_item, c.personal, c.declared, c.declared_item,
        c.skipped,
    )  # fmt: skip


def _column(row: Sequence[Any]) -> ColumnReport:
    (_, _, table, column, sampled, matched, entity, entities, examples, lines, item, personal,
     declared, declared_item, skipped) = row  # fmt: skip
    return ColumnReport(
        column=column,
        table=table,
        sampled=int(sampled),
        matched=int(matched),
        entity=entity,
        entities=json.loads(entities),
        examples=tuple(json.loads(examples)),
        lines=tuple(json.loads(lines)),
        suggested_item=item,
        personal=bool(personal),
        declared=None if declared is None else bool(declared),
        declared_item=declared_item,
        skipped=skipped,
    )


def _summary(row: Sequence[Any]) -> ScanSummary:
    (ident, kind, source, fmt, dataset, _, columns, personal, undeclared, _, actor, at) = row
    return ScanSummary(
        ident, read_time(at), actor, kind, source, fmt, dataset, int(columns), int(personal),
        None if undeclared is None else int(undeclared),
    )  # fmt: skip

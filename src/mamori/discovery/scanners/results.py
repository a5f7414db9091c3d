"""What a scan found: a summary per column (or JSON key, or entity of plain text), and the
comparison with the data map. Values never appear here: examples are masked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = [
    "ColumnReport",
    "Comparison",
    "DeclaredColumn",
    "ScanKind",
    "ScanRecord",
    "ScanResult",
]

ScanKind = Literal["text", "file", "db"]


@dataclass(frozen=True)
class ColumnReport:
    """One column of a table or CSV file, one key path of JSON Lines, or one entity of
    plain text (``column`` is then the entity).

    ``sampled`` values were looked at (empty ones are not counted), ``matched`` of them
    held at least one finding; ``entities`` counts the findings by entity and ``entity``
    is the one found in most values. ``personal`` is the verdict: enough values matched.
    """

    column: str
    table: str | None = None
    sampled: int = 0
    matched: int = 0
    entity: str | None = None
    entities: Mapping[str, int] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()
    suggested_item: str | None = None
    personal: bool = False
    declared: bool | None = None  # None: not compared with the data map
    declared_item: str | None = None
    skipped: str | None = None  # why the column was not sampled (binary, date, ...)

    @property
    def share(self) -> float:
        """The share of the sampled values that matched (0 when none was sampled)."""
        return self.matched / self.sampled if self.sampled else 0.0

    @property
    def location(self) -> str:
        return f"{self.table}.{self.column}" if self.table else self.column

    def with_declaration(self, declared: bool, item: str | None) -> ColumnReport:
        return replace(self, declared=declared, declared_item=item)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "column": self.column,
            "sampled": self.sampled,
            "matched": self.matched,
            "share": round(self.share, 4),
            "entity": self.entity,
            "entities": dict(self.entities),
            "examples": list(self.examples),
            "lines": list(self.lines),
            "suggested_item": self.suggested_item,
            "personal": self.personal,
            "declared": self.declared,
            "declared_item": self.declared_item,
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class DeclaredColumn:
    """A column the data map declares, where the scan found no personal data.

    ``reason``: ``no_table`` (the database has no such table), ``no_column`` (the table has
    no such column), ``skipped`` (its type was not sampled), ``empty`` (no value to look
    at), ``not_found`` (values were looked at, none matched)."""

    table: str
    column: str
    item: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"table": self.table, "column": self.column, "item": self.item,
                "reason": self.reason}  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    """A database scan against one dataset of the data map."""

    dataset: str
    undeclared: tuple[ColumnReport, ...]
    declared_empty: tuple[DeclaredColumn, ...]

    @property
    def matches(self) -> bool:
        return not self.undeclared and not self.declared_empty

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "undeclared": [
                {"table": c.table, "column": c.column, "entity": c.entity,
                 "share": round(c.share, 4), "suggested_item": c.suggested_item}
                for c in self.undeclared
            ],
            "declared_empty": [d.to_dict() for d in self.declared_empty],
        }  # fmt: skip


@dataclass(frozen=True)
class ScanResult:
    """A finished scan, before it is stored."""

    kind: ScanKind
    source: str  # a path, a URL without its password, or "<text>"
    format: str | None
    columns: tuple[ColumnReport, ...]
    sample: int | None = None
    comparison: Comparison | None = None

    @property
    def personal(self) -> tuple[ColumnReport, ...]:
        return tuple(c for c in self.columns if c.personal)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "format": self.format,
            "sample": self.sample,
            "columns": [c.to_dict() for c in self.columns],
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
        }


@dataclass(frozen=True)
class ScanRecord:
    """A stored scan: the result, with its id, time and actor."""

    id: str
    at: dt.datetime
    actor: str
    result: ScanResult

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor,
                **self.result.to_dict()}  # fmt: skip

"""What a connector returns: the rows found, and what an erasure or a correction changed.

Reports name tables and columns and count rows; they never hold a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CorrectReport", "EraseReport", "Found", "TableChange"]


@dataclass(frozen=True)
class Found:
    """The person's rows in a dataset: per table in traversal order, sorted by key, with the
    columns the map names (keys and mapped columns) only."""

    dataset_id: str
    rows: dict[str, list[dict[str, Any]]]

    def count(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.rows.items()}

    @property
    def total(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


@dataclass(frozen=True)
class TableChange:
    deleted: int = 0
    updated: int = 0


@dataclass(frozen=True)
class EraseReport:
    """Rows deleted and rows updated per table (every table of the plan is listed)."""

    dataset_id: str
    tables: dict[str, TableChange] = field(default_factory=dict)

    @property
    def deleted(self) -> int:
        return sum(c.deleted for c in self.tables.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset_id,
            "deleted": self.deleted,
            "updated": self.updated,
            "tables": {
                t: {"deleted": c.deleted, "updated": c.updated} for t, c in self.tables.items()
            },
        }


@dataclass(frozen=True)
class CorrectReport:
    """The columns a correction changed (names only) and how many rows, per table."""

    dataset_id: str
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.columns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset_id,
            "columns": {t: list(c) for t, c in self.columns.items()},
            "rows": dict(self.rows),
        }

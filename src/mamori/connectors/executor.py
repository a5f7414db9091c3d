"""Run a dataset's plan against its system: find, disclose, erase and correct a person's rows.

The caller gives candidate values per item, already normalised (``{"email": ["a@b.jp"]}``)
and, for tables with a ``subject_key``, mamori's subject id. Email items are compared with
``lower(column)``; other items exactly. Each table of the plan is read once, breadth first,
by one parameterised query (more for a person with over ``chunk`` keys; see
:mod:`~mamori.connectors.finder`) reading only the columns the map names. Erasure and
correction run in one transaction that first reads the rows again under ``FOR UPDATE``
(where the database has it); any database error rolls the whole system back and becomes a
:class:`ConnectorError` naming the dataset and the table, never a value.

For speed on large tables, index every identity and reference column, and on PostgreSQL
email identity columns by ``lower(column)``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from mamori.connectors._sql import (
    CHUNK,
    chunks,
    describe_error,
    key_in,
    row_key,
    sort_rows,
)
from mamori.connectors.errors import ConnectorError
from mamori.connectors.finder import Finder, Identities, Rows
from mamori.connectors.mask import MASK_MIN, is_mask, mask_value
from mamori.connectors.plan import Plan, Step, plan_dataset
from mamori.connectors.reports import CorrectReport, EraseReport, Found, TableChange
from mamori.policy.model import Dataset

__all__ = ["Connector", "Identities"]

T = TypeVar("T")


@dataclass
class _Progress:
    """The table a transaction is working on, for the error message."""

    table: str | None = None


class Connector:
    """The person's rows in one dataset's system, found through the dataset's plan."""

    def __init__(
        self,
        dataset_id: str,
        dataset: Dataset,
        engine_or_url: sa.Engine | str,
        mask_key: bytes,
        *,
        case_insensitive: Collection[str] = frozenset({"email"}),
        chunk: int = CHUNK,
    ) -> None:
        if len(mask_key) < 16:
            raise ValueError("the mask key must have at least 16 bytes")
        self.dataset_id = dataset_id
        self.plan: Plan = plan_dataset(dataset_id, dataset)
        self._owned = not isinstance(engine_or_url, sa.Engine)
        self.engine = (
            engine_or_url
            if isinstance(engine_or_url, sa.Engine)
            else sa.create_engine(engine_or_url, pool_pre_ping=True)
        )
        self._mask_key = mask_key
        self._chunk = chunk
        self._finder = Finder(self.plan, case_insensitive, chunk)
        self._tables = self._finder.tables
        self._lengths: dict[tuple[str, str], int | None] = {}

    def close(self) -> None:
        """Close the engine if this connector made it from a URL."""
        if self._owned:
            self.engine.dispose()

    def __enter__(self) -> Connector:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the four operations ------------------------------------------------------------

    def find(self, identities: Identities, *, subject_id: str | None = None) -> Found:
        """The person's rows, read in one read-only transaction."""
        return self._transaction(
            "find", lambda conn, at: self._found(conn, at, identities, subject_id, lock=False)
        )

    def disclose(
        self, identities: Identities, *, subject_id: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Every table of the plan with the person's rows (keys and mapped columns), by key."""
        return self.find(identities, subject_id=subject_id).rows

    def erase(self, identities: Identities, *, subject_id: str | None = None) -> EraseReport:
        """Erase the person's rows as the map says, in one transaction; running it again
        changes nothing more."""
        return self._transaction(
            "erase", lambda conn, at: self._erase(conn, at, identities, subject_id)
        )

    def correct(
        self,
        identities: Identities,
        values: Mapping[str, str],
        *,
        subject_id: str | None = None,
    ) -> CorrectReport:
        """Write ``values`` (item -> new value) into the person's columns marked
        ``correct: true`` that hold those items, in one transaction."""
        for item, value in values.items():
            if not isinstance(value, str):
                raise TypeError(f"the new value of item '{item}' is not a str")
        return self._transaction(
            "correct", lambda conn, at: self._correct(conn, at, identities, values, subject_id)
        )

    # -- transactions -------------------------------------------------------------------

    def _transaction(self, operation: str, work: Callable[[sa.Connection, _Progress], T]) -> T:
        at = _Progress()
        try:
            with self.engine.begin() as conn:
                return work(conn, at)
        except SQLAlchemyError as exc:
            detail = f"{operation} failed and was rolled back ({describe_error(exc)})"
            raise ConnectorError(self.dataset_id, at.table, detail) from None

    # -- finding ------------------------------------------------------------------------

    def _found(
        self,
        conn: sa.Connection,
        at: _Progress,
        identities: Identities,
        subject_id: str | None,
        *,
        lock: bool,
    ) -> Found:
        rows = self._rows(conn, at, identities, subject_id, lock=lock)
        out = {}
        for step in self.plan.steps:
            order = step.primary_key or step.read
            out[step.table] = sort_rows(list(rows[step.table].values()), order)
        return Found(self.dataset_id, out)

    def _rows(
        self,
        conn: sa.Connection,
        at: _Progress,
        identities: Identities,
        subject_id: str | None,
        *,
        lock: bool,
    ) -> dict[str, Rows]:
        def working_on(table: str) -> None:
            at.table = table

        found = self._finder.rows(conn, identities, subject_id, lock=lock, on_table=working_on)
        at.table = None
        return found

    # -- erasing ------------------------------------------------------------------------

    def _erase(
        self, conn: sa.Connection, at: _Progress, identities: Identities, subject_id: str | None
    ) -> EraseReport:
        found = self._rows(conn, at, identities, subject_id, lock=True)
        changes: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {
            s.table: {} for s in self.plan.steps
        }
        for detach in self.plan.detach:
            gone = {row_key(r, detach.to) for r in found[detach.target].values()}
            for key, row in found[detach.table].items():
                if row_key(row, detach.columns) in gone:
                    new = changes[detach.table].setdefault(key, {})
                    new.update({c: None for c in detach.columns if row[c] is not None})
        for step in self.plan.steps:
            if step.action != "update":
                continue
            at.table = step.table
            for key, row in found[step.table].items():
                new = changes[step.table].setdefault(key, {})
                new.update({c: None for c in step.nulls if row[c] is not None})
                for column in step.masks:
                    value = row[column]
                    if value is not None and not is_mask(self._mask_key, value):
                        length = self._mask_length(conn, step.table, column)
                        new[column] = mask_value(self._mask_key, str(value), length)
        report: dict[str, TableChange] = {}
        for name in self.plan.erase_order:
            at.table = name
            rows = {k: v for k, v in changes[name].items() if v}
            self._update(conn, self.plan.step(name), rows)
            report[name] = TableChange(updated=len(rows))
        for name in self.plan.erase_order:
            step = self.plan.step(name)
            if step.action == "delete":
                at.table = name
                deleted = self._delete(conn, step, list(found[name]))
                report[name] = TableChange(deleted=deleted)
        at.table = None
        return EraseReport(self.dataset_id, {s.table: report[s.table] for s in self.plan.steps})

    def _mask_length(self, conn: sa.Connection, table: str, column: str) -> int | None:
        """The column's length (None: unlimited); refuses a column that cannot hold a mask."""
        if (table, column) not in self._lengths:
            schema, _, name = table.rpartition(".")
            info = {c["name"]: c for c in sa.inspect(conn).get_columns(name, schema or None)}
            kind = info[column]["type"] if column in info else None
            if not isinstance(kind, sa.String):
                raise ConnectorError(
                    self.dataset_id, table, f"column '{column}' cannot hold a mask (not text)"
                )
            if kind.length is not None and kind.length < MASK_MIN:
                raise ConnectorError(
                    self.dataset_id,
                    table,
                    f"column '{column}' is too short for a mask ({kind.length} < {MASK_MIN})",
                )
            self._lengths[(table, column)] = kind.length
        return self._lengths[(table, column)]

    def _update(
        self, conn: sa.Connection, step: Step, rows: dict[tuple[Any, ...], dict[str, Any]]
    ) -> None:
        """Write the new values, one statement per chunk of rows that get the same NULLs
        and one executemany per set of masked columns."""
        table = self._tables[step.table]
        plain: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        masked: dict[tuple[str, ...], list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}
        for key, new in rows.items():
            if all(v is None for v in new.values()):
                plain.setdefault(tuple(sorted(new)), []).append(key)
            else:
                masked.setdefault(tuple(sorted(new)), []).append((key, new))
        for columns, keys in plain.items():
            for part in chunks(keys, self._chunk):
                stmt = sa.update(table).where(key_in(table, step.primary_key, part))
                conn.execute(stmt.values({c: None for c in columns}))
        for columns, items in masked.items():
            where = sa.and_(
                *(table.c[c] == sa.bindparam(f"_k{n}") for n, c in enumerate(step.primary_key))
            )
            sets: dict[str, Any] = {c: sa.bindparam(f"_v{n}") for n, c in enumerate(columns)}
            params = [
                {
                    **{f"_k{n}": v for n, v in enumerate(key)},
                    **{f"_v{n}": new[c] for n, c in enumerate(columns)},
                }
                for key, new in items
            ]
            for batch in chunks(params, self._chunk):
                conn.execute(sa.update(table).where(where).values(sets), list(batch))

    def _delete(self, conn: sa.Connection, step: Step, keys: list[tuple[Any, ...]]) -> int:
        table = self._tables[step.table]
        deleted = 0
        for part in chunks(keys, self._chunk):
            result = conn.execute(sa.delete(table).where(key_in(table, step.primary_key, part)))
            deleted += result.rowcount
        return deleted

    # -- correcting ---------------------------------------------------------------------

    def _correct(
        self,
        conn: sa.Connection,
        at: _Progress,
        identities: Identities,
        values: Mapping[str, str],
        subject_id: str | None,
    ) -> CorrectReport:
        found = self._rows(conn, at, identities, subject_id, lock=True)
        columns: dict[str, tuple[str, ...]] = {}
        counts: dict[str, int] = {}
        for step in self.plan.steps:
            writes = {c: values[item] for c, item in step.correctable if item in values}
            if not writes:
                continue
            at.table = step.table
            groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
            for key, row in found[step.table].items():
                changed = tuple(c for c, v in writes.items() if row[c] != v)
                if changed:
                    groups.setdefault(changed, []).append(key)
            table = self._tables[step.table]
            for changed, keys in groups.items():
                for part in chunks(keys, self._chunk):
                    stmt = sa.update(table).where(key_in(table, step.primary_key, part))
                    conn.execute(stmt.values({c: writes[c] for c in changed}))
            if groups:
                names = {c for changed in groups for c in changed}
                columns[step.table] = tuple(c for c in writes if c in names)
                counts[step.table] = sum(len(k) for k in groups.values())
        at.table = None
        return CorrectReport(self.dataset_id, columns, counts)

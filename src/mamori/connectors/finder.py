"""Reading the person's rows of a dataset, table by table along the plan.

For each table the conditions (its identity columns, its subject key, and each link from an
earlier table) are OR-ed into one ``SELECT`` of the columns the map names, with each
condition's values in an expanding ``IN`` parameter; a query carries at most ``chunk``
values, so a person with many rows costs a few more queries, never an unbounded one. The
statements are built once per shape and reused.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from mamori.connectors._sql import row_key, table_clause
from mamori.connectors.plan import Plan, Step

__all__ = ["Finder", "Identities", "Rows"]

Identities = Mapping[str, Sequence[str]]
Rows = dict[tuple[Any, ...], dict[str, Any]]
_Piece = tuple[int, Sequence[Any]]  # (condition number, its values in this query)


class Finder:
    """Builds and runs the queries that read a plan's rows."""

    def __init__(self, plan: Plan, case_insensitive: Collection[str], chunk: int) -> None:
        self.plan = plan
        self.chunk = chunk
        self.tables = {s.table: table_clause(s.table, s.read) for s in plan.steps}
        self._lower = frozenset(case_insensitive)
        self._targets = {s.table: self._conditions(s) for s in plan.steps}
        self._statements: dict[tuple[str, tuple[int, ...], bool], sa.Select[Any]] = {}

    def _conditions(self, step: Step) -> list[sa.ColumnElement[Any]]:
        """What each condition compares, in the order: identity, subject key, links."""
        table = self.tables[step.table]
        out: list[sa.ColumnElement[Any]] = []
        for column, item in step.identity:
            col = table.c[column]
            out.append(sa.func.lower(col) if item in self._lower else col)
        if step.subject_key:
            out.append(table.c[step.subject_key])
        for link in step.links:
            cols = [table.c[c] for c in link.columns]
            out.append(cols[0] if len(cols) == 1 else sa.tuple_(*cols))
        return out

    def _statement(self, step: Step, numbers: tuple[int, ...], lock: bool) -> sa.Select[Any]:
        key = (step.table, numbers, lock)
        stmt = self._statements.get(key)
        if stmt is None:
            table = self.tables[step.table]
            targets = self._targets[step.table]
            where = sa.or_(
                *(targets[n].in_(sa.bindparam(f"c{n}", expanding=True)) for n in numbers)
            )
            stmt = sa.select(*(table.c[c] for c in step.read)).where(where)
            if lock:
                stmt = stmt.with_for_update()
            self._statements[key] = stmt
        return stmt

    def rows(
        self,
        conn: sa.Connection,
        identities: Identities,
        subject_id: str | None,
        *,
        lock: bool,
        on_table: Callable[[str], None] | None = None,
    ) -> dict[str, Rows]:
        """Every table's rows, keyed by primary key (or by the whole row without one)."""
        found: dict[str, Rows] = {}
        for step in self.plan.steps:
            if on_table is not None:
                on_table(step.table)
            rows: Rows = {}
            for query in self._pack(self._values(step, identities, subject_id, found)):
                stmt = self._statement(step, tuple(n for n, _ in query), lock)
                params = {f"c{n}": list(values) for n, values in query}
                for row in conn.execute(stmt, params).mappings():
                    values = dict(row)
                    key = (
                        row_key(values, step.primary_key)
                        if step.primary_key
                        else tuple(repr(v) for v in values.values())
                    )
                    rows[key] = values
            found[step.table] = rows
        return found

    def _values(
        self,
        step: Step,
        identities: Identities,
        subject_id: str | None,
        found: dict[str, Rows],
    ) -> list[_Piece]:
        """Each condition with the values to look for (conditions with none left out)."""
        out: list[_Piece] = []
        number = 0
        for _column, item in step.identity:
            given = [v for v in identities.get(item, ()) if isinstance(v, str)]
            if item in self._lower:
                given = [v.lower() for v in given]
            out.append((number, list(dict.fromkeys(given))))
            number += 1
        if step.subject_key:
            out.append((number, [] if subject_id is None else [subject_id]))
            number += 1
        for link in step.links:
            parents = found[link.source].values()
            keys = dict.fromkeys(row_key(r, link.source_columns) for r in parents)
            usable = [k for k in keys if None not in k]
            out.append((number, usable if len(link.columns) > 1 else [k[0] for k in usable]))
            number += 1
        return [(n, values) for n, values in out if values]

    def _pack(self, pieces: list[_Piece]) -> Iterator[list[_Piece]]:
        """Queries of at most ``chunk`` values, filled condition after condition."""
        query: list[_Piece] = []
        room = self.chunk
        for number, values in pieces:
            at = 0
            while at < len(values):
                take = min(room, len(values) - at)
                query.append((number, values[at : at + take]))
                at += take
                room -= take
                if room == 0:
                    yield query
                    query, room = [], self.chunk
        if query:
            yield query

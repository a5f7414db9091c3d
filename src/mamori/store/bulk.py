"""Many rows in one statement.

``executemany`` runs one statement per row, taking Python's GIL back after each; a thread
writing a batch then competes with the thread preparing the next one at every row. On
SQLite :func:`insert_rows` sends a batch as two parameters, the rows as a JSON array and
their binary columns concatenated into one blob, and inserts them with one ``INSERT ...
SELECT`` over ``json_each``, which runs inside SQLite from start to end without the GIL.
On PostgreSQL (psycopg 3) a batch is streamed with ``COPY ... FROM STDIN``; the server
stores it in its own process while the client goes on. Other databases take
``executemany`` (their drivers release the GIL while they wait).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = ["PreparedRows", "insert_rows", "prepare_rows"]

# Below this many rows a statement per row costs less than building the JSON.
_BULK_FROM = 32


@cache
def _per_row(table: str, columns: tuple[str, ...], mark: str) -> str:
    """The INSERT of one row, with the driver's placeholder ``mark``."""
    marks = ", ".join([mark] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


@cache
def _bulk(table: str, columns: tuple[str, ...], blobs: frozenset[int]) -> str:
    """SQLite's one-statement INSERT ... SELECT over json_each for ``table``."""
    exprs: list[str] = []
    at = 0
    for index in range(len(columns)):
        if index in blobs:  # offset (1-based) and length in the blob parameter
            exprs.append(f"substr(?1, value->>{at}, value->>{at + 1})")
            at += 2
        else:
            exprs.append(f"value->>{at}")
            at += 1
    names = ", ".join(columns)
    return f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM json_each(?2)"


@dataclass(frozen=True, slots=True)
class PreparedRows:
    """Rows made ready for one table by :func:`prepare_rows`, possibly on another thread
    than the one that writes them with :meth:`run`."""

    dialect: str
    table: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[Any]]
    bulk: tuple[str, bytes, str] | None  # SQLite: (statement, blob, JSON)

    def run(self, cur: Any) -> None:
        """Insert the rows on a DBAPI cursor, in the caller's transaction."""
        if not self.rows:
            return
        if self.bulk is not None:
            statement, binary, text = self.bulk
            cur.execute(statement, (binary, text))
            return
        if self.dialect == "postgresql" and len(self.rows) >= _BULK_FROM and hasattr(cur, "copy"):
            with cur.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
            return
        mark = "?" if self.dialect == "sqlite" else "%s"
        cur.executemany(_per_row(self.table, self.columns, mark), self.rows)


def prepare_rows(
    dialect: str,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    blobs: Sequence[int] = (),
) -> PreparedRows:
    """``rows`` (values in the order of ``columns``) made ready to insert into ``table``.

    ``blobs``: the positions of binary columns; their values must be ``bytes`` (never None).
    The other values must be JSON numbers, strings or None (SQLite) or what the driver
    takes. Table and column names come from mamori's own code, never from input.
    """
    names = tuple(columns)
    if dialect != "sqlite" or len(rows) < _BULK_FROM:
        return PreparedRows(dialect, table, names, rows, None)
    bulk = _bulk(table, names, frozenset(blobs))
    binary = bytearray()
    spec: list[list[Any]] = []
    add = spec.append
    if not blobs:
        spec = [list(row) for row in rows]
    else:
        wanted = frozenset(blobs)
        for row in rows:
            entry: list[Any] = []
            for index, value in enumerate(row):
                if index in wanted:
                    entry.append(len(binary) + 1)
                    entry.append(len(value))
                    binary += value
                else:
                    entry.append(value)
            add(entry)
    text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    # One byte more: the driver binds an empty blob as NULL, and a slice of NULL is NULL.
    binary.append(0)
    return PreparedRows(dialect, table, names, rows, (bulk, bytes(binary), text))


def insert_rows(
    cur: Any,
    dialect: str,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    blobs: Sequence[int] = (),
) -> None:
    """Insert ``rows`` into ``table`` on a DBAPI cursor: :func:`prepare_rows`, then run."""
    prepare_rows(dialect, table, columns, rows, blobs=blobs).run(cur)

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
from functools import cache
from typing import Any

__all__ = ["insert_rows"]

# Below this many rows a statement per row costs less than building the JSON.
_BULK_FROM = 32


@cache
def _statements(table: str, columns: tuple[str, ...], blobs: frozenset[int]) -> tuple[str, str]:
    """(per-row INSERT, one-statement INSERT ... SELECT) for ``table``."""
    names = ", ".join(columns)
    per_row = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    exprs: list[str] = []
    at = 0
    for index in range(len(columns)):
        if index in blobs:  # offset (1-based) and length in the blob parameter
            exprs.append(f"substr(?1, value->>{at}, value->>{at + 1})")
            at += 2
        else:
            exprs.append(f"value->>{at}")
            at += 1
    bulk = f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM json_each(?2)"
    return per_row, bulk


def insert_rows(
    cur: Any,
    dialect: str,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    blobs: Sequence[int] = (),
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``table`` on a DBAPI cursor.

    ``blobs``: the positions of binary columns; their values must be ``bytes`` (never None).
    The other values must be JSON numbers, strings or None. Table and column names come
    from mamori's own code, never from input.
    """
    if not rows:
        return
    per_row, bulk = _statements(table, tuple(columns), frozenset(blobs))
    if dialect == "postgresql" and len(rows) >= _BULK_FROM and hasattr(cur, "copy"):
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if dialect != "sqlite":
        cur.executemany(per_row.replace("?", "%s"), rows)
        return
    if len(rows) < _BULK_FROM:
        cur.executemany(per_row, rows)
        return
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
    cur.execute(bulk, (bytes(binary), text))

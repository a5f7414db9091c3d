"""SQLAlchemy Core pieces the connector builds its statements from.

Every value travels as a bound parameter; names come from the validated map and are quoted
by SQLAlchemy. ``IN`` lists are cut into chunks so no statement grows without bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

__all__ = ["CHUNK", "chunks", "describe_error", "key_in", "row_key", "sort_rows", "table_clause"]

CHUNK = 500
T = TypeVar("T")


def table_clause(name: str, columns: Iterable[str]) -> sa.TableClause:
    """A lightweight table (no reflection) for ``name`` or ``schema.name``."""
    schema, _, table = name.rpartition(".")
    return sa.table(table, *(sa.column(c) for c in columns), schema=schema or None)


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for at in range(0, len(values), size):
        yield values[at : at + size]


def key_in(
    table: sa.TableClause, columns: Sequence[str], keys: Sequence[tuple[Any, ...]]
) -> sa.ColumnElement[bool]:
    """``columns IN keys``: a plain ``IN`` for one column, a row-value ``IN`` for several."""
    if len(columns) == 1:
        return table.c[columns[0]].in_([k[0] for k in keys])
    return sa.tuple_(*(table.c[c] for c in columns)).in_(list(keys))


def row_key(row: dict[str, Any], columns: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row[c] for c in columns)


def _order(values: tuple[Any, ...]) -> tuple[tuple[int, str, Any], ...]:
    return tuple((1, "", "") if v is None else (0, type(v).__name__, v) for v in values)


def sort_rows(rows: list[dict[str, Any]], columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows ordered by ``columns`` (NULLs last), or by their text when values don't compare."""
    try:
        return sorted(rows, key=lambda r: _order(row_key(r, columns)))
    except TypeError:
        return sorted(rows, key=lambda r: repr(row_key(r, columns)))


def describe_error(exc: SQLAlchemyError) -> str:
    """The database error's class and code, never its message (which may quote values)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    if orig is None:
        return type(exc).__name__
    detail = type(orig).__name__
    code = getattr(orig, "sqlstate", None)
    if code is None and orig.args and isinstance(orig.args[0], int):
        code = orig.args[0]
    return f"{detail}, code {code}" if code is not None else detail

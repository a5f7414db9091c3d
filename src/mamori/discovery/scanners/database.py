"""Scanning a SQL database by URL (SQLite, PostgreSQL, MySQL/MariaDB through SQLAlchemy).

Tables and columns are reflected; each column that may hold text is sampled on its own:
at most ``sample`` non-null values, never the whole table. PostgreSQL samples tables
estimated at over ten times ``sample`` rows with ``TABLESAMPLE SYSTEM`` (random blocks)
under the same limit, and takes the first rows when those blocks hold too few values;
elsewhere the first rows the database returns are taken. Binary, boolean, date and
fractional columns are skipped; integer columns are read for numbers long enough to be
identifiers or phone numbers (a phone number kept as a BIGINT lost its leading zero,
which is put back). The column's and the table's names are the context of its values.
The connection is read-only where the database allows it; SQLite is opened read-only.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sqlite3
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from mamori.discovery.scanners.errors import ScanInputError, ScanSourceError
from mamori.discovery.scanners.progress import SILENT, Progress
from mamori.discovery.scanners.results import ColumnReport
from mamori.discovery.scanners.tally import Detect, Tally, lost_zero
from mamori.policy.model import Item

__all__ = ["DEFAULT_SAMPLE", "open_engine", "safe_url", "scan_database", "scan_engine"]

DEFAULT_SAMPLE = 1000
_TEXT_TYPES = frozenset({"INET", "CIDR", "MACADDR", "CITEXT", "XML"})
_SMALL_INTEGERS = frozenset({"TINYINT", "MEDIUMINT"})  # MySQL: too small for an identifier
_SAMPLE_FACTOR = 10  # PostgreSQL: sample blocks for about this many times the rows wanted


def safe_url(url: str | URL) -> str:
    """The URL as it may be shown and stored: without its password."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except sa.exc.ArgumentError:
        return "<not a database URL>"
    bare = URL.create(
        parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database,
        parsed.query,
    )  # fmt: skip
    return bare.render_as_string(hide_password=False)


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0][:200] if lines else exc.__class__.__name__


def open_engine(url: str) -> tuple[sa.Engine, str]:
    """An engine on the database at ``url`` and the URL to show; a bad URL, a missing
    driver or a missing SQLite file is a :class:`ScanInputError`."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise ScanInputError(
            "not a database URL (e.g. postgresql+psycopg://user@host/db)"
        ) from None
    shown = safe_url(parsed)
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            database = parsed.database or ""
            if not database or database == ":memory:":
                raise ScanInputError(f"{shown}: give the path of a SQLite file to scan")
            path = Path(database)
            if not path.is_file():
                raise ScanInputError(f"{shown}: no SQLite database at {path}")
            uri = f"{path.resolve().as_uri()}?mode=ro"
            engine = sa.create_engine(
                "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=sa.NullPool
            )
        else:
            engine = sa.create_engine(parsed, poolclass=sa.NullPool)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise ScanInputError(f"{shown}: no database driver for it ({_reason(exc)})") from None
    return engine, shown


def scan_database(
    url: str,
    detect: Detect,
    items: Mapping[str, Item],
    *,
    sample: int = DEFAULT_SAMPLE,
    min_share: float,
    schema: str | None = None,
    progress: Progress = SILENT,
) -> tuple[str, str, tuple[ColumnReport, ...]]:
    """(database kind, URL without password, one report per column of every table)."""
    engine, shown = open_engine(url)
    try:
        reports = scan_engine(
            engine, detect, items, sample=sample, min_share=min_share, schema=schema,
            progress=progress, shown=shown,
        )  # fmt: skip
    finally:
        engine.dispose()
    return engine.dialect.name, shown, reports


@dataclass
class _Column:
    table: str  # as reported: schema-qualified when a schema was given
    name: str
    kind: str  # text, number, or why it is skipped


def _kind(type_: Any) -> str:
    if isinstance(type_, sa.Boolean):
        return "boolean"
    if isinstance(type_, sa.LargeBinary):
        return "binary"
    if isinstance(type_, sa.String | sa.JSON | sa.types.NullType):
        return "text"
    if isinstance(type_, sa.SmallInteger) or type(type_).__name__ in _SMALL_INTEGERS:
        return "small_number"
    if isinstance(type_, sa.Integer):
        return "number"
    if isinstance(type_, sa.Float):
        return "fraction"
    if isinstance(type_, sa.Numeric):
        return "number" if not type_.scale else "fraction"
    if isinstance(type_, sa.Date | sa.DateTime | sa.Time | sa.Interval):
        return "date"
    name = type(type_).__name__.upper()
    if name in _TEXT_TYPES:
        return "text"
    return name.lower()[:64]


def _reflect(conn: sa.Connection, schema: str | None) -> list[_Column]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)  # a type it does not know
        inspector = sa.inspect(conn)
        found: list[_Column] = []
        for table in inspector.get_table_names(schema=schema):
            shown = f"{schema}.{table}" if schema else table
            for col in inspector.get_columns(table, schema=schema):
                found.append(_Column(shown, col["name"], _kind(col["type"])))
    return found


def _read_only(conn: sa.Connection) -> None:
    name = conn.dialect.name
    if name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif name in ("mysql", "mariadb"):
        conn.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")


def _estimate(conn: sa.Connection, table: sa.TableClause) -> int:
    """PostgreSQL's estimate of the table's rows (0 when unknown)."""
    name = conn.dialect.identifier_preparer.format_table(table)
    row = conn.execute(
        sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"), {"name": name}
    ).first()
    return int(row[0]) if row is not None and row[0] is not None and row[0] > 0 else 0


def _first(source: sa.FromClause, name: str, sample: int) -> sa.Select[Any]:
    column = source.c[name]
    return sa.select(column).where(column.is_not(None)).limit(sample)


def _sample(conn: sa.Connection, col: _Column, schema: str | None, sample: int,
            sizes: dict[str, int]) -> list[Any]:  # fmt: skip
    """At most ``sample`` non-null values of the column. On PostgreSQL a large table is
    sampled by random blocks first; when those hold too few values, the first rows are
    taken instead."""
    name = col.table.split(".", 1)[1] if schema else col.table
    table = sa.table(name, sa.column(col.name), schema=schema)
    if conn.dialect.name == "postgresql":
        if col.table not in sizes:
            sizes[col.table] = _estimate(conn, table)
        rows = sizes[col.table]
        if rows > _SAMPLE_FACTOR * sample:
            percent = min(100.0, max(0.0001, 100.0 * _SAMPLE_FACTOR * sample / rows))
            sampled = sa.tablesample(table, sa.func.system(percent))
            values = list(conn.execute(_first(sampled, col.name, sample)).scalars())
            if len(values) == sample:
                return values
    return list(conn.execute(_first(table, col.name, sample)).scalars())


def _text(value: Any) -> str | None:
    """A sampled value as text to scan (None: it cannot hold personal data)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes | bytearray | memoryview | bool | float):
        return None
    if isinstance(value, dt.date | dt.time | dt.timedelta | uuid.UUID):
        return None
    return str(value)


def _number(value: Any) -> str | None:
    """The digits of an integral number, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(abs(value))
    if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
        return str(abs(int(value)))
    if isinstance(value, str) and value.strip().isdigit():  # SQLite keeps what it is given
        return value.strip()
    return None


def scan_engine(
    engine: sa.Engine,
    detect: Detect,
    items: Mapping[str, Item],
    *,
    sample: int = DEFAULT_SAMPLE,
    min_share: float,
    schema: str | None = None,
    progress: Progress = SILENT,
    shown: str | None = None,
) -> tuple[ColumnReport, ...]:
    """:func:`scan_database` on an engine the caller made (and disposes of)."""
    if sample < 1:
        raise ScanInputError(f"--sample must be at least 1, not {sample}")
    shown = shown or safe_url(engine.url)
    tallies: list[Tally] = []
    try:
        with engine.connect() as conn:
            _read_only(conn)
            columns = _reflect(conn, schema)
            wanted = [c for c in columns if c.kind in ("text", "number")]
            progress.begin(shown, len(wanted))
            sizes: dict[str, int] = {}
            done = 0
            for col in columns:
                tally = Tally(col.name, col.table, (col.name, col.table))
                tallies.append(tally)
                if col.kind not in ("text", "number"):
                    tally.skipped = col.kind
                    continue
                for value in _sample(conn, col, schema, sample, sizes):
                    _look(tally, col.kind, value, detect)
                done += 1
                progress.update(done)
    except sa.exc.DBAPIError as exc:
        raise ScanSourceError(f"{shown}: cannot be read ({_reason(exc)})") from None
    return tuple(t.report(items, min_share) for t in tallies)


def _look(tally: Tally, kind: str, value: Any, detect: Detect) -> None:
    if kind == "number":
        digits = _number(value)
        if digits is None or len(digits) < 9:
            tally.count_only()
            return
        tally.add(digits, detect, alternative=lost_zero(digits))
        return
    text = _text(value)
    if text is None:
        tally.count_only()
        return
    stripped = text.strip()
    tally.add(text, detect, alternative=lost_zero(stripped) if stripped.isdigit() else None)

"""Opening the database: SQLite (WAL, foreign keys on) by default, PostgreSQL by URL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mamori.errors import SchemaOutdated, StoreError
from mamori.store import migrate

__all__ = ["Store", "read_date", "read_time"]


def read_time(value: Any) -> dt.datetime:
    """A time as a raw statement reads it back (SQLite: text in UTC; PostgreSQL and
    MariaDB: a datetime), as an aware datetime; a naive one is UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def read_date(value: Any) -> dt.date:
    """A date as a raw statement reads it back (text on SQLite)."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    assert isinstance(value, dt.date)
    return value


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")  # erased keys and values leave no residue
        # 64 MiB of page cache (the default is 2 MiB): batches write to random places in the
        # subject tables, and pages already in memory are not read again.
        cursor.execute("PRAGMA cache_size=-65536")
        # Reads through a memory map of up to 2 GiB (SQLite's own ceiling): a look-up by
        # key in a large table (consent states, subjects) skips the copy into the page cache.
        cursor.execute("PRAGMA mmap_size=2147418112")
    finally:
        cursor.close()


def _noop() -> None:
    return None


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's first line (no statement, no parameters), or the error's class."""
    orig = getattr(exc, "orig", None)
    lines = str(orig).strip().splitlines() if orig is not None else []
    return lines[0] if lines else exc.__class__.__name__


class Store:
    """The database behind one :class:`~mamori.core.Mamori`."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except Exception as exc:  # sqlalchemy raises ArgumentError for unusable URLs
            raise StoreError(f"database URL is not usable: {exc}") from None
        self.url = parsed
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
                # Each thread keeps its own connection (see _dbapi): a web server's thread
                # pool must not run the pool dry, so the pool has no upper size.
                kwargs["pool_size"] = 0
        else:
            kwargs["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError(f"cannot open {self.safe_url}: {exc}") from None
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._local = threading.local()
        self._held: list[Any] = []
        self._held_lock = threading.Lock()

    @property
    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest revision."""
        try:
            migrate.upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot migrate {self.safe_url}: {_reason(exc)}") from exc

    def check_schema(self) -> None:
        """Raise :class:`SchemaOutdated` unless the schema is at the newest revision."""
        current = migrate.current(self.engine)
        head = migrate.head()
        if current != head:
            raise SchemaOutdated(
                f"database {self.safe_url} is at revision {current or 'none'}, expected {head}: "
                "run `mamori init` or set auto_migrate"
            )

    def timestamp(self, at: dt.datetime) -> object:
        """A time as the driver stores it on raw statements: SQLite gets SQLAlchemy's text
        form (UTC), other databases the aware datetime."""
        utc = at.astimezone(dt.UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self.dialect == "sqlite" else utc

    def sql(self, text: str) -> str:
        """A raw statement written with ``?`` placeholders, in the driver's style
        (``%s`` for psycopg and PyMySQL)."""
        return text if self.dialect == "sqlite" else text.replace("?", "%s")

    def date_param(self, day: dt.date) -> object:
        """A date as the driver stores it on raw statements (ISO text on SQLite)."""
        return day.isoformat() if self.dialect == "sqlite" else day

    def purge_freed(self) -> None:
        """Push freed pages out of SQLite's write-ahead log after an erasure.

        With ``secure_delete`` on, deleted rows are zeroed in the database file; the old
        page images still sit in the WAL until a checkpoint, which this forces. PostgreSQL
        reclaims dead rows by its own VACUUM.
        """
        if self.dialect != "sqlite":
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Any]:
        """A DBAPI cursor inside one write transaction, for the hot paths (vault, audit).

        SQLAlchemy's per-statement overhead is tens of microseconds; the vault's budget for a
        whole use is about fifty. SQLite takes its write lock up front (BEGIN IMMEDIATE), so a
        read-then-write sequence cannot interleave with another writer; PostgreSQL callers
        lock what they read with FOR UPDATE. Each thread keeps one SQLite connection.
        """
        dbapi, release = self._dbapi()
        cursor = dbapi.cursor()
        try:
            if write and self.dialect == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            yield cursor
            dbapi.commit()
        except BaseException:
            dbapi.rollback()
            raise
        finally:
            cursor.close()
            release()

    def read_one(self, statement: str, params: tuple[Any, ...]) -> Any:
        """The first row of one read-only statement (driver placeholders), or None.

        A single statement reads a consistent snapshot on its own, so SQLite runs it on the
        thread's connection without a cursor or transaction of ours: the look-up paths
        (consent state, a decision) pay for the read alone.
        """
        if self.dialect == "sqlite":
            raw = getattr(self._local, "raw", None)
            if raw is None:
                raw = self._local.raw = self._dbapi()[0]
            return raw.execute(statement, params).fetchone()
        with self.transaction(write=False) as cur:
            cur.execute(statement, params)
            return cur.fetchone()

    def _dbapi(self) -> tuple[Any, Any]:
        if self.dialect != "sqlite":
            pooled = self.engine.raw_connection()
            return pooled.driver_connection, pooled.close
        fairy: Any = getattr(self._local, "fairy", None)
        if fairy is None:
            fairy = self.engine.raw_connection()
            self._local.fairy = fairy
            with self._held_lock:
                self._held.append(fairy)
        return fairy.driver_connection, _noop

    def close(self) -> None:
        with self._held_lock:
            held, self._held = self._held, []
        for fairy in held:
            with suppress(Exception):  # a finished thread's connection may already be gone
                fairy.close()
        self._local = threading.local()
        self.engine.dispose()

"""Opening the database: SQLite (WAL, foreign keys on) by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mamori.errors import SchemaOutdated, StoreError
from mamori.store import migrate

__all__ = ["Store"]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")  # erased keys and values leave no residue
    finally:
        cursor.close()


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
        else:
            kwargs["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError(f"cannot open {self.safe_url}: {exc}") from None
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

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

    def close(self) -> None:
        self.engine.dispose()

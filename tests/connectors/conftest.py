"""The shop database on SQLite, PostgreSQL and MariaDB, created and seeded for each test.

Both servers follow the pattern of the top conftest's ``database_url``: the admin URL from
``MAMORI_TEST_POSTGRES_URL`` / ``MAMORI_TEST_MYSQL_URL`` (default: the local server), a
database made for the test and dropped after it; an unreachable server or a missing driver
fails under ``CI=true`` and is skipped with a message naming it elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import shopdb
import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get(
    "MAMORI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MYSQL_ADMIN_URL = os.environ.get(
    "MAMORI_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4"
)


def _missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI=true)")
    pytest.skip(message)


def _server_database(admin_url: str, what: str, driver: str, quote: str) -> Iterator[str]:
    if importlib.util.find_spec(driver) is None:
        _missing(f"{driver} is not installed, needed for {what}")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:
        admin.dispose()
        shown = sa.engine.make_url(admin_url).render_as_string(hide_password=True)
        _missing(f"{what} is not reachable at {shown}: {exc.__class__.__name__}")
    name = f"mamori_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        charset = " CHARACTER SET utf8mb4" if quote == "`" else ""
        conn.execute(sa.text(f"CREATE DATABASE {quote}{name}{quote}{charset}"))
    url = sa.engine.make_url(admin_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        force = " WITH (FORCE)" if quote == '"' else ""
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quote}{name}{quote}{force}"))
        admin.dispose()


def _sqlite_engine(path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA foreign_keys = ON")

    return engine


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        "mariadb",
    ]
)
def shop_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on a fresh, seeded shop database."""
    if request.param == "sqlite":
        engine = _sqlite_engine(tmp_path / "shop.db")
        shopdb.create(engine)
        yield engine
        engine.dispose()
        return
    if request.param == "postgresql":
        databases = _server_database(PG_ADMIN_URL, "PostgreSQL", "psycopg", '"')
    else:
        databases = _server_database(MYSQL_ADMIN_URL, "MariaDB", "pymysql", "`")
    url = next(databases)
    engine = sa.create_engine(url)
    try:
        shopdb.create(engine)
        yield engine
    finally:
        engine.dispose()
        next(databases, None)

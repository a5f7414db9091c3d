"""Shared fixtures: the example policy, a fixed clock, and databases to run the store on.

``database_url`` runs each store test on SQLite and on PostgreSQL. PostgreSQL tests create
their own database and drop it afterwards. Under ``CI=true`` an unreachable server is a
failure; elsewhere the test is skipped with a message naming what is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mamori.clock import FixedClock

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "meta-all-stars" / "policy.yaml"
JST = dt.timezone(dt.timedelta(hours=9))
PG_ADMIN_URL = os.environ.get(
    "MAMORI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def example_path() -> Path:
    return EXAMPLE


@pytest.fixture
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 11, 25, 10, 0, tzinfo=JST))


def _postgres_database() -> Iterator[str]:
    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)
    name = f"mamori_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mamori.db'}"
    else:
        yield from _postgres_database()

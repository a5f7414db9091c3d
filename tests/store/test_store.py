"""The store on SQLite and PostgreSQL: migrations, pragmas, and immutable tables."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from mamori.errors import SchemaOutdated, StoreError
from mamori.store import Store, migrate


def _insert_version(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO policy_versions (number, content_hash, effective_on, published_at,"
                " source_name, source, canonical) VALUES (1, :h, :d, :t, 'p.yaml', 'x', '{}')"
            ),
            {"h": "0" * 64, "d": dt.date(2026, 1, 1), "t": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
        )


def test_upgrade_brings_the_schema_to_head(database_url: str) -> None:
    store = Store(database_url)
    try:
        with pytest.raises(SchemaOutdated, match="revision none"):
            store.check_schema()
        store.upgrade()
        store.check_schema()
        store.upgrade()  # a second run changes nothing
        assert migrate.current(store.engine) == migrate.head()
        assert "policy_versions" in sa.inspect(store.engine).get_table_names()
    finally:
        store.close()


@pytest.mark.parametrize(
    "statement", ["UPDATE policy_versions SET source = 'y'", "DELETE FROM policy_versions"]
)
def test_published_versions_cannot_be_changed_or_deleted(database_url: str, statement: str) -> None:
    store = Store(database_url)
    try:
        store.upgrade()
        _insert_version(store)
        with (
            pytest.raises(DBAPIError, match=r"immutable|append-only"),
            store.engine.begin() as conn,
        ):
            conn.execute(sa.text(statement))
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT source FROM policy_versions")).scalar() == "x"
    finally:
        store.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    store = Store(f"sqlite:///{tmp_path}/sub/dir/m.db")
    try:
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        store.close()


def test_an_unusable_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match=r"not usable|cannot open"):
        Store("nosuchdb://x")

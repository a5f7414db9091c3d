"""``insert_rows`` stores exactly what a statement per row would: texts with any characters,
integers, NULLs and binary values (empty ones too), below and above the bulk threshold."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.store import Store
from mamori.store.bulk import insert_rows

COLUMNS = ("id", "label", "n", "data", "note")
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS bulk_probe")
        conn.exec_driver_sql(
            "CREATE TABLE bulk_probe (id INTEGER PRIMARY KEY, label TEXT NOT NULL, "
            "n BIGINT, data "
            + ("BYTEA" if store.dialect == "postgresql" else "BLOB")
            + " NOT NULL, note TEXT)"
        )
    yield store
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE bulk_probe")
    store.close()


def _read(store: Store) -> list[tuple[object, ...]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM bulk_probe ORDER BY id")).all()
    return [(r[0], r[1], r[2], bytes(r[3]), r[4]) for r in rows]


def _insert(store: Store, rows: list[tuple[object, ...]]) -> None:
    with store.transaction() as cur:
        insert_rows(cur, store.dialect, "bulk_probe", COLUMNS, rows, blobs=(3,))


@pytest.mark.parametrize("count", [1, 31, 32, 500])
def test_rows_come_back_as_they_went_in(store: Store, count: int) -> None:
    rows = [
        (
            i,
            f'名前 "{i}" \\ \n\t',
            None if i % 3 == 0 else i * 7 - 1000,
            os.urandom(i % 5 * 9) if i % 250 else b"",
            None if i % 2 else "注記",
        )
        for i in range(count)
    ]
    _insert(store, rows)
    assert _read(store) == rows


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(TEXT, st.integers(-(2**62), 2**62) | st.none(), st.binary(max_size=40)),
        min_size=32,
        max_size=80,
    )
)
def test_any_text_integer_and_bytes_survive_the_bulk_path(
    store: Store, values: list[tuple[str, int | None, bytes]]
) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM bulk_probe")
    rows = [(i, label, n, data, label or None) for i, (label, n, data) in enumerate(values)]
    _insert(store, rows)
    assert _read(store) == rows


def test_a_failing_batch_leaves_nothing(store: Store) -> None:
    rows = [(i, "x", i, b"\x00", None) for i in range(40)] + [(3, "duplicate", 0, b"", None)]
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        _insert(store, rows)
    assert _read(store) == []

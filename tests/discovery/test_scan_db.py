"""Database scans: a seeded schema on SQLite, PostgreSQL and MariaDB; exactly its personal
columns are found, sampling never reads more than N values per column, the data map is
compared, My Number columns alert the officer, and results are stored and audited without
a value."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.discovery.recognizers.my_number import my_number_check_digit
from mamori.discovery.scanners import (
    MY_NUMBER_ALERT,
    ScanInputError,
    ScanSourceError,
    scan_database,
)
from mamori.discovery.scanners.database import scan_engine
from mamori.discovery.scanners.service import detector
from mamori.policy.loader import parse_policy
from mamori.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "meta-all-stars" / "policy.yaml"
PG_ADMIN_URL = os.environ.get(
    "MAMORI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MYSQL_ADMIN_URL = os.environ.get(
    "MAMORI_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4"
)
KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

meta = sa.MetaData()
customers = sa.Table(
    "customers",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_no", sa.String(20), nullable=False),
    sa.Column("full_name", sa.String(100)),
    sa.Column("email", sa.String(255)),
    sa.Column("phone", sa.String(20)),
    sa.Column("mobile", sa.BigInteger),  # a phone number kept as a number
    sa.Column("my_number", sa.String(12)),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.DateTime),
    sa.Column("photo", sa.LargeBinary),
)
orders = sa.Table(
    "orders",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id")),
    sa.Column("order_no", sa.String(20), nullable=False),
    sa.Column("product_code", sa.String(20), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("total", sa.Numeric(10, 2), nullable=False),
    sa.Column("gift_message", sa.String(200)),
    sa.Column("created_on", sa.String(10)),  # a date kept as text
    sa.Column("created_at", sa.DateTime),
)
shipments = sa.Table(
    "shipments",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id")),
    sa.Column("postal_code", sa.String(8)),
    sa.Column("address", sa.String(200)),
    sa.Column("tracking_no", sa.String(20)),
    sa.Column("shipped", sa.Boolean),
)

PERSONAL = {
    ("customers", "full_name"): ("person_name", "name"),
    ("customers", "email"): ("email", "email"),
    ("customers", "phone"): ("jp_phone", "phone"),
    ("customers", "mobile"): ("jp_phone", "phone"),
    ("customers", "my_number"): ("my_number", None),
    ("shipments", "postal_code"): ("postal_code", "postal_address"),
    ("shipments", "address"): ("jp_address", "postal_address"),
}
NAMES = ["青木 アリス", "馬場 ボブ", "千葉 キャロル", "山田 太郎", "佐藤 花子"]
CITIES = ["東京都千代田区千代田1-1", "大阪府大阪市北区梅田3-3", "北海道札幌市中央区北1条4-4"]
ROWS = 30


def my_number(n: int) -> str:
    base = f"{n + 10_000_000_000:011d}"
    return base + str(my_number_check_digit(base))


def seed(engine: sa.Engine, rows: int = ROWS) -> None:
    meta.create_all(engine)
    at = dt.datetime(2024, 5, 1, 10, 0)
    with engine.begin() as conn:
        conn.execute(
            customers.insert(),
            [
                {
                    "id": i,
                    "customer_no": f"C-{i:06d}",
                    "full_name": NAMES[i % len(NAMES)],
                    "email": f"user{i}@example.jp",
                    "phone": f"090-{1000 + i:04d}-{2000 + i:04d}",
                    "mobile": 8011110000 + i,
                    "my_number": my_number(i),
                    "note": "VIP" if i % 3 else None,
                    "created_at": at,
                    "photo": b"\x89PNG",
                }
                for i in range(rows)
            ],
        )
        conn.execute(
            orders.insert(),
            [
                {
                    "id": i,
                    "customer_id": i,
                    "order_no": f"ORD-2024-{i:06d}",
                    "product_code": f"SKU-{i:05d}-A",
                    "quantity": i % 4 + 1,
                    "total": 1980 + i,
                    "gift_message": "お誕生日おめでとう" if i % 2 else "ありがとう",
                    "created_on": "2024-05-01",
                    "created_at": at,
                }
                for i in range(rows)
            ],
        )
        conn.execute(shipments.insert(), [
            {"id": i, "order_id": i, "postal_code": f"{100 + i:03d}-0001",
             "address": CITIES[i % len(CITIES)], "tracking_no": f"TRK{i:09d}", "shipped": True}
            for i in range(rows)
        ])  # fmt: skip


# databases to scan ------------------------------------------------------------------------


def _missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI=true)")
    pytest.skip(message)


def _server(admin_url: str, what: str, driver: str, quote: str) -> Iterator[str]:
    if importlib.util.find_spec(driver) is None:
        _missing(f"{driver} is not installed, needed for {what}")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:
        admin.dispose()
        _missing(f"{what} is not reachable: {exc.__class__.__name__}")
    name = f"mamori_scan_{uuid.uuid4().hex[:12]}"
    charset = " CHARACTER SET utf8mb4" if quote == "`" else ""
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {quote}{name}{quote}{charset}"))
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        force = " WITH (FORCE)" if quote == '"' else ""
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quote}{name}{quote}{force}"))
        admin.dispose()


def _target(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.db'}"
    elif kind == "postgresql":
        yield from _server(PG_ADMIN_URL, "PostgreSQL", "psycopg", '"')
    else:
        yield from _server(MYSQL_ADMIN_URL, "MariaDB", "pymysql", "`")


TARGETS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mysql),
]


@pytest.fixture(params=TARGETS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database of the kind, seeded."""
    for url in _target(request.param, tmp_path):
        engine = sa.create_engine(url)
        try:
            seed(engine)
        finally:
            engine.dispose()
        yield url


# the core ---------------------------------------------------------------------------------

SHOP_MAP = {
    "system": "Test shop",
    "engine": "sqlite",
    "purposes": ["sales"],
    "tables": {
        "customers": {
            "primary_key": ["id"],
            "identity": {"email": "email"},
            "columns": {"full_name": "name", "phone": "phone", "legacy_fax": "phone"},
        },
        "orders": {
            "primary_key": ["id"],
            "columns": {"gift_message": "message"},
            "references": [{"columns": ["customer_id"], "table": "customers", "to": ["id"]}],
        },
        "loyalty_cards": {
            "primary_key": ["id"],
            "columns": {"holder": "name"},
            "references": [{"columns": ["customer_id"], "table": "customers", "to": ["id"]}],
        },
    },
}
NEW_ITEMS = {
    "postal_address": {"label": {"ja": "住所", "en": "Postal address"}},
    "message": {"label": {"ja": "メッセージ", "en": "Messages"}},
}


def policy_text(datasets: dict[str, Any]) -> str:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["items"].update(NEW_ITEMS)
    data["purposes"]["sales"]["items"].extend(NEW_ITEMS)
    data["datasets"] = datasets
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def open_core(store_url: str, tmp_path: Path, clock: FixedClock, urls: dict[str, str]) -> Mamori:
    env = {
        "MAMORI_DATABASE_URL": store_url,
        "MAMORI_POLICY": str(EXAMPLE),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAMORI_DATASET_URLS": json.dumps(urls),
    }
    core = Mamori.open(Settings.load(env=env), clock=clock)
    core.publish(parse_policy(policy_text({"shop": SHOP_MAP})), effective=dt.date(2022, 3, 22))
    return core


@pytest.fixture
def core(tmp_path: Path, clock: FixedClock, target: str) -> Iterator[Mamori]:
    with open_core(f"sqlite:///{tmp_path / 'mamori.db'}", tmp_path, clock, {}) as core:
        yield core


# tests ------------------------------------------------------------------------------------


def test_finds_exactly_the_seeded_personal_columns(core: Mamori, target: str) -> None:
    record = core.scans.database(target, actor="cli:test", sample=50)
    result = record.result
    found = {(c.table, c.column): (c.entity, c.suggested_item) for c in result.personal}
    assert found == PERSONAL
    by_name = {(c.table, c.column): c for c in result.columns}
    phone = by_name[("customers", "phone")]
    assert (phone.sampled, phone.matched) == (ROWS, ROWS)
    assert phone.share == 1.0
    assert phone.examples and all("*" in e for e in phone.examples)
    assert not any(
        f"{1000 + i:04d}-{2000 + i:04d}" in e for e in phone.examples for i in range(ROWS)
    )
    assert by_name[("customers", "mobile")].examples[0].startswith("0")  # its zero put back
    assert by_name[("customers", "my_number")].examples == ()  # not even masked
    # not personal: ids, codes, order numbers, dates, amounts, free text without any
    for key in [("customers", "customer_no"), ("orders", "order_no"), ("orders", "product_code"),
                ("orders", "created_on"), ("customers", "note"), ("shipments", "tracking_no"),
                ("orders", "gift_message"), ("customers", "id")]:  # fmt: skip
        assert not by_name[key].personal, key
        assert by_name[key].matched == 0, key
    assert by_name[("customers", "note")].sampled == 20  # NULLs are not values
    skipped = {k: c.skipped for k, c in by_name.items() if c.skipped}
    assert skipped == {
        ("customers", "created_at"): "date",
        ("customers", "photo"): "binary",
        ("orders", "created_at"): "date",
        ("orders", "total"): "fraction",
        # MariaDB keeps a boolean as TINYINT: a number too small to be an identifier
        ("shipments", "shipped"): "small_number" if "mysql" in target else "boolean",
    }
    assert result.source == target  # no password to remove here; see the unreachable test


def test_sampling_reads_at_most_n_values_per_column(tmp_path: Path, target: str) -> None:
    engine = sa.create_engine(target)
    big = sa.Table(
        "events",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("contact", sa.String(40)),
        sa.Column("ref", sa.String(20)),
    )
    big.create(engine)
    with engine.begin() as conn:
        conn.execute(
            big.insert(),
            [{"id": i, "contact": f"u{i}@example.jp", "ref": f"R{i}"} for i in range(1, 5001)],
        )
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE events")
    seen: list[tuple[str, Any, int]] = []

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _seen(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if "events" in statement:
            seen.append((statement, params, cursor.rowcount))

    detect = detector(None, 0.5)
    try:
        reports = scan_engine(engine, detect, {}, sample=40, min_share=0.1)
    finally:
        engine.dispose()
    events = {c.column: c for c in reports if c.table == "events"}
    assert {n: c.sampled for n, c in events.items()} == {"id": 40, "contact": 40, "ref": 40}
    assert events["contact"].personal and events["contact"].matched == 40
    selects = [s for s in seen if s[0].lstrip().upper().startswith("SELECT")]
    assert len(selects) >= 3
    for statement, params, rowcount in selects:
        assert "LIMIT" in statement.upper()
        values = params.values() if isinstance(params, dict) else params
        assert 40 in list(values), (statement, params)
        if rowcount is not None and rowcount >= 0:
            assert rowcount <= 40
    if target.startswith("postgresql"):
        assert any("TABLESAMPLE" in s[0].upper() for s in selects)


def test_compare_lists_undeclared_and_declared_but_empty_columns(
    tmp_path: Path, clock: FixedClock, target: str
) -> None:
    store = f"sqlite:///{tmp_path / 'm2.db'}"
    with open_core(store, tmp_path, clock, {"shop": target}) as core:
        record = core.scans.database(target, actor="cli:test", compare_map=True, sample=50)
        again = core.scans.get(record.id)
    for result in (record.result, again.result):
        comparison = result.comparison
        assert comparison is not None and comparison.dataset == "shop"
        assert {(c.table, c.column) for c in comparison.undeclared} == {
            ("customers", "mobile"),
            ("customers", "my_number"),
            ("shipments", "postal_code"),
            ("shipments", "address"),
        }
        assert {(d.table, d.column, d.item, d.reason) for d in comparison.declared_empty} == {
            ("customers", "legacy_fax", "phone", "no_column"),
            ("orders", "gift_message", "message", "not_found"),
            ("loyalty_cards", "holder", "name", "no_table"),
        }
        declared = {(c.table, c.column): c.declared_item for c in result.columns if c.declared}
        assert declared == {
            ("customers", "email"): "email",
            ("customers", "full_name"): "name",
            ("customers", "phone"): "phone",
            ("orders", "gift_message"): "message",
        }
        assert all(c.declared is not None for c in result.columns)


def test_compare_needs_a_dataset_for_the_url(tmp_path: Path, clock: FixedClock) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = sa.create_engine(url)
    seed(engine, rows=3)
    engine.dispose()
    with open_core(f"sqlite:///{tmp_path / 'm.db'}", tmp_path, clock, {}) as core:
        with pytest.raises(ScanInputError, match="no dataset of the policy has this"):
            core.scans.database(url, actor="t", compare_map=True)
        with pytest.raises(ScanInputError, match="no dataset 'nope'"):
            core.scans.database(url, actor="t", dataset="nope")
        assert core.scans.list() == []  # nothing stored
        named = core.scans.database(url, actor="t", dataset="shop")
        assert named.result.comparison is not None
        assert named.result.comparison.dataset == "shop"


def test_a_my_number_column_alerts_the_officer_without_its_values(
    core: Mamori, target: str
) -> None:
    record = core.scans.database(target, actor="cli:test", sample=10)
    alerts = core.alerts.list(kind=MY_NUMBER_ALERT)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.detail["table"] == "customers"
    assert alert.detail["column"] == "my_number"
    assert alert.detail["share"] == 1.0
    assert alert.detail["scan"] == record.id
    assert alert.detail["source"] == target
    shown = json.dumps(alert.detail, ensure_ascii=False) + alert.summary
    assert not any(my_number(i) in shown for i in range(ROWS))


def test_records_are_stored_listed_and_audited_without_values(
    database_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    seed(engine, rows=5)
    engine.dispose()
    with open_core(database_url, tmp_path, clock, {"shop": url}) as core:
        first = core.scans.database(url, actor="cli:alice", sample=5)
        clock.advance(dt.timedelta(minutes=1))
        second = core.scans.database(url, actor="cli:bob", compare_map=True)
        listed = core.scans.list()
        assert [s.id for s in listed] == [second.id, first.id]
        assert listed[0].undeclared == 4 and listed[1].undeclared is None
        assert listed[0].personal == len(PERSONAL) and listed[0].source == url
        shown = core.scans.get(second.id)
        assert shown.to_dict() == second.to_dict()
        assert shown.actor == "cli:bob" and shown.at == clock.now()
        entries = [e for e in core.audit.tail(50) if e.action == "discovery_scan"]
        assert [e.detail["scan"] for e in entries] == [first.id, second.id]
        assert entries[1].detail["dataset"] == "shop"
        assert entries[1].detail["undeclared"] == 4
        assert set(entries[1].items) == {"email", "name", "phone", "postal_address"}
        with core.store.engine.connect() as conn:
            stored = " ".join(
                str(row)
                for name in ("scans", "scan_columns", "audit_log")
                for row in conn.execute(sa.text(f"SELECT * FROM {name}"))
            )
        for i in range(5):
            assert f"user{i}@example.jp" not in stored
            assert my_number(i) not in stored
            assert f"{1000 + i:04d}-{2000 + i:04d}" not in stored
        with pytest.raises(Exception, match="no scan 'sc_missing'"):
            core.scans.get("sc_missing")


def test_bad_urls_and_unreachable_databases_store_nothing(
    tmp_path: Path, clock: FixedClock
) -> None:
    with open_core(f"sqlite:///{tmp_path / 'm.db'}", tmp_path, clock, {}) as core:
        with pytest.raises(ScanInputError, match="not a database URL"):
            core.scans.database("not a url", actor="t")
        with pytest.raises(ScanInputError, match="no SQLite database at"):
            core.scans.database(f"sqlite:///{tmp_path / 'absent.db'}", actor="t")
        assert not (tmp_path / "absent.db").exists()
        with pytest.raises(ScanSourceError) as caught:
            core.scans.database("postgresql+psycopg://u:s3cret@127.0.0.1:9/x", actor="t")
        assert "s3cret" not in caught.value.message
        assert "127.0.0.1:9/x" in caught.value.message
        with pytest.raises(ScanInputError, match="--sample must be at least 1"):
            scan_database(f"sqlite:///{tmp_path / 'm.db'}", detector(None, 0.5), {},
                          sample=0, min_share=0.1)  # fmt: skip
        assert core.scans.list() == []


def test_the_migration_goes_down_and_up_again(database_url: str) -> None:
    from alembic import command

    from mamori.store import migrate

    engine = sa.create_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert {"scans", "scan_columns"} <= set(sa.inspect(engine).get_table_names())
        config = migrate._config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0009")
        tables = set(sa.inspect(engine).get_table_names())
        assert "scans" not in tables and "scan_columns" not in tables
        assert migrate.current(engine) == "0009"
        migrate.upgrade(engine)
        assert {"scans", "scan_columns"} <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()

"""Disclosure and erasure requests through a connector, against a naive baseline.

On PostgreSQL: a shop database made for the run (and dropped after it) with N customers and
about 10.6 related rows each (2 addresses, 2 orders of 2 items, a card, a login, a ticket
for every second customer, a return for every tenth), generated server-side with
generate_series, indexed on every identity and reference column. Then, for random customers:

- disclosure latency (find + disclose) of the connector, batched ``IN`` queries per table
  and link, vs a naive baseline: the same traversal with one SELECT per parent row per link;
- erasure latency (one transaction each) of the connector vs the same naive reads followed
  by one UPDATE or DELETE per row;
- disclosures/s with 1 and with 4 concurrent workers (threads, each on its own pooled
  connection).

    python bench/request_desk.py [--customers N] [--samples N] [--erasures N] [--url ADMIN_URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from mamori.connectors import Connector, Plan, mask_value
from mamori.policy.model import Dataset

# The shop's data map is the one the connector tests run against (tests/connectors/shopdb.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.connectors.shopdb import SHOP_MAP

MASK_KEY = b"bench-mask-key-0123456789abcdef"

SCHEMA = """
CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(255) NOT NULL,
  full_name varchar(100), phone varchar(20), default_address_id bigint, created_on date);
CREATE TABLE addresses (id bigint PRIMARY KEY, customer_id bigint NOT NULL,
  recipient varchar(100), postal_code varchar(8), line1 varchar(200));
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, shipping_address_id bigint,
  contact_email varchar(255), total int NOT NULL);
CREATE TABLE order_items (order_id bigint NOT NULL, line_no int NOT NULL,
  sku varchar(20) NOT NULL, quantity int NOT NULL, gift_message varchar(200),
  PRIMARY KEY (order_id, line_no));
CREATE TABLE order_returns (id bigint PRIMARY KEY, order_id bigint NOT NULL,
  line_no int NOT NULL, reason text);
CREATE TABLE payment_cards (id bigint PRIMARY KEY, customer_id bigint NOT NULL,
  billing_address_id bigint, holder_name varchar(100), last4 varchar(4));
CREATE TABLE logins (id bigint PRIMARY KEY, customer_id bigint, email varchar(255),
  ip varchar(45), succeeded boolean NOT NULL);
CREATE TABLE support_tickets (id bigint PRIMARY KEY, subject_id varchar(40),
  email varchar(255), customer_id bigint, order_id bigint, body text,
  status varchar(10) NOT NULL)
"""

DATA = """
INSERT INTO customers SELECT i, 'user' || i || '@example.jp', '山田 太郎' || i,
  '090' || lpad((i % 100000000)::text, 8, '0'), 2 * i - 1, date '2024-01-01'
  FROM generate_series(1, :n) i;
INSERT INTO addresses SELECT a, (a + 1) / 2, '山田 太郎' || ((a + 1) / 2), '100-0001',
  '東京都千代田区' || a FROM generate_series(1, 2 * :n) a;
INSERT INTO orders SELECT o, (o + 1) / 2, o, 'user' || ((o + 1) / 2) || '@example.jp',
  1000 + o % 5000 FROM generate_series(1, 2 * :n) o;
INSERT INTO order_items SELECT o, l, 'SKU-' || (o % 1000), l,
  CASE WHEN o % 7 = 0 THEN 'おめでとう' END
  FROM generate_series(1, 2 * :n) o, generate_series(1, 2) l;
INSERT INTO order_returns SELECT c, 2 * c - 1, 1, 'サイズ違い'
  FROM generate_series(10, :n, 10) c;
INSERT INTO payment_cards SELECT c, c, 2 * c - 1, 'TARO YAMADA', lpad((c % 10000)::text, 4, '0')
  FROM generate_series(1, :n) c;
INSERT INTO logins SELECT c, c, 'user' || c || '@example.jp', '203.0.113.' || (c % 255), true
  FROM generate_series(1, :n) c;
INSERT INTO support_tickets SELECT c, 'subj-' || c, 'user' || c || '@example.jp', c, 2 * c,
  '届きません', 'open' FROM generate_series(2, :n, 2) c
"""

INDEXES = """
CREATE INDEX ON customers (lower(email));
CREATE INDEX ON customers (default_address_id);
CREATE INDEX ON addresses (customer_id);
CREATE INDEX ON orders (customer_id);
CREATE INDEX ON orders (shipping_address_id);
CREATE INDEX ON order_returns (order_id, line_no);
CREATE INDEX ON payment_cards (customer_id);
CREATE INDEX ON payment_cards (billing_address_id);
CREATE INDEX ON logins (lower(email));
CREATE INDEX ON logins (customer_id);
CREATE INDEX ON support_tickets (lower(email));
CREATE INDEX ON support_tickets (subject_id);
CREATE INDEX ON support_tickets (customer_id);
CREATE INDEX ON support_tickets (order_id)
"""


def _foreign_keys(dataset: Dataset) -> list[str]:
    """The references as foreign keys, NOT VALID (checked for changes, no initial scan)."""
    out = []
    for name, table in dataset.tables.items():
        for n, ref in enumerate(table.references):
            out.append(
                f"ALTER TABLE {name} ADD CONSTRAINT fk_{name}_{n} FOREIGN KEY "
                f"({', '.join(ref.columns)}) REFERENCES {ref.table} ({', '.join(ref.to)}) "
                "NOT VALID"
            )
    return out


def _statements(text: str) -> list[str]:
    return [s.strip() for s in text.split(";") if s.strip()]


def load(engine: sa.Engine, dataset: Dataset, n: int) -> tuple[float, int]:
    """Create and fill the shop; seconds taken and related rows made."""
    start = time.perf_counter()
    with engine.begin() as conn:
        for statement in _statements(SCHEMA):
            conn.execute(sa.text(statement))
        for statement in _statements(DATA):
            conn.execute(sa.text(statement), {"n": n})
    with engine.begin() as conn:
        for statement in [*_statements(INDEXES), *_foreign_keys(dataset)]:
            conn.execute(sa.text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
        related = conn.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM addresses) + (SELECT count(*) FROM orders)"
                " + (SELECT count(*) FROM order_items) + (SELECT count(*) FROM order_returns)"
                " + (SELECT count(*) FROM payment_cards) + (SELECT count(*) FROM logins)"
                " + (SELECT count(*) FROM support_tickets)"
            )
        ).scalar_one()
    return time.perf_counter() - start, int(related)


# -- the naive baseline: the same traversal, one SELECT per parent row per link -----------


def naive_find(conn: sa.Connection, plan: Plan, email: str) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for step in plan.steps:
        found: dict[tuple[Any, ...], dict[str, Any]] = {}
        columns = ", ".join(step.read)

        def add(
            result: sa.CursorResult[Any],
            pk: tuple[str, ...] = step.primary_key,
            found: dict[tuple[Any, ...], dict[str, Any]] = found,
        ) -> None:
            for row in result.mappings():
                found[tuple(row[c] for c in pk)] = dict(row)

        for column, _item in step.identity:
            query = sa.text(f"SELECT {columns} FROM {step.table} WHERE lower({column}) = :v")
            add(conn.execute(query, {"v": email}))
        for link in step.links:
            where = " AND ".join(f"{c} = :p{n}" for n, c in enumerate(link.columns))
            query = sa.text(f"SELECT {columns} FROM {step.table} WHERE {where}")
            for parent in rows[link.source]:
                values = [parent[c] for c in link.source_columns]
                if None not in values:
                    add(conn.execute(query, {f"p{n}": v for n, v in enumerate(values)}))
        rows[step.table] = list(found.values())
    return rows


def naive_erase(engine: sa.Engine, plan: Plan, email: str) -> None:
    with engine.begin() as conn:
        rows = naive_find(conn, plan, email)

        def by_key(table: str, row: dict[str, Any], sets: str, params: dict[str, Any]) -> None:
            pk = plan.step(table).primary_key
            where = " AND ".join(f"{c} = :k{n}" for n, c in enumerate(pk))
            keys = {f"k{n}": row[c] for n, c in enumerate(pk)}
            verb = f"UPDATE {table} SET {sets}" if sets else f"DELETE FROM {table}"
            conn.execute(sa.text(f"{verb} WHERE {where}"), {**keys, **params})

        for detach in plan.detach:
            gone = {tuple(r[c] for c in detach.to) for r in rows[detach.target]}
            for row in rows[detach.table]:
                if tuple(row[c] for c in detach.columns) in gone:
                    by_key(detach.table, row, ", ".join(f"{c} = NULL" for c in detach.columns), {})
        for table in plan.erase_order:
            step = plan.step(table)
            for row in rows[table]:
                if step.action == "update":
                    sets = [f"{c} = NULL" for c in step.nulls]
                    params = {}
                    for n, c in enumerate(step.masks):
                        length = 45 if c == "ip" else None
                        sets.append(f"{c} = :m{n}")
                        params[f"m{n}"] = mask_value(MASK_KEY, str(row[c]), length)
                    by_key(table, row, ", ".join(sets), params)
        for table in plan.erase_order:
            if plan.step(table).action == "delete":
                for row in rows[table]:
                    by_key(table, row, "", {})


# -- measuring ----------------------------------------------------------------------------


def timed(run: Callable[[int], object], ids: list[int]) -> list[float]:
    out = []
    for i in ids:
        start = time.perf_counter()
        run(i)
        out.append(time.perf_counter() - start)
    return out


def milli(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return f"median {statistics.median(ordered) * 1e3:6.2f} ms  p99 {p99 * 1e3:6.2f} ms"


def throughput(shop: Connector, n: int, workers: int, seconds: float) -> float:
    done = [0] * workers
    stop = time.perf_counter() + seconds

    def work(slot: int) -> None:
        rng = random.Random(slot)
        while time.perf_counter() < stop:
            shop.disclose({"email": [f"user{rng.randint(1, n)}@example.jp"]})
            done[slot] += 1

    threads = [threading.Thread(target=work, args=(s,)) for s in range(workers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - start)


def count_queries(engine: sa.Engine, run: Callable[[], object]) -> int:
    seen = [0]

    def counter(*_: Any) -> None:
        seen[0] += 1

    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    return seen[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=500, help="disclosures timed")
    parser.add_argument("--erasures", type=int, default=200, help="erasures timed (each way)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per throughput run")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="admin URL of the PostgreSQL server (a database is created and dropped)",
    )
    args = parser.parse_args()
    n = args.customers
    dataset = Dataset.model_validate(yaml.safe_load(SHOP_MAP)["shop"])
    admin = sa.create_engine(args.url, isolation_level="AUTOCOMMIT")
    name = f"mamori_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(args.url).set(database=name)
    engine = sa.create_engine(url, pool_size=args.workers + 1)
    try:
        seconds, related = load(engine, dataset, n)
        print(
            f"data       {n:,} customers, {related:,} related rows "
            f"({related / n:.1f} each), loaded and indexed in {seconds:.1f} s"
        )
        shop = Connector("shop", dataset, engine, MASK_KEY)
        plan = shop.plan
        rng = random.Random(7)
        picked = rng.sample(range(1, n + 1), args.samples + 2 * args.erasures)
        reads, erase_ours, erase_naive = (
            picked[: args.samples],
            picked[args.samples : args.samples + args.erasures],
            picked[args.samples + args.erasures :],
        )

        def email(i: int) -> str:
            return f"user{i}@example.jp"

        def ours(i: int) -> dict[str, list[dict[str, Any]]]:
            return shop.disclose({"email": [email(i)]})

        def naive(i: int) -> dict[str, list[dict[str, Any]]]:
            with engine.connect() as conn:
                return naive_find(conn, plan, email(i))

        sample = reads[0]
        assert sum(map(len, ours(sample).values())) == sum(map(len, naive(sample).values()))
        q_ours = count_queries(engine, lambda: ours(sample))
        q_naive = count_queries(engine, lambda: naive(sample))
        timed(ours, reads[:50])  # warm up
        timed(naive, reads[:50])
        base = timed(naive, reads)
        used = timed(ours, reads)
        print(
            f"disclose   naive {milli(base)} ({q_naive} queries)   "
            f"mamori {milli(used)} ({q_ours} queries)   "
            f"ratio {statistics.median(used) / statistics.median(base):5.2f}x"
        )
        base = timed(lambda i: naive_erase(engine, plan, email(i)), erase_naive)
        done = timed(lambda i: shop.erase({"email": [email(i)]}), erase_ours)
        print(
            f"erase      naive {milli(base)}   mamori {milli(done)}   "
            f"ratio {statistics.median(done) / statistics.median(base):5.2f}x"
        )
        one = throughput(shop, n, 1, args.seconds)
        many = throughput(shop, n, args.workers, args.seconds)
        print(
            f"throughput 1 worker {one:8,.0f} disclosures/s   "
            f"{args.workers} workers {many:8,.0f} disclosures/s   ({many / one:4.2f}x)"
        )
        median = statistics.median(used) * 1e3
        print(
            f"goal       disclosure median {median:.2f} ms (≤ 50 ms: "
            f"{'met' if median <= 50 else 'MISSED'}), {many:,.0f} disclosures/s with "
            f"{args.workers} workers (≥ 100/s: {'met' if many >= 100 else 'MISSED'})"
        )
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()

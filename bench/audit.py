"""What the audit chain costs: appending (hash, head lock, bulk insert) and verifying.

Baselines, in the same run, on the same schema (fresh SQLite files made by the migrations):

- append: plain SQLAlchemy Core ``executemany`` of the same rows (seq, hash, canonical) in
  batches of the same size, each batch its own transaction: no hashing, no head row; and
  the same rows as tuples straight to the driver (what SQLite itself costs);
- verify: a plain SELECT of those columns over the whole table through SQLAlchemy Core, and
  the same through the raw DBAPI cursor (``fetchmany``): reading without checking anything.

mamori's verify recomputes every hash (chain only, and again with a signed checkpoint over
everything, which adds the RFC 6962 Merkle tree); "auto" uses one process per CPU.

    python bench/audit.py [--entries N] [--batch B] [--dir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mamori.audit import AuditEvent, AuditLog, format_at
from mamori.clock import FixedClock
from mamori.store import Store
from mamori.store.tables import AuditEntryRow

CLOCK = FixedClock(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC))
ACTIONS = ("collect", "use", "use", "use", "deny", "correct")


def events(first: int, count: int) -> list[AuditEvent]:
    """Realistic entries: staff ids, opaque subject ids, purposes, items, reason codes."""
    return [
        AuditEvent(
            actor=f"staff:{i % 37}",
            action=ACTIONS[i % len(ACTIONS)],
            subject=f"s_{(i * 7919) % 200_003:08x}",
            purpose=("sales", "support", "billing")[i % 3],
            items=("name", "email", "phone")[: 1 + i % 3],
            detail={"role": "support", "request": f"r-{i // 3}", "reasons": ["ok"]},
        )
        for i in range(first, first + count)
    ]


def batches(entries: int, batch: int) -> Iterator[tuple[int, list[AuditEvent]]]:
    for first in range(1, entries + 1, batch):
        yield first, events(first, min(batch, entries - first + 1))


def fresh_store(directory: Path, name: str) -> Store:
    path = directory / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    return store


def append_baseline(store: Store, entries: int, batch: int, *, dbapi: bool = False) -> float:
    """Insert the rows mamori would write, without hashing while timed and without the
    head row: through SQLAlchemy Core (dicts), or as tuples straight to the driver."""
    table = AuditEntryRow.__table__
    insert = "INSERT INTO audit_log (seq, hash, canonical) VALUES (?, ?, ?)"
    at = format_at(CLOCK.now())
    prev, spent = bytes(32), 0.0
    for first, chunk in batches(entries, batch):
        rows = []
        for seq, event in enumerate(chunk, first):
            canonical = event.canonical(seq, at)
            prev = hashlib.sha256(prev + canonical).digest()
            rows.append((seq, prev, canonical))
        start = time.perf_counter()
        with store.engine.begin() as conn:
            if dbapi:
                conn.exec_driver_sql(insert, rows)
            else:
                conn.execute(sa.insert(table), [dict(zip(_COLUMNS, r, strict=True)) for r in rows])
        spent += time.perf_counter() - start
    return spent


_COLUMNS = ("seq", "hash", "canonical")


def append_mamori(store: Store, entries: int, batch: int) -> tuple[float, float]:
    log = AuditLog(store, CLOCK)
    spent = making = 0.0
    for first in range(1, entries + 1, batch):
        start = time.perf_counter()
        chunk = events(first, min(batch, entries - first + 1))
        made = time.perf_counter()
        with store.engine.begin() as conn:
            log.append(conn, chunk)
        spent += time.perf_counter() - made
        making += made - start
    return spent, making


def scan_core(store: Store) -> float:
    table = AuditEntryRow.__table__
    start = time.perf_counter()
    with store.engine.connect() as conn:
        query = sa.select(table.c.seq, table.c.hash, table.c.canonical).order_by(table.c.seq)
        for _ in conn.execute(query):
            pass
    return time.perf_counter() - start


def scan_dbapi(store: Store) -> float:
    start = time.perf_counter()
    with store.engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("SELECT seq, hash, canonical FROM audit_log ORDER BY seq")
        while cursor.fetchmany(65536):
            pass
        cursor.close()
    return time.perf_counter() - start


def timed_verify(log: AuditLog, entries: int, **options: object) -> Callable[[], float]:
    def run() -> float:
        report = log.verify(**options)  # type: ignore[arg-type]
        assert report.ok, report
        assert report.entries_checked >= entries, report
        return report.seconds

    return run


def best(fn: Callable[[], float], rounds: int) -> float:
    return min(fn() for _ in range(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="Verify runs; the best counts.")
    parser.add_argument("--dir", type=Path, default=None, help="Where the SQLite files go.")
    args = parser.parse_args()
    n = args.entries
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        directory = Path(tmp)
        raw_store = fresh_store(directory, "dbapi")
        base_store, store = fresh_store(directory, "baseline"), fresh_store(directory, "mamori")
        try:
            raw_append = append_baseline(raw_store, n, args.batch, dbapi=True)
            raw_store.close()
            base_append = append_baseline(base_store, n, args.batch)
            ours_append, making = append_mamori(store, n, args.batch)
            with base_store.engine.connect() as a, store.engine.connect() as b:
                query = "SELECT hash FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)"
                same = a.exec_driver_sql(query).scalar() == b.exec_driver_sql(query).scalar()
                assert same, "the baseline did not write the same rows"
            log = AuditLog(store, CLOCK)
            core_scan = best(lambda: scan_core(store), args.rounds)
            raw_scan = best(lambda: scan_dbapi(store), args.rounds)
            auto = best(timed_verify(log, n), args.rounds)
            single = best(timed_verify(log, n, workers=1), args.rounds)
            log.checkpoint(Ed25519PrivateKey.generate(), "bench")
            with_checkpoint = best(timed_verify(log, n), args.rounds)
        finally:
            base_store.close()
            store.close()

    cpus = os.cpu_count() or 1
    print(f"{n:,} entries, batches of {args.batch}, SQLite, {cpus} CPUs")
    print(f"making the events (the caller's cost): {n / making:,.0f} events/s\n")
    header = f"{'case':44} {'baseline s':>10} {'mamori s':>9} {'base /s':>10} {'mamori /s':>10}"
    print(header + f" {'ratio':>6}")
    cases = [
        ("append (Core executemany, no hash)", base_append, ours_append),
        ("append (DBAPI executemany, no hash)", raw_append, ours_append),
        ("verify chain, auto processes (Core SELECT)", core_scan, auto),
        ("verify chain, 1 process (Core SELECT)", core_scan, single),
        ("verify chain, auto processes (DBAPI fetch)", raw_scan, auto),
        ("verify + checkpoint root (DBAPI fetch)", raw_scan, with_checkpoint),
    ]
    for name, base, ours in cases:
        print(
            f"{name:44} {base:10.2f} {ours:9.2f} {n / base:10,.0f} {n / ours:10,.0f}"
            f" {ours / base:5.2f}x"
        )


if __name__ == "__main__":
    main()

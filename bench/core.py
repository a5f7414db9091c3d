"""The protected core against plain SQL, in the same run.

- import: items/s through ``Vault.collect_many`` (normalise, encrypt per field, blind
  index, one audit entry per subject) vs a plain SQLAlchemy Core insert of the same
  plaintext rows, and (SQLite) vs the storage floor: the same rows mamori writes, with
  random bytes for ciphertexts, through the same statements;
- use: latency of ``Vault.use`` of 6 items (decision, decrypt, audit entry) vs a plain
  indexed SELECT of the same row;
- use_many: items/s streamed with one decision and one audit entry per subject;
- rotation: seconds to rewrap every data key under a new KEK while reads continue.

Each run starts from new files; with ``--runs`` > 1 the last lines give the median of each
figure over the runs (the machine may be shared: compare figures of one run, and medians).

    python bench/core.py [--subjects N] [--uses N] [--runs N] [--rotate N] [--url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from mamori.access import Actor
from mamori.audit._log import _COLUMNS as AUDIT_COLUMNS
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.keys import LocalKeyring
from mamori.settings import Settings
from mamori.store.bulk import insert_rows
from mamori.vault.vault import _INDEXES as INDEX_COLUMNS
from mamori.vault.vault import _SUBJECTS as SUBJECT_COLUMNS
from mamori.vault.vault import new_subject_ids

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "meta-all-stars" / "policy.yaml"
OFFICER = Actor("bench", "officer")
ITEMS = ["name", "email", "phone", "birth_date", "device_info", "device_token"]


def person(i: int) -> dict[str, str]:
    return {
        "name": f"山田 太郎{i}",
        "email": f"user{i}@example.jp",
        "phone": f"090{i % 100_000_000:08d}",
        "birth_date": f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}",
        "device_info": f"iPhone15,{i % 9} iOS 18.{i % 5}",
        "device_token": f"{i:064x}",
    }


def open_core(url: str, key_file: Path) -> Mamori:
    """A core on ``url`` with a fresh keyring file (rotation needs one, not MAMORI_KEK)."""
    if not key_file.exists():
        LocalKeyring.create(key_file)
    env = {
        "MAMORI_DATABASE_URL": url,
        "MAMORI_POLICY": str(EXAMPLE),
        "MAMORI_KEY_FILE": str(key_file),
    }
    clock = FixedClock(dt.datetime(2026, 11, 25, 1, tzinfo=dt.UTC))
    core = Mamori.open(Settings.load(env=env), clock=clock)
    if core.versions.latest() is None:
        core.versions.publish(core.policy, effective=dt.date(2022, 3, 22))
    return core


def plain_table(engine: sa.Engine) -> sa.Table:
    meta = sa.MetaData()
    table = sa.Table(
        "bench_plain",
        meta,
        sa.Column("subject_id", sa.String(40), primary_key=True),
        *(sa.Column(item, sa.Text) for item in ITEMS),
    )
    meta.drop_all(engine)
    meta.create_all(engine)
    return table


def bench_import(core: Mamori, n: int) -> tuple[float, float, list[str]]:
    people = [person(i) for i in range(n)]
    table = plain_table(core.store.engine)
    start = time.perf_counter()
    with core.store.engine.begin() as conn:
        for at in range(0, n, 1000):
            rows = [{"subject_id": f"p{i}", **people[i]} for i in range(at, min(n, at + 1000))]
            conn.execute(sa.insert(table), rows)
    plain = n * len(ITEMS) / (time.perf_counter() - start)
    start = time.perf_counter()
    ids = [
        r.subject  # type: ignore[union-attr]
        for r in core.vault.collect_many(((None, p) for p in people), "account_admin", OFFICER, "b")
    ]
    ours = n * len(ITEMS) / (time.perf_counter() - start)
    return plain, ours, ids


def bench_storage_floor(url: str, key_file: Path, n: int) -> float:
    """What writing mamori's rows costs alone: the rows ``collect`` writes for ``n`` new
    subjects (the subject row with its wrapped key, ledger and 6 sealed values, 3 blind
    indexes, 1 audit entry each), with random bytes of the same sizes in place of
    ciphertexts and digests, through the same bulk statements and batches, in the same
    order, into a fresh database of the same schema: no normalising, no cryptography, no
    hashing. (Random bytes are drawn outside the transactions but inside the timing.)"""
    with open_core(url, key_file) as core:
        dialect = core.store.dialect
        ts = core.store.timestamp(core.clock.now())
        ledger = json.dumps({i: [1, "account_admin", ts] for i in ITEMS}, separators=(",", ":"))
        ids = new_subject_ids(n)
        rows = [(sid, os.urandom(8), os.urandom(61), os.urandom(330)) for sid in ids]
        start = time.perf_counter()
        seq = 0
        for at in range(0, n, 5000):
            chunk = sorted(rows[at : at + 5000])
            subjects = [
                (sid, ts, "b", kid, "k", w, ledger, sealed) for sid, kid, w, sealed in chunk
            ]
            index = sorted(
                (item, os.urandom(32), row[0])
                for row in chunk
                for item in ("email", "phone", "device_token")
            )
            audit = []
            for _ in chunk:
                seq += 1
                audit.append(
                    (seq, os.urandom(32), b'{"detail":"%s"}' % os.urandom(140).hex().encode())
                )
            # the vault's own columns and bulk statements (mamori.store.bulk)
            with core.store.transaction() as cur:
                insert_rows(cur, dialect, "subjects", SUBJECT_COLUMNS, subjects, blobs=(3, 5, 7))
                insert_rows(cur, dialect, "blind_indexes", INDEX_COLUMNS, index, blobs=(1,))
                insert_rows(cur, dialect, "audit_log", AUDIT_COLUMNS, audit, blobs=(1, 2))
        return n * len(ITEMS) / (time.perf_counter() - start)


def bench_use(core: Mamori, ids: list[str], uses: int) -> tuple[list[float], list[float]]:
    """Baseline: the same row by primary key, on the same DBAPI path the vault uses."""
    mark = "?" if core.store.dialect == "sqlite" else "%s"
    select = f"SELECT * FROM bench_plain WHERE subject_id = {mark}"
    plain: list[float] = []
    for i in range(uses):
        start = time.perf_counter()
        with core.store.transaction(write=False) as cur:
            cur.execute(select, (f"p{i % len(ids)}",))
            cur.fetchone()
        plain.append(time.perf_counter() - start)
    ours: list[float] = []
    for i in range(uses):
        start = time.perf_counter()
        core.vault.use(ids[i % len(ids)], ITEMS, "account_admin", OFFICER)
        ours.append(time.perf_counter() - start)
    return plain, ours


def bench_use_many(core: Mamori, ids: list[str]) -> float:
    start = time.perf_counter()
    count = sum(len(u.values) for u in core.vault.use_many(ids, ITEMS, "account_admin", OFFICER))
    return count / (time.perf_counter() - start)


def bench_rotation(core: Mamori, ids: list[str]) -> tuple[float, int, int]:
    reads = failures = 0
    stop = threading.Event()

    def reader() -> None:
        nonlocal reads, failures
        while not stop.is_set():
            try:
                core.vault.use(ids[reads % len(ids)], ["name"], "account_admin", OFFICER)
                core.keys.forget(ids[reads % len(ids)])
                reads += 1
            except Exception:
                failures += 1

    thread = threading.Thread(target=reader)
    thread.start()
    report = core.keys.rotate(batch_size=5000)
    stop.set()
    thread.join()
    return report.seconds, reads, failures


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(len(ordered) * 0.99) - 1]


def micro(samples: list[float]) -> str:
    median = statistics.median(samples)
    return f"median {median * 1e6:7.1f} µs  p99 {p99(samples) * 1e6:7.1f} µs"


def run(args: argparse.Namespace) -> dict[str, float]:
    """One run on new files; prints its lines and returns its figures."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        with open_core(url, Path(tmp) / "bench.key") as core:
            plain, ours, ids = bench_import(core, args.subjects)
            out.update(import_plain=plain, import_mamori=ours)
            print(
                f"import   plain insert {plain:12,.0f} items/s   mamori {ours:12,.0f} items/s"
                f"   ratio {plain / ours:5.2f}x slower"
            )
            if not args.url:
                floor = bench_storage_floor(
                    f"sqlite:///{tmp}/floor.db", Path(tmp) / "floor.key", args.subjects
                )
                out["import_floor"] = floor
                print(
                    f"import   storage floor (mamori's rows, no crypto) {floor:12,.0f} items/s"
                    f"   mamori reaches {ours / floor:4.0%} of it"
                )
            base, used = bench_use(core, ids, args.uses)
            out.update(
                use_plain=statistics.median(base) * 1e6,
                use_median=statistics.median(used) * 1e6,
                use_p99=p99(used) * 1e6,
            )
            print(
                f"use      plain select {micro(base)}   mamori {micro(used)}"
                f"   ratio {statistics.median(used) / statistics.median(base):5.2f}x"
            )
            rate = bench_use_many(core, ids)
            out["use_many"] = rate
            print(f"use_many mamori {rate:12,.0f} items/s over {len(ids):,} subjects")
            if args.rotate:
                more = args.rotate - len(ids)
                if more > 0:
                    _, _, extra = bench_import(core, more)
                    ids += extra
                seconds, reads, failures = bench_rotation(core, ids)
                out["rotation_s"] = seconds
                print(
                    f"rotation {len(ids):,} data keys in {seconds:.1f} s; "
                    f"{reads:,} reads during it, {failures} failed"
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=50_000)
    parser.add_argument("--uses", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=1, help="runs, each on new files")
    parser.add_argument("--rotate", type=int, default=0, help="subjects for the rotation run")
    parser.add_argument("--url", default=None, help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    runs = []
    for number in range(1, args.runs + 1):
        if args.runs > 1:
            print(f"-- run {number} of {args.runs}")
        runs.append(run(args))
    if args.runs > 1:
        print(f"-- median of {args.runs} runs")
        for name in runs[0]:
            print(f"{name:14s} {statistics.median(r[name] for r in runs):14,.1f}")


if __name__ == "__main__":
    main()

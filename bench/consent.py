"""What consent and suspension cost: in the access decision, and reading a subject's state.

Baselines, in the same run:

- decide: ``AccessPolicy.decide`` for the META ALL-STARS example policy (with ``research``
  made ``consent_required`` so the required-consent check runs), the officer asking for the
  purpose's items, for a subject whose ``SubjectState`` carries its consents (a
  ``ConsentView`` over a compact state of 8 targets) and ``suspended={"purpose:research"}``,
  vs the same decision for a plain ``SubjectState`` (no consents, no suspensions). Purposes:
  ``research`` (consent required; the suspension applies), ``sales`` (marketing: the
  opt-out check; the suspension is looked at and does not apply) and ``account_admin`` (no
  consent check; only the suspension look-up). Every call is timed alone with
  ``time.perf_counter_ns`` (``--decisions`` calls per case and state, in alternating blocks
  of 1,000 so both see the same machine state); the timer's own cost is printed and is in
  both figures, so it cancels in the added latency;
- state: lookups/s of ``ConsentLedger.state(subject)`` (one read statement; only the
  asked target's entry of the stored JSON decoded) and the choice for one target resolved
  with expiry (for every eighth subject all 8 choices: a privacy center's consent page) for
  random subjects among ``--subjects`` stored with 8 targets each, vs a plain indexed
  ``SELECT state FROM consent_current WHERE subject_id = ?`` through the same
  ``store.read_one`` path. The rows are written with raw ``executemany`` (not ``give``,
  which would take hours for a million); one untimed warm-up pass reads the sampled rows,
  then both run on the same subjects in alternating chunks of 10,000, each going first in
  turn. Also printed: the bytes stored per subject, and the rate of the same look-ups with
  no database, the ceiling of ``state()``.

    python bench/consent.py [--subjects N] [--lookups N] [--decisions N] [--url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mamori.access import AccessPolicy, Actor, SubjectState
from mamori.clock import FixedClock
from mamori.consent import state as folded
from mamori.consent.state import ConsentView
from mamori.core import Mamori
from mamori.keys import LocalKeyring
from mamori.policy.loader import load_policy
from mamori.policy.model import Policy
from mamori.settings import Settings
from mamori.vault.vault import new_subject_id

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "meta-all-stars" / "policy.yaml"
OFFICER = Actor("bench", "officer")
NOW = dt.datetime(2026, 11, 25, 1, tzinfo=dt.UTC)
SUSPENDED = frozenset({"purpose:research"})
CASES = (  # purpose, what runs, the items asked for (all the purpose's items)
    ("research", "consent required", ("birth_date", "device_info", "cookie_id")),
    ("sales", "opt-out", ("name", "email", "phone", "device_token")),
    ("account_admin", "no consent check", ("name", "birth_date", "email", "phone")),
)


def _at(year: int, month: int, day: int) -> str:
    return dt.datetime(year, month, day, 9, 30, tzinfo=dt.UTC).isoformat()


def state_templates() -> list[str]:
    """Stored states of 8 targets each (purposes, a use beyond them, recipients, personally
    referable acquisitions), in four mixes of events, as ``folded.dumps`` writes them; the
    8 record ids are ``%016x`` placeholders."""
    rid = "cr_%016x"
    sales = ["name", "email", "phone", "device_token"]
    info = ["name", "email", "device_token", "cookie_id"]
    research = ["birth_date", "device_info", "cookie_id"]
    out: list[str] = []
    for mix in range(4):
        sales_event = "withdrawn" if mix == 1 else "given"
        state: folded.Compact = {
            "purpose:sales": [sales_event, rid, _at(2023, 4, 1), None, 1, sales],
            "purpose:service_info": ["withdrawn", rid, _at(2024, 6, 2), None, 1, info],
            "purpose:research": [
                "given" if mix != 2 else "expired",
                rid,
                _at(2025, 1, 15),
                _at(2027, 1, 15) if mix != 2 else None,
                2,
                research,
            ],
            "purpose:ai_training": [  # a specific use beyond the purposes (Art. 18(1))
                "superseded" if mix == 3 else "given",
                rid,
                _at(2025, 9, 1),
                None,
                2,
                ["device_info", "cookie_id"],
            ],
            "recipient:ad_partner": ["given", rid, _at(2024, 2, 10), None, 1, ["email"]],
            "recipient:overseas_analytics": [
                "given",
                rid,
                _at(2025, 3, 3),
                _at(2026, 3, 3),  # lapsed: read as expired
                2,
                ["device_info", "cookie_id"],
            ],
            "referable:group_companies": ["given", rid, _at(2023, 4, 1), None, 1, ["cookie_id"]],
            "referable:cloud_hosting": [
                "withdrawn",
                rid,
                _at(2024, 8, 8),
                None,
                1,
                ["device_info", "device_token", "cookie_id"],
            ],
        }
        text = folded.dumps(state)
        assert text.count("%") == 8, "a template holds exactly the record-id placeholders"
        out.append(text)
    return out


def research_consent_required(policy: Policy) -> Policy:
    """The example policy with ``research`` needing consent (it is profiling)."""
    research = policy.purposes["research"].model_copy(update={"consent_required": True})
    return policy.model_copy(update={"purposes": {**policy.purposes, "research": research}})


def timer_cost(n: int) -> float:
    clock = time.perf_counter_ns
    samples = []
    for _ in range(n):
        start = clock()
        samples.append(clock() - start)
    return statistics.median(samples)


def bench_decide(
    access: AccessPolicy,
    purpose: str,
    items: tuple[str, ...],
    plain: SubjectState,
    rich: Callable[[], SubjectState],
    n: int,
    block: int = 1000,
) -> tuple[list[int], list[int]]:
    """``rich`` makes a new state per call (as the vault does per subject read), made
    before the timed block: a view parses a target the first time it is asked for, so a
    reused one would hide that cost."""
    decide = access.decide
    clock = time.perf_counter_ns
    base: list[int] = []
    ours: list[int] = []
    for _ in range(max(1, n // block)):
        fresh = [rich() for _ in range(block)]
        for samples, subjects in ((base, [plain] * block), (ours, fresh)):
            for subject in subjects:
                start = clock()
                decide(OFFICER, items, purpose, subject)
                samples.append(clock() - start)
    return base, ours


def micro_ns(samples: list[int]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) / 1000, ordered[int(len(ordered) * 0.99) - 1] / 1000


def outcome(access: AccessPolicy, purpose: str, items: tuple[str, ...], s: SubjectState) -> str:
    decision = access.decide(OFFICER, items, purpose, s)
    return f"{decision.outcome}:{','.join(decision.reasons) or '-'}"


def run_decide(n: int) -> None:
    access = AccessPolicy(research_consent_required(load_policy(EXAMPLE).policy))
    stored = folded.loads(state_templates()[0] % tuple(range(8)))
    plain = SubjectState("s_bench")

    def rich() -> SubjectState:
        return SubjectState("s_bench", consents=ConsentView(stored, NOW), suspended=SUSPENDED)

    print(
        f"timer    perf_counter_ns pair, median {timer_cost(100_000):.0f} ns "
        "(in every per-call figure below, both columns)"
    )
    for purpose, what, items in CASES:
        bench_decide(access, purpose, items, plain, rich, n // 10)  # warm-up
        base, ours = bench_decide(access, purpose, items, plain, rich, n)
        (bm, bp), (om, op) = micro_ns(base), micro_ns(ours)
        print(
            f"decide   {purpose + ' (' + what + ')':34} plain median {bm:6.2f} µs p99 {bp:6.2f} µs"
            f"   consents+suspension median {om:6.2f} µs p99 {op:6.2f} µs"
            f"   added {om - bm:+5.2f} µs (goal ≤ 5)  ratio {om / bm:4.2f}x"
            f"   [{outcome(access, purpose, items, plain)} → "
            f"{outcome(access, purpose, items, rich())}]"
        )


def open_core(url: str, key_file: Path) -> Mamori:
    """A core on ``url`` with a fresh keyring file, the example policy published in the past
    (as bench/core.py opens it)."""
    if not key_file.exists():
        LocalKeyring.create(key_file)
    env = {
        "MAMORI_DATABASE_URL": url,
        "MAMORI_POLICY": str(EXAMPLE),
        "MAMORI_KEY_FILE": str(key_file),
    }
    core = Mamori.open(Settings.load(env=env), clock=FixedClock(NOW))
    if core.versions.latest() is None:
        core.versions.publish(core.policy, effective=dt.date(2022, 3, 22))
    return core


def fill(core: Mamori, n: int, chunk: int = 50_000) -> list[str]:
    """``n`` subjects with 8 consent targets each, straight to the tables (sorted by id, so
    the clustered SQLite tables grow at their end)."""
    mark = "?" if core.store.dialect == "sqlite" else "%s"
    subjects = f"INSERT INTO subjects (id, created_at, source) VALUES ({mark}, {mark}, {mark})"
    current = f"INSERT INTO consent_current (subject_id, state) VALUES ({mark}, {mark})"
    templates = state_templates()
    ts = core.store.timestamp(NOW - dt.timedelta(days=400))
    ids = sorted({new_subject_id() for _ in range(n)})
    while len(ids) < n:  # 80 random bits: never in practice
        ids = sorted({*ids, new_subject_id()})
    for at in range(0, n, chunk):
        part = ids[at : at + chunk]
        rows: list[tuple[Any, ...]] = [
            (sid, templates[i % 4] % tuple(range(8 * i, 8 * i + 8)))
            for i, sid in enumerate(part, start=at)
        ]
        with core.store.transaction() as cur:
            cur.executemany(subjects, [(sid, ts, "bench") for sid in part])
            cur.executemany(current, rows)
    if core.store.dialect != "sqlite":
        with core.store.transaction() as cur:
            cur.execute("ANALYZE subjects")
            cur.execute("ANALYZE consent_current")
    return ids


LOOKUP_TARGETS = (
    "purpose:sales",
    "purpose:research",
    "purpose:service_info",
    "purpose:ai_training",
)


def bench_state(core: Mamori, sample: list[str], chunk: int = 10_000) -> tuple[float, float]:
    mark = "?" if core.store.dialect == "sqlite" else "%s"
    select = f"SELECT state FROM consent_current WHERE subject_id = {mark}"
    read_one = core.store.read_one
    state = core.consent.state

    def plain(ids: list[str]) -> float:
        start = time.perf_counter()
        for sid in ids:
            read_one(select, (sid,))
        return time.perf_counter() - start

    def ours(ids: list[str]) -> float:
        """A look-up: the subject's state and its choice for one target (as a decision or
        a consent screen reads it); every eighth subject has all 8 choices read."""
        start = time.perf_counter()
        for n, sid in enumerate(ids):
            choices = state(sid)
            if n % 8:
                choices.get(LOOKUP_TARGETS[n % 4])
            else:
                dict(choices)
        return time.perf_counter() - start

    plain(sample)  # warm-up: the sampled rows read once
    base = mine = 0.0
    for turn, at in enumerate(range(0, len(sample), chunk)):
        part = sample[at : at + chunk]
        if turn % 2:
            mine += ours(part)
            base += plain(part)
        else:
            base += plain(part)
            mine += ours(part)
    return len(sample) / base, len(sample) / mine


def stored_bytes(core: Mamori) -> int:
    """SQLite: the whole database file's pages; PostgreSQL: consent_current with its index."""
    with core.store.transaction(write=False) as cur:
        if core.store.dialect == "sqlite":
            cur.execute("PRAGMA page_count")
            pages = cur.fetchone()[0]
            cur.execute("PRAGMA page_size")
            return int(pages * cur.fetchone()[0])
        cur.execute("SELECT pg_total_relation_size('consent_current')")
        return int(cur.fetchone()[0])


def parse_rate(n: int) -> float:
    """``state()`` without the database: the same look-ups as the timed run (one target's
    entry decoded from the stored text; every eighth subject all 8 choices)."""
    texts = [t % tuple(range(8)) for t in state_templates()]
    start = time.perf_counter()
    for i in range(n):
        choices = ConsentView.from_text(texts[i % 4], NOW)
        if i % 8:
            choices.get(LOOKUP_TARGETS[i % 4])
        else:
            dict(choices)
    return n / (time.perf_counter() - start)


def run_state(url: str, key_file: Path, subjects: int, lookups: int) -> None:
    with open_core(url, key_file) as core:
        before = stored_bytes(core)
        start = time.perf_counter()
        ids = fill(core, subjects)
        took = time.perf_counter() - start
        grown = (stored_bytes(core) - before) / subjects
        what = "database grew" if core.store.dialect == "sqlite" else "consent_current takes"
        print(
            f"fill     {subjects:,} subjects × 8 targets written in {took:.1f} s (raw executemany);"
            f" {what} {grown:,.0f} B/subject"
        )
        check = dict(core.consent.state(ids[0]))
        assert len(check) == 8, check
        sample = random.Random(7).choices(ids, k=lookups)
        base, ours = bench_state(core, sample)
        print(
            f"state    plain select {base:10,.0f} lookups/s   ConsentLedger.state {ours:10,.0f}"
            f" lookups/s (goal ≥ 100,000)   ratio {base / ours:4.2f}x slower"
            f"   [{lookups:,} random of {subjects:,} subjects]"
        )
        floor = parse_rate(lookups)
        print(
            f"state    no database: the same look-ups on the stored text alone {floor:10,.0f}/s"
            " (the most state() can reach here)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=200_000)
    parser.add_argument("--decisions", type=int, default=200_000, help="per case and state")
    parser.add_argument("--url", default=None, help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    run_decide(args.decisions)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        run_state(url, Path(tmp) / "bench.key", args.subjects, args.lookups)


if __name__ == "__main__":
    main()

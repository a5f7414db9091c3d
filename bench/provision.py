"""A provision to a third party against the plain use of the same data, in the same run.

The policy is the META ALL-STARS example with ``account_admin`` flagged ``provision: true``
and a domestic third party ``ad_partner`` (``country: JP``, so no Rule 17 information;
not linking personally referable items, so no Art. 31 consent) that receives the six
items of ``account_admin`` for that purpose. ``--subjects`` subjects are collected through
``Vault.collect_many`` (in batches of 5,000), and each one's consent to ``ad_partner`` for
the six items is written straight into ``consent_current`` (raw ``executemany`` of the
compact state ``consent/state.py`` stores, not a ``give`` per subject); both fills are
timed and printed. Then, on the same subjects in the same (id) order:

- baseline: ``Vault.use_many`` of the six items for ``account_admin`` by the officer (one
  decision, one decryption of each value and one audit entry per subject; the values are
  counted and dropped);
- ``Provisions.provide`` of the same six items of every consented subject
  (``all_consented=True``) for ``account_admin`` on basis ``consent``, sealed with a
  passphrase: the consent look-up over ``consent_current``, the same ``use_many`` with the
  provision terms (consent to the recipient checked per subject, ``export`` audit entries),
  the Art. 29 record with one row per subject, the ZIP (JSONL and CSV) and the age seal.

Printed: seconds and items/s of each and their ratio (goal: provide within 1.5× of
use_many), the records written and the subject rows they hold, the subjects excluded
(0 expected), the size of the sealed package, and the seconds of each step of the
provision (see :func:`phases`; the seal's scrypt, a fixed cost, also alone). With
``--profile`` the provision is run once more under cProfile and the functions with the most
cumulative and the most own time are listed.

    python bench/provision.py [--subjects N] [--url URL] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import pstats
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyrage  # type: ignore[import-untyped]

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.consent import state as folded
from mamori.consent.ledger import new_record_id
from mamori.core import Mamori
from mamori.keys import LocalKeyring
from mamori.policy.loader import parse_policy
from mamori.provision import ProvisionResult, seal
from mamori.provision import service as provision_service
from mamori.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "meta-all-stars" / "policy.yaml"
OFFICER = Actor("bench", "officer")
NOW = dt.datetime(2026, 11, 25, 1, tzinfo=dt.UTC)
PURPOSE = "account_admin"
ITEMS = ["name", "email", "phone", "birth_date", "device_info", "device_token"]
RECIPIENT = "ad_partner"
PASSPHRASE = "correct horse battery staple"
PARTNER = """\
  ad_partner:
    name: {ja: 広告パートナー株式会社, en: Ad Partner K.K.}
    kind: third_party
    country: JP
    address: {ja: 東京都渋谷区神南0丁目0番0号(架空の住所), en: "Shibuya, Tokyo (fictitious)"}
    representative: {ja: 代表取締役 鈴木 一郎(例示), en: "Ichiro Suzuki, CEO (illustrative)"}
    items: [name, birth_date, email, phone, device_info, device_token]
    purposes: [account_admin]
"""
ADMIN_ITEMS = "    items: [name, birth_date, email, phone, device_info, device_token]\n"


def person(i: int) -> dict[str, str]:
    return {
        "name": f"山田 太郎{i}",
        "email": f"user{i}@example.jp",
        "phone": f"090{i % 100_000_000:08d}",
        "birth_date": f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}",
        "device_info": f"iPhone15,{i % 9} iOS 18.{i % 5}",
        "device_token": f"{i:064x}",
    }


def policy_text() -> str:
    """The example policy with ``account_admin`` provided to the third party ``ad_partner``."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count(ADMIN_ITEMS) == 1, "account_admin's items line is unique"
    text = text.replace(ADMIN_ITEMS, ADMIN_ITEMS + "    provision: true\n")
    assert "\nrecipients:\n" in text
    return text.replace("\nrecipients:\n", "\nrecipients:\n" + PARTNER, 1)


def open_core(url: str, key_file: Path) -> Mamori:
    """A core on ``url`` with a fresh keyring file and the adjusted example policy
    published in the past (as bench/core.py opens it)."""
    if not key_file.exists():
        LocalKeyring.create(key_file)
    env = {
        "MAMORI_DATABASE_URL": url,
        "MAMORI_POLICY": str(EXAMPLE),
        "MAMORI_KEY_FILE": str(key_file),
    }
    core = Mamori.open(Settings.load(env=env), clock=FixedClock(NOW))
    if core.versions.latest() is None:
        core.publish(parse_policy(policy_text()), effective=dt.date(2022, 3, 22))
    core.keys.ensure_service_keys()
    return core


def fill_subjects(core: Mamori, n: int) -> list[str]:
    """``n`` subjects collected for ``account_admin`` through the vault; their ids, sorted."""
    people = (person(i) for i in range(n))
    results = core.vault.collect_many(((None, p) for p in people), PURPOSE, OFFICER, "bench")
    ids = [r.subject for r in results]  # type: ignore[union-attr]
    assert len(ids) == n, "every row collected"
    return sorted(ids)


def fill_consents(core: Mamori, ids: list[str], chunk: int = 50_000) -> None:
    """Each subject's consent to ``ad_partner`` for the six items, as ``give`` would fold
    it into ``consent_current`` (one row a subject), written with raw ``executemany``."""
    mark = "?" if core.store.dialect == "sqlite" else "%s"
    insert = f"INSERT INTO consent_current (subject_id, state) VALUES ({mark}, {mark})"
    at = (NOW - dt.timedelta(days=30)).isoformat()
    version = core.version_number()
    items = sorted(ITEMS)
    target = f"recipient:{RECIPIENT}"
    for start in range(0, len(ids), chunk):
        rows: list[tuple[Any, ...]] = [
            (sid, folded.dumps({target: ["given", new_record_id(), at, None, version, items]}))
            for sid in ids[start : start + chunk]
        ]
        with core.store.transaction() as cur:
            cur.executemany(insert, rows)
    if core.store.dialect != "sqlite":
        with core.store.transaction() as cur:
            cur.execute("ANALYZE consent_current")


def bench_use_many(core: Mamori, ids: list[str]) -> tuple[float, int, int]:
    """Seconds, values read, subjects refused."""
    start = time.perf_counter()
    count = refused = 0
    for use in core.vault.use_many(ids, ITEMS, PURPOSE, OFFICER):
        if use.values is None:
            refused += 1
        else:
            count += len(use.values)
    return time.perf_counter() - start, count, refused


def provide(core: Mamori) -> ProvisionResult:
    return core.provisions.provide(
        recipient=RECIPIENT,
        items=ITEMS,
        purpose=PURPOSE,
        basis="consent",
        actor=OFFICER,
        all_consented=True,
        passphrase=PASSPHRASE,
    )


@contextlib.contextmanager
def phases(core: Mamori) -> Iterator[dict[str, float]]:
    """Seconds spent in each step of ``provide``, by wrapping (for this process only) the
    functions it calls: the consent look-up, ``use_many`` (the time inside its iteration),
    the record, the ZIP and the seal (age's encryption). A few calls and one generator: no
    measurable cost."""
    spent: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return run

    def timed_iter(name: str, fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def run(*args: Any, **kwargs: Any) -> Iterator[Any]:
            inner = fn(*args, **kwargs)
            while True:
                start = time.perf_counter()
                try:
                    item = next(inner)
                except StopIteration:
                    return
                finally:
                    spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
                yield item

        return run

    instance = [  # wrapped on the object, so the method shows again when the wrapper goes
        (core.provisions, "_consented", timed("consent look-up", core.provisions._consented)),
        (core.vault, "use_many", timed_iter("use_many with terms", core.vault.use_many)),
        (core.records, "write", timed("records", core.records.write)),
    ]
    module = [  # module attributes, put back as they were; the seal is age's encryption
        (provision_service, "build_package", "zip"),
        (pyrage, "encrypt", "seal"),
        (pyrage.passphrase, "encrypt", "seal"),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in module]
    for owner, name, wrapper in instance:
        setattr(owner, name, wrapper)
    for owner, name, label in module:
        setattr(owner, name, timed(label, getattr(owner, name)))
    try:
        yield spent
    finally:
        for owner, name, _ in instance:
            delattr(owner, name)
        for owner, name, before in saved:
            setattr(owner, name, before)


def record_rows(core: Mamori, records: tuple[str, ...]) -> int:
    return sum(len(core.records.subjects_of(r)) for r in records)


def profile(core: Mamori, top: int = 30) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    result = provide(core)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return f"profile  {len(result.provided):,} subjects provided\n{out.getvalue()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--url", default=None, help="database URL (default: a new SQLite file)")
    parser.add_argument(
        "--profile", action="store_true", help="run the provision once more under cProfile"
    )
    args = parser.parse_args()
    n = args.subjects
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        with open_core(url, Path(tmp) / "bench.key") as core:
            start = time.perf_counter()
            ids = fill_subjects(core, n)
            took = time.perf_counter() - start
            print(
                f"fill     {n:,} subjects × {len(ITEMS)} items collected in {took:.1f} s"
                f" ({n * len(ITEMS) / took:,.0f} items/s, Vault.collect_many)"
            )
            start = time.perf_counter()
            fill_consents(core, ids)
            took = time.perf_counter() - start
            print(
                f"fill     {n:,} consents to {RECIPIENT} written in {took:.1f} s"
                " (raw executemany into consent_current)"
            )

            base, values, refused = bench_use_many(core, ids)
            assert refused == 0 and values == n * len(ITEMS), (refused, values)
            with phases(core) as spent:
                start = time.perf_counter()
                result = provide(core)
                ours = time.perf_counter() - start
            items = n * len(ITEMS)
            print(
                f"use_many {base:8.1f} s {items / base:12,.0f} items/s   "
                f"provide {ours:8.1f} s {items / ours:12,.0f} items/s   "
                f"ratio {ours / base:5.2f}x (goal ≤ 1.5)   [{n:,} subjects × {len(ITEMS)} items]"
            )
            kinds = ", ".join(core.records.get(r).kind.value for r in result.records) or "-"
            print(
                f"provide  {len(result.provided):,} provided, {len(result.excluded):,} excluded;"
                f" {len(result.records)} record(s) written ({kinds}) holding"
                f" {record_rows(core, result.records):,} subject rows;"
                f" sealed package {len(result.package or b''):,} B"
                f" ({len(result.package or b'') / max(1, len(result.provided)):,.0f} B/subject)"
            )
            rest = ours - sum(spent.values())
            start = time.perf_counter()
            seal(b"", passphrase=PASSPHRASE)
            empty = time.perf_counter() - start
            steps = "; ".join(f"{k} {v:.1f} s" for k, v in spent.items())
            print(
                f"provide  steps: {steps}; the rest (rows kept, checks) {rest:.1f} s."
                f"  A seal of 0 B with the passphrase (scrypt alone) takes {empty:.1f} s"
            )
            if args.profile:
                print(profile(core))


if __name__ == "__main__":
    main()

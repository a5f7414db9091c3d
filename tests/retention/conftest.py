"""A core on the example policy with chosen retention rules, and helpers that collect,
use and count at chosen times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.policy.loader import parse_policy
from mamori.settings import Settings
from mamori.vault.record import unpack

JST = dt.timezone(dt.timedelta(hours=9))
OFFICER = Actor("officer-1", "officer")
KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

MakeCore = Callable[..., Mamori]


def at(text: str) -> dt.datetime:
    """A time in Japan: ``2026-01-31 10:00``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def with_rules(example_text: str, rules: str | None) -> str:
    """The example policy with its retention section replaced by ``rules`` (YAML list
    items, each starting with ``  - ``), or as it is when ``rules`` is None."""
    if rules is None:
        return example_text
    start = example_text.index("\nretention:\n")
    end = example_text.index("\n# §7")
    return example_text[:start] + "\nretention:\n" + rules.rstrip() + "\n" + example_text[end:]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at("2026-01-10 10:00"))


@pytest.fixture
def make_core(
    database_url: str, example_text: str, clock: FixedClock, tmp_path: Path
) -> Iterator[MakeCore]:
    """``make_core(rules)``: a core with the example policy (its retention rules replaced
    by ``rules`` when given), published effective 2022-03-22, service keys made."""
    stack = ExitStack()

    def make(rules: str | None = None, **settings: str) -> Mamori:
        env = {
            "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
            "MAMORI_DATABASE_URL": database_url,
            "MAMORI_KEK": KEK,
            **{f"MAMORI_{k.upper()}": v for k, v in settings.items()},
        }
        core = stack.enter_context(Mamori.open(Settings.load(env=env), clock=clock))
        core.publish(parse_policy(with_rules(example_text, rules)), effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        return core

    with stack:
        yield make


def collect(core: Mamori, purpose: str, values: dict[str, str], subject: str | None = None) -> str:
    return core.vault.collect(subject, values, purpose, OFFICER, "web").subject


def held(core: Mamori, subject: str) -> set[str]:
    """The items whose values the vault keeps for ``subject``."""
    with core.store.transaction(write=False) as cur:
        cur.execute(core.store.sql("SELECT sealed FROM subjects WHERE id = ?"), (subject,))
        row = cur.fetchone()
    return {item for item, _, _ in unpack(bytes(row[0] or b""))} if row else set()


def vault_rows(core: Mamori) -> list[tuple[object, ...]]:
    """Every subject's key and value columns, to show that nothing changed."""
    with core.store.transaction(write=False) as cur:
        cur.execute("SELECT id, erased_at, wrapped, ledger, sealed FROM subjects ORDER BY id")
        return [tuple(r) for r in cur.fetchall()]


def count(core: Mamori, table: str) -> int:
    with core.store.transaction(write=False) as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        return int(cur.fetchone()[0])


def disposals(core: Mamori, subject: str) -> list[tuple[str, str, str, str]]:
    """(items JSON, actor, reason, method) of each disposal record of ``subject``."""
    with core.store.transaction(write=False) as cur:
        cur.execute(
            core.store.sql(
                "SELECT items, actor, reason, method FROM disposals WHERE subject_id = ? "
                "ORDER BY id"
            ),
            (subject,),
        )
        return [tuple(map(str, r)) for r in cur.fetchall()]  # type: ignore[misc]

"""Property: a subject's current consent state is exactly a replay of its event history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.consent.state import replay
from mamori.core import Mamori
from mamori.settings import Settings

OFFICER = Actor("officer-1", "officer")
TARGETS = ["purpose:sales", "purpose:research", "purpose:service_info", "purpose:campaign_x"]

operation = st.one_of(
    st.tuples(st.just("give"), st.sampled_from(TARGETS), st.one_of(st.none(), st.integers(1, 5))),
    st.tuples(st.just("withdraw"), st.sampled_from(TARGETS), st.none()),
    st.tuples(st.just("wait"), st.none(), st.integers(1, 4)),
    st.tuples(st.just("expire"), st.none(), st.none()),
    st.tuples(st.just("gpc"), st.none(), st.none()),
)


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mamori]:
    example_path = Path(__file__).resolve().parents[2] / "examples/meta-all-stars/policy.yaml"
    folder = tmp_path_factory.mktemp("replay")
    env = {
        "MAMORI_DATABASE_URL": f"sqlite:///{folder}/m.db",
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    }
    clock = FixedClock(dt.datetime(2026, 11, 25, 1, tzinfo=dt.UTC))
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        yield core


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=12))
def test_current_state_equals_a_replay_of_the_history(
    core: Mamori, ops: list[tuple[str, str | None, int | None]]
) -> None:
    clock = core.clock
    assert isinstance(clock, FixedClock)
    person = core.vault.collect(None, {"name": "テスト"}, "account_admin", OFFICER, "t").subject
    for kind, target, number in ops:
        if kind == "give" and target is not None:
            until = clock.now() + dt.timedelta(days=number) if number else None
            items = ["name"] if target == "purpose:campaign_x" else None
            core.consent.give(
                person, target, notice="お知らせ", actor="t", valid_until=until, items=items
            )
        elif kind == "withdraw" and target is not None:
            core.consent.withdraw(person, target, actor="t")
        elif kind == "wait" and number:
            clock.advance(dt.timedelta(days=number))
        elif kind == "expire":
            core.consent.expire_due()
        elif kind == "gpc":
            core.consent.apply_gpc(person, actor="t")
    replayed = replay(core.consent.history(person), clock.now())
    assert core.consent.state(person) == replayed
    for target in TARGETS:  # one target read from a fresh view decodes that entry alone
        assert core.consent.state(person).get(target) == replayed.get(target)
        assert (target in core.consent.state(person)) == (target in replayed)

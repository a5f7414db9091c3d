"""A core with the example policy published (research needing consent), and a month of
activity at chosen times: October 2026 in Asia/Tokyo is the period the tests report on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.policy.loader import parse_policy
from mamori.settings import Settings

JST = dt.timezone(dt.timedelta(hours=9))
OFFICER = Actor("officer-1", "officer")
SUPPORT = Actor("staff-1", "support")
MARKETING = Actor("staff-2", "marketing")
ENGINEER = Actor("staff-3", "engineer")
NOTICE = "研究開発のための分析に、端末情報を利用することに同意します。"
START = dt.datetime(2026, 10, 1, 0, 0, tzinfo=JST)
END = dt.datetime(2026, 11, 1, 0, 0, tzinfo=JST)
TICK = dt.timedelta(microseconds=1)


def person(n: int) -> dict[str, str]:
    return {
        "name": f"利用者 {n}",
        "email": f"user{n}@example.jp",
        "phone": f"090-0000-{n:04d}",
        "birth_date": "1990-01-02",
        "device_info": f"Pixel {n}",
    }


def research_needs_consent(text: str) -> str:
    return text.replace(
        "    profiling: true\n", "    profiling: true\n    consent_required: true\n"
    )


@pytest.fixture
def core(
    database_url: str, example_text: str, example_path: Path, tmp_path: Path
) -> Iterator[Mamori]:
    clock = FixedClock(dt.datetime(2026, 9, 1, 9, 0, tzinfo=JST))
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(
            parse_policy(research_needs_consent(example_text)), effective=dt.date(2022, 3, 22)
        )
        core.keys.ensure_service_keys()
        yield core


@dataclass
class Month:
    """What the scenario did, for the tests to check against."""

    subjects: list[str] = field(default_factory=list)
    on_time: str = ""
    late: str = ""
    overdue: str = ""
    open_not_due: str = ""


def at(core: Mamori, moment: dt.datetime) -> None:
    clock = core.clock
    assert isinstance(clock, FixedClock)
    clock.set(moment)


@pytest.fixture
def month(core: Mamori) -> Month:
    """Activity before, during and just after October 2026 (JST)."""
    m = Month()
    at(core, dt.datetime(2026, 9, 10, 10, 0, tzinfo=JST))
    for n in range(4):
        m.subjects.append(
            core.vault.collect(None, person(n), "account_admin", OFFICER, "signup").subject
        )
    a, b, c, d = m.subjects
    # A request received in September, due 14 days later (4 October), completed late.
    at(core, dt.datetime(2026, 9, 20, 12, 0, tzinfo=JST))
    m.late = core.requests.submit("disclosure", actor="web", subject=a).request.id
    # Just before the period: a use and a deny that must not be counted.
    at(core, START - TICK)
    core.vault.use(a, ["name"], "inquiries", SUPPORT)
    core.vault.use(a, ["birth_date"], "sales", MARKETING)
    # The first instant of the period.
    at(core, START)
    core.vault.use(a, ["name", "email"], "inquiries", SUPPORT)
    at(core, dt.datetime(2026, 10, 3, 9, 0, tzinfo=JST))
    m.on_time = core.requests.submit("disclosure", actor="web", subject=b).request.id
    core.vault.use(b, ["email"], "account_admin", SUPPORT)
    core.vault.use(b, ["phone"], "inquiries", SUPPORT)
    core.vault.use(c, ["device_info"], "research", ENGINEER)  # denied: no consent
    core.vault.use(c, ["birth_date"], "sales", MARKETING)  # denied: role and purpose
    core.consent.give(c, "purpose:research", notice=NOTICE, actor=c, method="app")
    core.consent.give(d, "purpose:research", notice=NOTICE, actor=d, method="app")
    core.vault.use(c, ["device_info"], "research", ENGINEER)
    at(core, dt.datetime(2026, 10, 5, 9, 0, tzinfo=JST))
    m.overdue = core.requests.submit("erasure", actor="web", subject=c).request.id
    at(core, dt.datetime(2026, 10, 8, 15, 0, tzinfo=JST))
    core.requests.verify_by_staff(m.late, actor="officer-1", checked=["本人確認書類"])
    core.fulfil(m.late, actor="officer-1", now=True)
    at(core, dt.datetime(2026, 10, 10, 11, 0, tzinfo=JST))
    core.requests.verify_by_staff(m.on_time, actor="officer-1", checked=["本人確認書類"])
    core.fulfil(m.on_time, actor="officer-1", now=True)
    core.consent.withdraw(d, "purpose:research", actor=d, method="web")
    at(core, dt.datetime(2026, 10, 25, 9, 0, tzinfo=JST))
    m.open_not_due = core.requests.submit("disclosure", actor="web", subject=d).request.id
    core.vault.use(d, ["name"], "sales", MARKETING)
    # The last instant of the period, then the first one after it.
    at(core, END - TICK)
    core.vault.use(d, ["email"], "inquiries", SUPPORT)
    core.vault.use(d, ["device_info"], "research", ENGINEER)  # denied: consent withdrawn
    at(core, END)
    core.vault.use(d, ["email"], "inquiries", SUPPORT)
    core.vault.use(d, ["device_info"], "research", ENGINEER)
    core.consent.give(a, "purpose:research", notice=NOTICE, actor=a, method="app")
    at(core, dt.datetime(2026, 11, 5, 10, 0, tzinfo=JST))
    return m

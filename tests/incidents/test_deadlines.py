"""Report deadlines: day 1 is the day learned; a deadline on a weekend, a national holiday
or in the year-end closure moves to the next business day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from mamori.clock import FixedClock
from mamori.incidents.deadlines import (
    DueStatus,
    business_day,
    due_on,
    due_status,
    learned_day,
    next_business_day,
    report_deadlines,
)

TOKYO = ZoneInfo("Asia/Tokyo")
D = dt.date


@pytest.mark.parametrize(
    ("learned", "days", "due", "why"),
    [
        (D(2026, 11, 2), 3, D(2026, 11, 4), "Mon + 2 days = Wed, a business day"),
        (D(2026, 11, 4), 3, D(2026, 11, 6), "Wed + 2 = Fri"),
        (D(2026, 11, 5), 3, D(2026, 11, 9), "Thu + 2 = Sat -> Mon"),
        (D(2026, 11, 6), 3, D(2026, 11, 9), "Fri + 2 = Sun -> Mon"),
        (D(2026, 11, 6), 5, D(2026, 11, 10), "Fri + 4 = Tue"),
        (D(2026, 11, 1), 3, D(2026, 11, 4), "Sun + 2 = Tue 3 Nov, Culture Day -> Wed"),
        (D(2026, 11, 19), 3, D(2026, 11, 24), "Thu + 2 = Sat; Mon 23 Nov is Labour Thanksgiving"),
        (D(2026, 4, 28), 3, D(2026, 4, 30), "Tue + 2 = Thu 30 Apr, between holidays"),
        (D(2026, 5, 1), 3, D(2026, 5, 7), "Golden Week: Sun 3 May, 4, 5, 6 (振替休日) -> Thu 7"),
        (D(2025, 5, 2), 3, D(2025, 5, 7), "Sun 4 May 2025: 振替休日 on Tue 6 May"),
        (D(2026, 9, 18), 3, D(2026, 9, 24), "Silver Week 2026: 21, 22 (国民の休日), 23 Sep"),
        (D(2026, 12, 26), 3, D(2026, 12, 28), "Sat + 2 = Mon 28 Dec, the last day before closure"),
        (D(2026, 12, 27), 3, D(2027, 1, 4), "Tue 29 Dec: closure until 3 Jan -> Mon 4 Jan"),
        (D(2026, 12, 23), 5, D(2026, 12, 28), "Sun 27 Dec -> Mon 28 Dec, before the closure"),
        (D(2027, 12, 30), 3, D(2028, 1, 4), "inside the closure -> Tue 4 Jan 2028"),
        (D(2026, 11, 2), 30, D(2026, 12, 1), "30 days counting day 1: Tue 1 Dec"),
        (D(2026, 12, 1), 30, D(2027, 1, 4), "day 30 = 30 Dec (closure) -> Mon 4 Jan"),
        (D(2026, 12, 1), 60, D(2027, 1, 29), "day 60 = Fri 29 Jan, a business day"),
        (D(2026, 11, 2), 60, D(2027, 1, 4), "day 60 = 31 Dec (closure) -> Mon 4 Jan"),
        (D(2027, 1, 11), 1, D(2027, 1, 12), "day 1 on Coming of Age Day -> Tue"),
    ],
)
def test_due_dates(learned: dt.date, days: int, due: dt.date, why: str) -> None:
    assert due_on(learned, days) == due, why
    assert business_day(due), why


def test_no_due_date_in_a_year_falls_on_a_weekend_or_the_closure() -> None:
    # Due dates never land on a weekend, holiday or closure day over a whole year.
    start = D(2026, 1, 1)
    for offset in range(366):
        for days in (3, 4, 5, 30, 60):
            due = due_on(start + dt.timedelta(days=offset), days)
            assert due.weekday() < 5
            assert not (due.month == 12 and due.day >= 29)
            assert not (due.month == 1 and due.day <= 3)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 1, 2), False),
        (D(2026, 1, 5), True),
        (D(2026, 5, 6), False),
        (D(2026, 9, 22), False),
        (D(2026, 12, 28), True),
        (D(2026, 12, 29), False),
        (D(2026, 11, 28), False),
    ],
)
def test_business_days(day: dt.date, expected: bool) -> None:
    assert business_day(day) is expected
    assert next_business_day(day) == day if expected else next_business_day(day) > day


def test_final_deadline_is_60_days_when_malicious() -> None:
    learned = D(2026, 11, 2)
    plain = report_deadlines(learned, preliminary_days=3)
    malicious = report_deadlines(learned, preliminary_days=5, malicious=True)
    assert plain.preliminary == D(2026, 11, 4) and plain.final == D(2026, 12, 1)
    assert malicious.preliminary == D(2026, 11, 6)
    assert malicious.final == due_on(learned, 60) == D(2027, 1, 4)


def test_day_one_is_the_local_day_learned_and_status_follows_the_clock() -> None:
    # 23:30 UTC on 1 Nov is 08:30 on 2 Nov in Tokyo: day 1 is 2 Nov.
    clock = FixedClock(dt.datetime(2026, 11, 1, 23, 30, tzinfo=dt.UTC))
    learned = learned_day(clock.now(), TOKYO)
    assert learned == D(2026, 11, 2)
    due = report_deadlines(learned).preliminary
    assert due == D(2026, 11, 4)
    clock.set(dt.datetime(2026, 11, 4, 23, 0, tzinfo=TOKYO))
    today = clock.now().astimezone(TOKYO).date()
    assert due_status(due, None, today) is DueStatus.pending
    clock.advance(dt.timedelta(hours=2))  # 01:00 on 5 Nov
    today = clock.now().astimezone(TOKYO).date()
    assert due_status(due, None, today) is DueStatus.missed
    assert due_status(due, D(2026, 11, 4), today) is DueStatus.met
    assert due_status(due, D(2026, 11, 5), today) is DueStatus.missed


def test_learned_at_must_be_aware_and_periods_positive() -> None:
    with pytest.raises(ValueError, match="timezone"):
        learned_day(dt.datetime(2026, 11, 2, 9, 0), TOKYO)
    with pytest.raises(ValueError, match="at least 1 day"):
        due_on(D(2026, 11, 2), 0)

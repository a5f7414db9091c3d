"""Periods on the calendar: the event's day is not counted, months end at the month's end."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.retention import Period, disposal_day, keep_until

D = dt.date


@pytest.mark.parametrize(
    ("event", "keep", "last"),
    [
        (D(2026, 1, 10), "P90D", D(2026, 4, 10)),
        (D(2026, 1, 10), "P0D", D(2026, 1, 10)),
        (D(2026, 1, 31), "P1M", D(2026, 2, 28)),
        (D(2026, 1, 31), "P13M", D(2027, 2, 28)),
        (D(2027, 1, 31), "P13M", D(2028, 2, 29)),  # a leap February
        (D(2026, 3, 31), "P1M", D(2026, 4, 30)),
        (D(2026, 1, 30), "P1M", D(2026, 2, 28)),
        (D(2026, 2, 28), "P1M", D(2026, 3, 28)),
        (D(2028, 2, 29), "P1Y", D(2029, 2, 28)),
        (D(2028, 2, 29), "P4Y", D(2032, 2, 29)),
        (D(2026, 11, 30), "P3M", D(2027, 2, 28)),
        (D(2026, 12, 15), "P1M", D(2027, 1, 15)),
        (D(2026, 1, 31), "P1Y1M1D", D(2027, 3, 1)),  # months first (to Feb 28), then a day
        (D(2026, 6, 30), "P3Y", D(2029, 6, 30)),
    ],
)
def test_the_last_day_kept_and_the_day_of_disposal(event: D, keep: str, last: D) -> None:
    assert keep_until(event, keep) == last
    assert disposal_day(event, keep) == last + dt.timedelta(days=1)


def test_a_period_past_the_calendar_never_ends() -> None:
    assert keep_until(D(2026, 1, 1), "P9000Y") == dt.date.max
    assert disposal_day(D(2026, 1, 1), "P9000Y") == dt.date.max
    assert keep_until(D(9999, 12, 1), "P60D") == dt.date.max


@pytest.mark.parametrize("text", ["P", "90D", "P1W", "PT1H", "P1.5Y", "", "P-1D"])
def test_other_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        Period.parse(text)


def test_the_parts_are_read() -> None:
    assert Period.parse("P1Y2M3D") == Period(1, 2, 3)
    assert Period.parse("P13M") == Period(0, 13, 0)

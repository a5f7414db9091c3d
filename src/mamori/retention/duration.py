"""Periods of keeping: ISO 8601 durations in years, months and days, on the calendar.

A period is counted as the Civil Code counts it (民法 Art. 140-143): the day of the event
is not counted, and a period of months or years ends on the day before the corresponding
day of the last month, or on the last day of that month when it has no such day. That is
the event's date plus the months (clamped to the month's end) plus the days: the last day
the data is kept. Disposal is due the day after.

>>> keep_until(dt.date(2026, 1, 31), "P13M")
datetime.date(2027, 2, 28)
>>> disposal_day(dt.date(2026, 1, 31), "P13M")
datetime.date(2027, 3, 1)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["Period", "disposal_day", "keep_until"]

_PERIOD = re.compile(r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?")


@dataclass(frozen=True, slots=True)
class Period:
    """Years, months and days of an ISO 8601 duration such as ``P1Y6M`` or ``P90D``."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.fullmatch(text)
        if match is None or text == "P":
            raise ValueError(f"'{text}' is not an ISO 8601 duration in years, months, days")
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
        return cls(**parts)

    def after(self, day: dt.date) -> dt.date:
        """``day`` moved by this period: months first (to the month's end when the month is
        shorter), then days. A period past the calendar's end gives ``date.max``."""
        total = day.year * 12 + (day.month - 1) + self.years * 12 + self.months
        year, month = divmod(total, 12)
        month += 1
        if year > dt.MAXYEAR:
            return dt.date.max
        last = calendar.monthrange(year, month)[1]
        moved = dt.date(year, month, min(day.day, last))
        try:
            return moved + dt.timedelta(days=self.days)
        except OverflowError:
            return dt.date.max


def keep_until(event_day: dt.date, keep: str) -> dt.date:
    """The last day data is kept when ``keep`` runs from an event on ``event_day``."""
    return Period.parse(keep).after(event_day)


def disposal_day(event_day: dt.date, keep: str) -> dt.date:
    """The first day the data may no longer be kept: the day after :func:`keep_until`
    (``date.max``, never, for a period past the calendar's end)."""
    last = keep_until(event_day, keep)
    return last if last == dt.date.max else last + dt.timedelta(days=1)

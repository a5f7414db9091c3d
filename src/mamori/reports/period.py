"""The period a report covers: whole days in the configured time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from mamori.audit import format_at
from mamori.reports.errors import InvalidPeriod

__all__ = ["Period", "previous_month"]


@dataclass(frozen=True, slots=True)
class Period:
    """The days ``since`` to ``until`` (both included) in ``zone``.

    ``start`` and ``end`` are the instants that bound it: midnight at the start of
    ``since`` and midnight after ``until``, so a moment ``t`` is in the period when
    ``start <= t < end``.
    """

    since: dt.date
    until: dt.date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise InvalidPeriod(
                f"the period starts ({self.since.isoformat()}) after it ends "
                f"({self.until.isoformat()}): --since must not be after --until"
            )

    @classmethod
    def parse(cls, since: str | None, until: str | None, zone: ZoneInfo, today: dt.date) -> Period:
        """From ``YYYY-MM-DD`` texts; a missing end is filled from the previous calendar
        month (both missing), the end of the month of ``since``, or its first day."""
        start = _date("--since", since)
        stop = _date("--until", until)
        if start is None and stop is None:
            return previous_month(today, zone)
        if start is None:
            assert stop is not None
            start = stop.replace(day=1)
        if stop is None:
            stop = _month_end(start)
        return cls(start, stop, zone)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.since, dt.time(), self.zone)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time(), self.zone)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end

    def to_dict(self) -> dict[str, str]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "timezone": self.zone.key,
            "start": format_at(self.start),
            "end": format_at(self.end),
        }


def previous_month(today: dt.date, zone: ZoneInfo) -> Period:
    """The calendar month before the one ``today`` is in."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    return Period(last.replace(day=1), last, zone)


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _date(option: str, text: str | None) -> dt.date | None:
    if text is None or text == "":
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidPeriod(f"{option}: '{text[:40]}' is not a date (YYYY-MM-DD)") from None

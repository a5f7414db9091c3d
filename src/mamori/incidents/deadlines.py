"""Report deadlines of a breach (PPC Rules 7-8): pure date arithmetic, no clock inside.

Day 1 is the day any department learned of the incident, in the configured zone. The
preliminary report (速報) is due about 3-5 days later (``preliminary_days``); the final
report (確報) 30 days later, or 60 where a possibly malicious act is involved. A deadline
that falls on a Saturday, a Sunday, a national holiday (振替休日 and 国民の休日 included,
as ``jpholiday`` knows them) or in the year-end closure (29 December to 3 January) moves to
the next day that is none of these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import jpholiday

__all__ = [
    "FINAL_DAYS",
    "FINAL_DAYS_MALICIOUS",
    "Deadlines",
    "DueStatus",
    "business_day",
    "due_on",
    "due_status",
    "learned_day",
    "next_business_day",
    "report_deadlines",
    "year_end_closure",
]

FINAL_DAYS = 30
FINAL_DAYS_MALICIOUS = 60


def year_end_closure(day: dt.date) -> bool:
    """29 December to 3 January: the government offices' year-end closure."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def business_day(day: dt.date) -> bool:
    """Neither a weekend, a national holiday nor the year-end closure."""
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and not year_end_closure(day)


def next_business_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a business day, else the first one after it."""
    while not business_day(day):
        day += dt.timedelta(days=1)
    return day


def due_on(learned_on: dt.date, days: int) -> dt.date:
    """The last day of a period of ``days`` days counting ``learned_on`` as day 1, moved
    past weekends, holidays and the year-end closure."""
    if days < 1:
        raise ValueError("a report period is at least 1 day")
    return next_business_day(learned_on + dt.timedelta(days=days - 1))


def learned_day(learned_at: dt.datetime, zone: ZoneInfo) -> dt.date:
    """Day 1: the date, in ``zone``, of the moment the incident was learned of."""
    if learned_at.tzinfo is None:
        raise ValueError("learned_at must be timezone-aware")
    return learned_at.astimezone(zone).date()


@dataclass(frozen=True)
class Deadlines:
    preliminary: dt.date
    final: dt.date

    def to_dict(self) -> dict[str, str]:
        return {"preliminary": self.preliminary.isoformat(), "final": self.final.isoformat()}


def report_deadlines(
    learned_on: dt.date, *, preliminary_days: int = 3, malicious: bool = False
) -> Deadlines:
    """Both deadlines for an incident learned of on ``learned_on``."""
    final = FINAL_DAYS_MALICIOUS if malicious else FINAL_DAYS
    return Deadlines(due_on(learned_on, preliminary_days), due_on(learned_on, final))


class DueStatus(StrEnum):
    met = "met"  # submitted on or before the due day
    missed = "missed"  # submitted late, or not submitted and the day has passed
    pending = "pending"  # not submitted yet, still in time


def due_status(due: dt.date, submitted_on: dt.date | None, today: dt.date) -> DueStatus:
    """Whether a report was, or still can be, on time."""
    if submitted_on is not None:
        return DueStatus.met if submitted_on <= due else DueStatus.missed
    return DueStatus.missed if today > due else DueStatus.pending

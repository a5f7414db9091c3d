"""Sections whose figures come from the other registers' own summaries: incidents, alerts,
inquiries and retention. Each section calls the register's ``summary`` with the period in
the form that register takes, and returns its JSON-able dict."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mamori.reports.period import Period

if TYPE_CHECKING:
    from mamori.core import Mamori

__all__ = [
    "SECTIONS",
    "alerts_section",
    "incidents_section",
    "inquiries_section",
    "retention_section",
]

_DAY = dt.timedelta(days=1)


def incidents_section(core: Mamori, period: Period) -> dict[str, Any]:
    """Incidents learned of in the period; their report deadlines met, missed or pending."""
    return core.incidents.summary(period.start, period.end)


def alerts_section(core: Mamori, period: Period) -> dict[str, Any]:
    """Alerts raised in the period, by kind; acknowledged, open, made incidents."""
    return core.alerts.summary(period.start, period.end)


def inquiries_section(core: Mamori, period: Period) -> dict[str, Any]:
    """Inquiries received in the period; first replies on time and late; those overdue on
    the day after the period (as the request figures count them)."""
    return core.inquiries.summary(period.since, period.until, today=period.until + _DAY)


def retention_section(core: Mamori, period: Period) -> dict[str, Any]:
    """Disposals of the period (the register takes the day after it as the end) and the
    backlog due for disposal when the report is made."""
    return core.retention.summary(period.since, period.until + _DAY)


SECTIONS: dict[str, Callable[[Mamori, Period], dict[str, Any]]] = {
    "incidents": incidents_section,
    "alerts": alerts_section,
    "inquiries": inquiries_section,
    "retention": retention_section,
}

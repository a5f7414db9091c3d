"""The summary a self-inspection report reads: counts over a period, first replies on time
and late, overdue tickets, and the median time to a first reply."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.inquiries import InquiryRefused

JST = dt.timezone(dt.timedelta(hours=9))


def at(day: int, hour: int = 10, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=JST)


def test_summary_counts_a_period(core: Mamori, clock: FixedClock) -> None:
    desk = core.inquiries

    def open_at(when: dt.datetime, kind: str, channel: str, days: int = 14) -> str:
        clock.set(when)
        return desk.open(
            kind, title="件名", body="本文", actor="web", channel=channel, reply_days=days
        ).id

    before = open_at(at(30, 23, month=10), "question", "web")  # 2026-10-30, outside
    quick = open_at(at(2), "question", "web", days=5)  # due 11-07
    slow = open_at(at(3), "complaint", "email", days=5)  # due 11-08
    silent = open_at(at(4), "complaint", "phone", days=5)  # due 11-09, never answered
    edge = open_at(dt.datetime(2026, 11, 30, 23, 59, tzinfo=JST), "request_guidance", "post")
    after = open_at(dt.datetime(2026, 12, 1, 0, 0, tzinfo=JST), "question", "web")

    clock.set(at(3, 22))  # 1.5 days after quick arrived
    desk.reply(quick, "回答", actor="staff", send=False)
    clock.set(at(9, 10))  # 6 days after slow arrived, a day late
    desk.reply(slow, "回答", actor="staff", send=False, status="waiting_on_person")
    desk.close(quick, "解決", actor="staff")

    summary = desk.summary(dt.date(2026, 11, 1), dt.date(2026, 11, 30), today=dt.date(2026, 12, 1))
    assert summary == {
        "since": "2026-11-01",
        "until": "2026-11-30",
        "as_of": "2026-12-01",
        "received": 4,
        "by_kind": {"question": 1, "complaint": 2, "request_guidance": 1},
        "by_channel": {"web": 1, "email": 1, "phone": 1, "post": 1, "api": 0, "in_person": 0},
        "by_status": {"open": 2, "answered": 0, "waiting_on_person": 1, "closed": 1},
        "answered_on_time": 1,
        "answered_late": 1,
        "unanswered": 2,
        "overdue_now": 1,  # silent; edge is due 12-14
        "median_days_to_first_reply": 3.75,  # 1.5 and 6 days
    }
    assert [t.id for t in desk.overdue(dt.date(2026, 12, 1))] == [silent, before]
    assert desk.lookup(after).due_on == dt.date(2026, 12, 15)  # the next period's
    assert desk.lookup(edge).received_at == dt.datetime(2026, 11, 30, 23, 59, tzinfo=JST)

    empty = desk.summary(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert empty["received"] == 0 and empty["median_days_to_first_reply"] is None
    assert empty["as_of"] == core.today().isoformat()


def test_a_period_ends_on_or_after_it_begins(core: Mamori) -> None:
    with pytest.raises(InquiryRefused, match="until: before_since"):
        core.inquiries.summary(dt.date(2026, 11, 30), dt.date(2026, 11, 1))


def test_a_report_period_given_as_instants(core: Mamori, clock: FixedClock) -> None:
    """The self-inspection report passes the instants bounding its period: start <= t < end."""
    clock.set(dt.datetime(2026, 11, 30, 23, 59, tzinfo=JST))
    inside = core.inquiries.open("question", title="件名", body="本文", actor="web").id
    clock.set(dt.datetime(2026, 12, 1, 0, 0, tzinfo=JST))
    core.inquiries.open("complaint", title="件名", body="本文", actor="web")
    start = dt.datetime(2026, 11, 1, tzinfo=JST)
    end = dt.datetime(2026, 12, 1, tzinfo=JST)
    counts = core.inquiries.summary(start, end)
    assert counts["received"] == 1 and counts["by_kind"]["question"] == 1
    assert counts["since"] == start.isoformat() and counts["until"] == end.isoformat()
    assert core.inquiries.summary(start.date(), dt.date(2026, 11, 30)) == {
        **counts,
        "since": "2026-11-01",
        "until": "2026-11-30",
    }
    assert core.inquiries.lookup(inside).received_at.astimezone(JST).day == 30
    with pytest.raises(InquiryRefused, match="since: no_time_zone"):
        core.inquiries.summary(dt.datetime(2026, 11, 1), end)

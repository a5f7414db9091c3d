"""The report's figures are the audit log's and the registers' own counts over the period:
each is computed here again, independently, from the log's export and the registers."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from conftest import END, JST, START, Month
from mamori.audit import format_at
from mamori.core import Mamori
from mamori.keys import AUDIT_SIGNING, BLIND_INDEX
from mamori.reports import Period, previous_month


def october(core: Mamori) -> Period:
    return Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31), core.settings.zone)


def entries(core: Mamori) -> list[dict[str, Any]]:
    """The period's entries, chosen here by comparing times (not by the export's bounds)."""
    every = list(core.audit.export())
    start, end = format_at(START), format_at(END)
    return [e for e in every if start <= e["at"] < end]


def test_the_default_period_is_the_previous_calendar_month(core: Mamori, month: Month) -> None:
    assert core.today() == dt.date(2026, 11, 5)
    report = core.report(actor="officer-1")
    assert report.figures["period"]["since"] == "2026-10-01"
    assert report.figures["period"]["until"] == "2026-10-31"
    assert report.figures["period"]["start"] == "2026-09-30T15:00:00.000000Z"
    assert previous_month(dt.date(2027, 1, 9), core.settings.zone).since == dt.date(2026, 12, 1)


def test_accesses_and_denies_equal_the_audit_log_counts(core: Mamori, month: Month) -> None:
    figures = core.report(october(core), actor="officer-1").figures
    mine = entries(core)
    uses = [e for e in mine if e["action"] in ("use", "legal_exception", "export")]
    denies = [e for e in mine if e["action"] == "deny"]
    assert len(uses) >= 8 and len(denies) == 3  # fulfilment and notices add their own
    accesses = figures["accesses"]
    assert accesses["total"] == len(uses)
    assert accesses["by_role"] == dict(Counter(e["detail"]["role"] for e in uses))
    assert accesses["by_purpose"] == dict(Counter(e["purpose"] or "-" for e in uses))
    assert accesses["by_item"] == dict(Counter(i for e in uses for i in e["items"]))
    assert accesses["by_action"] == {
        "export": sum(e["action"] == "export" for e in uses),
        "legal_exception": 0,
        "use": sum(e["action"] == "use" for e in uses),
    }
    assert accesses["top_actors"] == dict(Counter(e["actor"] for e in uses))
    assert figures["denies"]["total"] == len(denies)
    reasons = Counter(r for e in denies for r in e["detail"]["reasons"])
    assert figures["denies"]["by_reason"] == dict(reasons)
    assert {"consent_missing", "consent_withdrawn"} <= set(reasons)
    assert figures["denies"]["by_role"] == dict(Counter(e["detail"]["role"] for e in denies))
    assert figures["activity"]["by_action"] == dict(Counter(e["action"] for e in mine))
    assert figures["activity"]["entries"] == len(mine)
    packages = [e for e in uses if e["action"] == "export" and "request" in e["detail"]]
    assert figures["provisions"]["request_reads"] == len(packages) >= 2
    given = [e for e in uses if e["action"] == "export" and "recipient" in e["detail"]]
    assert figures["provisions"]["exports"] == len(given)
    # the collects were in September
    assert figures["collections"] == {"total": 0, "new_subjects": 0, "by_purpose": {}}


def test_entries_just_outside_the_period_are_not_counted(core: Mamori, month: Month) -> None:
    october_figures = core.report(october(core), actor="officer-1").figures
    everything = list(core.audit.export())
    last_instant = format_at(END - dt.timedelta(microseconds=1))
    first_after = format_at(END)
    before = format_at(START - dt.timedelta(microseconds=1))
    assert [e["action"] for e in everything if e["at"] == before] == ["use", "deny"]
    assert [e["action"] for e in everything if e["at"] == last_instant] == ["use", "deny"]
    assert "use" in [e["action"] for e in everything if e["at"] == first_after]
    # a period that ends a day earlier loses the last instant's use and deny only
    shorter = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 30), core.settings.zone)
    figures = core.report(shorter, actor="officer-1").figures
    assert figures["accesses"]["total"] == october_figures["accesses"]["total"] - 1
    assert figures["denies"]["total"] == october_figures["denies"]["total"] - 1
    # November's first day holds the entries just after October, and none of October's
    november = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 1), core.settings.zone)
    first = core.report(november, actor="officer-1").figures
    assert first["accesses"]["total"] == 1 and first["denies"]["total"] == 1
    # September's last day holds the use and deny just before October
    september = Period(dt.date(2026, 9, 30), dt.date(2026, 9, 30), core.settings.zone)
    last = core.report(september, actor="officer-1").figures
    assert last["accesses"]["total"] == 1 and last["denies"]["total"] == 1


def test_requests_received_on_time_late_and_overdue(core: Mamori, month: Month) -> None:
    figures = core.report(october(core), actor="officer-1").figures["requests"]
    late, on_time = core.requests.get(month.late), core.requests.get(month.on_time)
    assert late.due_on == dt.date(2026, 10, 4) and late.closed_at is not None
    assert on_time.closed_at is not None
    assert on_time.closed_at.astimezone(JST).date() <= on_time.due_on
    assert figures["received"] == 3  # the September one is not counted
    assert figures["received_by_kind"] == {"disclosure": 2, "erasure": 1}
    assert figures["completed"] == 2
    assert figures["completed_on_time"] == 1 and figures["completed_late"] == 1
    assert figures["open_at_end"] == 2
    overdue = core.requests.get(month.overdue)
    assert overdue.due_on == dt.date(2026, 10, 19)
    assert figures["overdue_at_end"] == 1
    # as the desk counts them on the day after the period
    days = -overdue.days_left(dt.date(2026, 11, 1))
    assert figures["overdue"] == [
        {"id": month.overdue, "kind": "erasure", "due_on": "2026-10-19", "days_overdue": days}
    ]
    assert figures["target_days"] == 14


def test_consent_coverage_at_the_end_of_the_period(core: Mamori, month: Month) -> None:
    figures = core.report(october(core), actor="officer-1").figures["consent"]
    # c consented; d consented and withdrew; a consented only after the period
    assert figures["subjects"] == 4
    assert figures["purposes"] == [{"purpose": "research", "consented": 1, "share": 0.25}]
    assert figures["events"] == {"given": 2, "withdrawn": 1, "expired": 0, "superseded": 0}
    november = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30), core.settings.zone)
    later = core.report(november, actor="officer-1").figures["consent"]
    assert later["purposes"] == [{"purpose": "research", "consented": 2, "share": 0.5}]


def test_keys_audit_and_services(core: Mamori, month: Month) -> None:
    figures = core.report(october(core), actor="officer-1").figures
    keys = figures["keys"]
    assert keys["rotation_days"] == 365 and keys["rotation_due"] is False
    assert [k["primary"] for k in keys["keks"]] == [True]
    names = {k["name"] for k in keys["service_keys"]}
    assert {AUDIT_SIGNING, BLIND_INDEX} <= names
    audit = figures["audit"]
    assert audit["verified"]["ok"] is True
    assert audit["latest_checkpoint"] is None
    assert audit["head_seq"] == core.audit.count() - 1  # the report's own entry came after
    signer_id, signer = core.keys.audit_signer()
    core.audit.checkpoint(signer, signer_id)
    again = core.report(october(core), actor="officer-1").figures["audit"]
    checkpoint = again["latest_checkpoint"]
    assert checkpoint["signature_ok"] is True and checkpoint["first_seq"] == 1
    assert again["verified"]["checkpoints_checked"] == 1

"""A report is signed by its audit entry; it renders as HTML with SVG charts (no script),
as PDF, and as JSON that verifies until a figure or the log is changed."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from typing import Any

import pytest

from conftest import Month
from mamori.audit import canonical_json
from mamori.core import Mamori
from mamori.reports import (
    GENERATE,
    InvalidPeriod,
    InvalidReport,
    Period,
    read_report,
    render_html,
    render_pdf,
    verify_report,
)

GUARDS = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_log_no_update"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"],
}


def october(core: Mamori) -> Period:
    return Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31), core.settings.zone)


def made(core: Mamori) -> dict[str, Any]:
    document = json.loads(core.report(october(core), actor="officer-1").to_json())
    assert isinstance(document, dict)
    return document


def test_the_generation_entry_holds_the_digest_of_the_figures_and_the_period(
    core: Mamori, month: Month
) -> None:
    report = core.report(october(core), actor="officer-1")
    entry = core.audit.get(report.audit_seq)
    assert entry.action == GENERATE and entry.actor == "officer-1"
    digest = hashlib.sha256(canonical_json(report.figures)).hexdigest()
    assert entry.detail["figures_sha256"] == digest == report.digest
    assert (entry.detail["since"], entry.detail["until"]) == ("2026-10-01", "2026-10-31")
    assert entry.hash.hex() == report.audit_hash
    assert core.audit.tail(1)[0].seq == report.audit_seq


def test_verify_passes_and_fails_after_a_figure_is_changed(core: Mamori, month: Month) -> None:
    document = made(core)
    assert verify_report(core, document)
    tampered = copy.deepcopy(document)
    tampered["figures"]["denies"]["total"] += 1
    assert not verify_report(core, tampered)
    moved = copy.deepcopy(document)
    moved["figures"]["period"]["until"] = "2026-10-30"
    assert not verify_report(core, moved)
    other = copy.deepcopy(document)
    other["signature"]["audit_seq"] -= 1  # an entry that is not this report's
    assert not verify_report(core, other)
    missing = copy.deepcopy(document)
    missing["signature"]["audit_seq"] = 10**6
    assert not verify_report(core, missing)
    with pytest.raises(InvalidReport):
        verify_report(core, {"format": "something else"})
    with pytest.raises(InvalidReport):
        read_report(b"not json")


def test_verify_fails_when_the_log_before_the_entry_was_rewritten(
    core: Mamori, month: Month
) -> None:
    document = made(core)
    assert verify_report(core, document)
    with core.store.engine.begin() as conn:
        for guard in GUARDS[core.store.dialect]:  # as a superuser could
            conn.exec_driver_sql(guard)
        row = conn.exec_driver_sql("SELECT canonical FROM audit_log WHERE seq = 5").one()
        changed = bytes(row[0]).replace(b'"officer-1"', b'"officer-2"')
        sql = "UPDATE audit_log SET canonical = ? WHERE seq = 5"
        sql = sql if core.store.dialect == "sqlite" else sql.replace("?", "%s")
        conn.exec_driver_sql(sql, (changed,))
    assert not verify_report(core, document)


def test_html_has_accessible_svg_charts_and_no_script(core: Mamori, month: Month) -> None:
    document = made(core)
    policy = core.versions.in_force(dt.date(2026, 10, 31))
    assert policy is not None
    html = render_html(document, lang="ja", policy=policy.policy)
    assert "<script" not in html.lower() and "javascript:" not in html.lower()
    assert html.count("<svg") == 6
    charts = ("role", "purpose", "reason", "requests", "consent", "inquiries")
    for chart in (f"chart-{name}" for name in charts):
        found = re.search(rf'<svg[^>]*role="img"[^>]*id="{chart}"[^>]*>\s*<title id=', html)
        assert found, chart
    assert "サポート担当者" in html  # the role's label from the policy
    assert '<html lang="ja">' in html and "自己点検" in html
    assert f"#{document['signature']['audit_seq']}" in html
    assert document["signature"]["audit_hash"] in html
    english = render_html(document, lang="en", policy=policy.policy)
    assert '<html lang="en">' in english and "Support staff" in english
    assert "Self-inspection report" in english and "<script" not in english.lower()


def test_pdf_output_is_a_pdf(core: Mamori, month: Month) -> None:
    pdf = render_pdf(made(core), lang="en")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


def test_a_period_must_run_forwards_and_name_real_days(core: Mamori) -> None:
    zone = core.settings.zone
    with pytest.raises(InvalidPeriod, match="--since must not be after --until"):
        Period(dt.date(2026, 10, 2), dt.date(2026, 10, 1), zone)
    with pytest.raises(InvalidPeriod, match="--until: '2026-02-30' is not a date"):
        Period.parse(None, "2026-02-30", zone, dt.date(2026, 3, 1))
    whole = Period.parse("2026-02-01", None, zone, dt.date(2026, 3, 1))
    assert (whole.since, whole.until, whole.days) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28), 28)
    default = Period.parse(None, None, zone, dt.date(2026, 1, 15))
    assert (default.since, default.until) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))

"""The incidents, alerts, inquiries and retention sections are those registers' own
summaries over the report's period, rendered with their figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import JST, Month, at
from mamori.core import Mamori
from mamori.reports import Period, render_html


def october(core: Mamori) -> Period:
    return Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31), core.settings.zone)


def section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}">', 1)[1].split("</section>", 1)[0]


def test_each_register_section_is_its_summary_over_the_period(core: Mamori, month: Month) -> None:
    now = core.clock.now()
    at(core, dt.datetime(2026, 10, 6, 10, 0, tzinfo=JST))
    answered = core.inquiries.open(
        "complaint", title="配信停止", body="メールを止めてください", actor="web"
    )
    core.inquiries.reply(answered.id, "停止しました", actor="staff-1", send=False)
    core.inquiries.open("question", title="利用目的", body="教えてください", actor="web")
    core.alerts.record("deny_burst", summary="3 denies in 10 minutes", detail={"count": 3})
    core.incidents.open(
        actor="officer-1",
        learned_at=dt.datetime(2026, 10, 6, 9, 0, tzinfo=JST),
        cause="misdelivery",
        items=["email"],
        subjects=[month.subjects[0]],
    )
    at(core, now)
    figures = core.report(october(core), actor="officer-1").figures
    start, end = october(core).start, october(core).end
    expected: dict[str, Any] = {
        "incidents": core.incidents.summary(start, end),
        "alerts": core.alerts.summary(start, end),
        "inquiries": core.inquiries.summary(
            dt.date(2026, 10, 1), dt.date(2026, 10, 31), today=dt.date(2026, 11, 1)
        ),
        "retention": core.retention.summary(dt.date(2026, 10, 1), dt.date(2026, 11, 1)),
    }
    for name, summary in expected.items():
        assert figures[name] == summary, name
    assert figures["inquiries"]["received"] == 2
    assert figures["inquiries"]["answered_on_time"] == 1
    assert figures["alerts"]["alerts"] == 1 and figures["incidents"]["incidents"] == 1
    html = render_html(core.report(october(core), actor="officer-1").to_dict(), lang="en")
    inquiries = section(html, "inquiries")
    assert 'id="chart-inquiries"' in inquiries and "First reply on time" in inquiries
    assert "deny_burst" in section(html, "alerts")
    assert "misdelivery" in section(html, "incidents")
    assert "Due for disposal" in section(html, "retention")

"""The incident register on SQLite and PostgreSQL: categories of PPC Rule 7, deadlines,
report drafts with the nine items of Rule 8, notices to each person once, the contractor
case, the status flow and the summary for the self-inspection report."""

from __future__ import annotations

import datetime as dt
import email.policy
import json
from email.parser import BytesParser
from pathlib import Path

import pytest
from incident_helpers import JST, at, people

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import Conflict, NotFound
from mamori.incidents import (
    ITEM_TITLES,
    Category,
    IncidentRefused,
    IncidentState,
    ReportKind,
)


def _open(core: Mamori, **kwargs: object) -> str:
    base: dict[str, object] = {
        "actor": "officer-1",
        "learned_at": at(2026, 11, 20, 15),
        "cause": "misdelivery",
        "items": ["name", "email"],
    }
    base.update(kwargs)
    return core.incidents.open(**base).id  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("items", "cause", "expected"),
    [
        (["medical_history"], "loss", [Category.special_care]),
        (["name", "card_number"], "misdelivery", [Category.financial]),
        (["name"], "unauthorised_access", [Category.malicious]),
        (["name"], "theft", [Category.malicious]),
        (["name", "email"], "misdelivery", []),
        (["medical_history", "card_number"], "malware", list(Category)[:3]),
    ],
)
def test_each_category_is_suggested_from_the_data(
    core: Mamori, items: list[str], cause: str, expected: list[Category]
) -> None:
    [one] = people(core, 1)
    incident = core.incidents.get(_open(core, items=items, cause=cause, subjects=[one]))
    assert list(incident.suggested) == expected
    assert incident.state is IncidentState.open and incident.categories is None
    classified = core.incidents.classify(incident.id, actor="officer-1")
    assert list(classified.categories or ()) == expected
    assert classified.reportable is bool(expected)
    days = 60 if Category.malicious in expected else 30
    assert classified.final_due >= dt.date(2026, 11, 20) + dt.timedelta(days=days - 1)


def test_1001_persons_are_reportable_and_1000_ordinary_ones_are_not(core: Mamori) -> None:
    crowd = people(core, 1001)
    over = core.incidents.get(_open(core, holding=["email"]))
    assert over.listed_count == over.affected_count == 1001
    assert over.count_is_upper_bound  # a query gives the largest possible set
    assert over.suggested == (Category.over_1000,)
    exact = core.incidents.get(_open(core, subjects=crowd[:1000]))
    assert exact.affected_count == 1000 and not exact.count_is_upper_bound
    assert exact.suggested == ()
    assert core.incidents.classify(exact.id, actor="officer-1").reportable is False
    # An estimate beyond the subjects found raises the count (and marks it an upper bound).
    estimated = core.incidents.get(_open(core, subjects=crowd[:10], estimated_count=1001))
    assert (estimated.listed_count, estimated.affected_count) == (10, 1001)
    assert estimated.count_is_upper_bound and estimated.suggested == (Category.over_1000,)


def test_a_query_by_creation_time_selects_the_subjects_of_that_range(
    core: Mamori, clock: FixedClock
) -> None:
    early = people(core, 3)
    clock.advance(dt.timedelta(days=1))
    late = people(core, 2, start=10)
    incident = core.incidents.get(
        _open(
            core,
            created_from=at(2026, 11, 26, 0),
            created_until=at(2026, 11, 27, 0),
            learned_at=clock.now(),
        )
    )
    assert sorted(core.incidents.subjects(incident.id)) == sorted(late)
    assert not set(early) & set(core.incidents.subjects(incident.id))
    assert incident.selection["mode"] == "query"


def test_encrypted_data_with_the_key_safe_is_excluded_with_its_reason(core: Mamori) -> None:
    [one] = people(core, 1)
    iid = _open(core, items=["medical_history"], cause="theft", subjects=[one])
    done = core.incidents.classify(
        iid, actor="officer-1", excluded_reason="ノートPCは全体暗号化済み、鍵は漏えいしていない"
    )
    assert done.categories == () and done.reportable is False
    assert done.excluded_reason and done.suggested == ()
    assert core.incidents.close(iid, actor="officer-1").state is IncidentState.closed


def test_the_officer_may_differ_from_the_suggestion_only_with_a_reason(core: Mamori) -> None:
    [one] = people(core, 1)
    iid = _open(core, subjects=[one])
    with pytest.raises(IncidentRefused) as refused:
        core.incidents.classify(iid, actor="officer-1", categories=["malicious"])
    assert "reason" in refused.value.problems
    done = core.incidents.classify(
        iid, actor="officer-1", categories=["malicious"], reason="誤送付先が悪用を示唆"
    )
    assert done.categories == (Category.malicious,) and done.suggested == ()
    assert done.classified_by == "officer-1" and done.classify_reason
    assert done.final_due == dt.date(2027, 1, 18)  # 60 days from Fri 20 Nov: Mon 18 Jan
    entry = [e for e in core.audit.tail(5) if e.action == "incident_classify"][-1]
    assert entry.detail["differs"] is True and entry.detail["confirmed"] == ("malicious",)


def test_status_flow_reports_and_the_summary(core: Mamori, clock: FixedClock) -> None:
    [a, b] = people(core, 2)
    zone = core.settings.zone
    on_time = _open(core, cause="unauthorised_access", subjects=[a])
    late = _open(core, cause="theft", subjects=[b], learned_at=at(2026, 11, 2, 9))
    quiet = _open(core, subjects=[a])
    with pytest.raises(Conflict, match="cannot report preliminary"):
        core.incidents.record_report(on_time, "preliminary", actor="officer-1")
    for iid in (on_time, late, quiet):
        core.incidents.classify(iid, actor="officer-1")
    first = core.incidents.get(on_time)
    assert first.preliminary_due == dt.date(2026, 11, 24)  # Sun 22, Mon 23 (holiday)
    core.incidents.record_report(
        on_time, "preliminary", actor="officer-1", submitted_at=at(2026, 11, 24, 17)
    )
    with pytest.raises(Conflict):
        core.incidents.close(on_time, actor="officer-1")
    core.incidents.record_report(on_time, ReportKind.final, actor="officer-1")
    closed = core.incidents.close(on_time, actor="officer-1", note="再発防止策の実施を確認")
    assert closed.state is IncidentState.closed
    assert [e["to"] for e in core.incidents.events(on_time)] == [
        "open", "classified", "preliminary_reported", "final_reported", "closed",
    ]  # fmt: skip
    # The late one: learned 2 Nov, preliminary due 4 Nov, it is now 25 Nov.
    assert core.incidents.get(late).preliminary_status(core.today(), zone).value == "missed"
    with pytest.raises(Conflict, match="not reportable"):
        core.incidents.record_report(quiet, "final", actor="officer-1")
    core.incidents.close(quiet, actor="officer-1")
    summary = core.incidents.summary(at(2026, 11, 1, 0), at(2026, 12, 1, 0))
    assert summary["incidents"] == 3 and summary["reportable"] == 2
    assert summary["not_reportable"] == 1
    assert summary["by_category"]["malicious"] == 2
    assert summary["deadlines"]["preliminary"] == {"met": 1, "missed": 1, "pending": 0}
    assert summary["deadlines"]["final"] == {"met": 1, "missed": 0, "pending": 1}
    clock.set(dt.datetime(2027, 2, 1, 9, tzinfo=JST))
    later = core.incidents.summary(at(2026, 11, 1, 0), at(2026, 12, 1, 0))
    assert later["deadlines"]["final"] == {"met": 1, "missed": 1, "pending": 0}
    assert core.incidents.summary(at(2026, 12, 1, 0), at(2027, 1, 1, 0))["incidents"] == 0
    actions = [e.action for e in core.audit.tail(40)]
    for action in ("incident_open", "incident_classify", "incident_report", "incident_close"):
        assert action in actions


def test_a_final_report_without_a_preliminary_one_serves_as_both(core: Mamori) -> None:
    [one] = people(core, 1)
    iid = _open(core, cause="malware", subjects=[one])
    core.incidents.classify(iid, actor="officer-1")
    done = core.incidents.record_report(iid, "final", actor="officer-1")
    assert done.state is IncidentState.final_reported
    assert done.preliminary_at == done.final_at is not None


def test_notices_reach_every_affected_person_exactly_once(
    core: Mamori, tmp_path: Path, clock: FixedClock
) -> None:
    reachable = people(core, 5)
    unreachable = people(core, 2, email=False, start=100)
    iid = _open(
        core,
        subjects=[*reachable, *unreachable],
        texts={"overview": "メールの誤送信", "advice": "不審なメールにご注意ください"},
    )
    with pytest.raises(Conflict, match="classify"):
        core.incidents.notify(iid, actor="officer-1")
    core.incidents.classify(iid, actor="officer-1")
    first = core.incidents.notify(iid, actor="officer-1")
    assert (first.sent, first.already, first.no_contact, first.failed) == (5, 0, 2, 0)
    outbox = tmp_path / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 5
    clock.advance(dt.timedelta(hours=1))
    again = core.incidents.notify(iid, actor="officer-1")
    assert (again.sent, again.already, again.no_contact) == (0, 5, 2)
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 5
    parsed = [BytesParser(policy=email.policy.default).parsebytes(p.read_bytes()) for p in files]
    assert sorted(str(m["To"]) for m in parsed) == sorted(f"u{n}@example.jp" for n in range(5))
    body = parsed[0].get_body().get_content()  # type: ignore[union-attr]
    for words in ("メールの誤送信", "氏名", "誤送付・誤送信", "不審なメールにご注意ください"):
        assert words in body
    assert core.incidents.notices(iid) == {"sent": 5, "no_contact": 2, "failed": 0, "pending": 0}
    entries = core.audit.tail(60)
    assert [e.action for e in entries].count("notify") == 5
    for entry in entries:
        assert b"example.jp" not in entry.canonical()
        assert "メールの誤送信".encode() not in entry.canonical()


def test_report_drafts_hold_the_nine_items_in_each_format(core: Mamori) -> None:
    [one] = people(core, 1)
    iid = _open(
        core,
        subjects=[one],
        items=["name", "card_number"],
        texts={"overview": "委託先サーバの設定誤り", "prevention": "設定の二重確認"},
    )
    core.incidents.classify(iid, actor="officer-1")
    draft = core.incidents.draft(iid, "preliminary")
    markdown = draft.render("md")
    html = draft.render("html")
    data = json.loads(draft.render("json"))
    for n, (_, ja, _) in enumerate(ITEM_TITLES, 1):
        assert f"## {n}. {ja}" in markdown
        assert ja in html
    assert [i["title"] for i in data["items"]] == [ja for _, ja, _ in ITEM_TITLES]
    assert len(data["items"]) == 9 and data["kind"] == "preliminary"
    assert "個人情報保護委員会" in markdown and "クレジットカード番号" in markdown
    assert "設定の二重確認" in markdown and "1人" in markdown
    assert "<h2>" in html and "&lt;" not in markdown
    english = core.incidents.draft(iid, "final", lang="en").render("md")
    for _, _, en in ITEM_TITLES:
        assert en in english
    with pytest.raises(IncidentRefused):
        core.incidents.draft(iid, "interim")


def test_a_contractor_notifies_its_client_instead_of_the_ppc(core: Mamori, tmp_path: Path) -> None:
    [one] = people(core, 1)
    iid = _open(
        core,
        subjects=[one],
        cause="unauthorised_access",
        reporter="client",
        client_name="委託元株式会社",
        client_email="privacy@client.example",
    )
    core.incidents.classify(iid, actor="officer-1")
    markdown = core.incidents.draft(iid, "preliminary").render("md")
    assert "委託元株式会社 御中(委託元)" in markdown and "ただし書" in markdown
    assert "個人情報保護委員会 御中" not in markdown
    core.incidents.record_report(iid, "preliminary", actor="officer-1")
    [sent] = list((tmp_path / "outbox").glob("*.eml"))
    message = BytesParser(policy=email.policy.default).parsebytes(sent.read_bytes())
    assert str(message["To"]) == "privacy@client.example"
    assert "速報" in str(message["Subject"])
    named = _open(core, subjects=[one], reporter="client", client_recipient="cloud_hosting")
    assert core.incidents.get(named).client_name == "例示クラウド株式会社"


def test_bad_input_names_the_field_and_writes_nothing(core: Mamori) -> None:
    [one] = people(core, 1)
    cases: list[tuple[dict[str, object], str]] = [
        ({"items": ["blood_type"], "subjects": [one]}, "items"),
        ({"subjects": ["s_nobody"]}, "subjects"),
        ({}, "subjects"),
        ({"subjects": [one], "holding": ["email"]}, "subjects"),
        ({"subjects": [one], "learned_at": dt.datetime(2026, 11, 20, 9)}, "learned_at"),
        ({"subjects": [one], "learned_at": at(2026, 12, 20, 9)}, "learned_at"),
        ({"subjects": [one], "cause": "bad_luck"}, "cause"),
        ({"subjects": [one], "occurred_at": at(2026, 11, 21, 9)}, "occurred_at"),
        ({"subjects": [one], "reporter": "client"}, "client"),
        ({"subjects": [one], "client_name": "x"}, "client"),
        ({"subjects": [one], "texts": {"gossip": "x"}}, "gossip"),
        ({"holding": ["email"], "estimated_count": -1}, "estimated_count"),
    ]
    for kwargs, field in cases:
        with pytest.raises(IncidentRefused) as refused:
            _open(core, **kwargs)
        assert field in refused.value.problems, (kwargs, refused.value.problems)
        assert refused.value.exit_code == 2
    assert core.incidents.list() == []
    with pytest.raises(NotFound):
        core.incidents.classify("in_missing", actor="officer-1")
    with pytest.raises(IncidentRefused, match="categories"):
        core.incidents.classify(_open(core, subjects=[one]), actor="o", categories=["huge"])


def test_free_texts_are_sealed_and_audit_entries_hold_no_text(core: Mamori) -> None:
    [one] = people(core, 1)
    iid = _open(core, subjects=[one], texts={"found_by": "山田花子(CS部)"})
    core.incidents.describe(iid, actor="officer-1", texts={"secondary_damage": "なし"})
    assert core.incidents.narrative(iid) == {
        "found_by": "山田花子(CS部)",
        "secondary_damage": "なし",
    }
    with core.store.engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT narrative FROM incidents").scalar_one()
    assert "山田".encode() not in bytes(raw)
    for entry in core.audit.tail(10):
        assert "山田".encode() not in entry.canonical()

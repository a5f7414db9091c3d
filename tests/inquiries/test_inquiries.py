"""Inquiries and complaints (policy §8): received, replied to by mail, closed; due dates in
the configured zone; texts sealed at rest and shredded with the subject; audited without
a word of what the person wrote."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import Conflict, NotFound
from mamori.inquiries import (
    BODY_MAX,
    InquiryChannel,
    InquiryKind,
    InquiryRefused,
    InquiryStatus,
)
from mamori.notify import NotifyError
from mamori.settings import Settings

OFFICER = Actor("officer-1", "officer")
VAULT_EMAIL = "hanako@example.jp"  # as the conftest's person registered it
JST = dt.timezone(dt.timedelta(hours=9))
TITLE = "会員登録の情報について"
BODY = "登録した電話番号 090-1234-5678 の利用目的を教えてください。山田花子"
CONTACT = "Hanako.Reply@Example.jp"
REPLY = "お問い合わせありがとうございます。電話番号はご本人確認とご連絡のために利用しています。"
SUMMARY = "利用目的を説明し、ご納得いただいた（山田様）。"
Mails = Callable[[], list[tuple[str, str, str]]]


def texts() -> list[str]:
    """What the person and staff wrote (the policy itself names a 山田 too)."""
    return [TITLE, BODY, CONTACT.lower(), REPLY, SUMMARY, "090-1234-5678", "山田花子"]


def audit_entries(core: Mamori) -> list[dict[str, Any]]:
    return [e for e in core.audit.export() if str(e["action"]).startswith("inquiry_")]


def raw_rows(core: Mamori) -> list[tuple[Any, ...]]:
    with core.store.engine.connect() as conn:
        rows = list(conn.execute(sa.text("SELECT * FROM inquiries")).all())
        rows += list(conn.execute(sa.text("SELECT * FROM inquiry_replies")).all())
    return [tuple(r) for r in rows]


def test_open_reply_close(core: Mamori, hanako: str, mails: Mails) -> None:
    opened = core.inquiries.open(
        "question",
        title=TITLE,
        body=BODY,
        actor="web",
        channel="web",
        subject=hanako,
        contact=CONTACT,
    )
    assert re.fullmatch(r"INQ-2026-[A-Z2-7]{5}-[A-Z2-7]{5}", opened.id)
    assert opened.status is InquiryStatus.open and opened.kind is InquiryKind.question
    assert opened.subject == hanako and opened.has_contact and opened.replies == 0
    assert opened.reply_days == 14 and opened.due_on == dt.date(2026, 12, 9)

    assigned = core.inquiries.assign(opened.id.lower(), "staff:sato", actor="officer-1")
    assert assigned.assignee == "staff:sato"

    reply = core.inquiries.reply(opened.id, REPLY, actor="staff:sato")
    assert reply.number == 1 and reply.sent and reply.delivery
    [(to, subject, body)] = mails()
    assert to == CONTACT.lower()
    assert opened.id in subject and "META ALL-STARS" in subject
    assert REPLY in body and opened.id in body

    answered = core.inquiries.lookup(opened.id)
    assert answered.status is InquiryStatus.answered and answered.replies == 1
    assert answered.first_reply_at == core.clock.now()

    closed = core.inquiries.close(opened.id, SUMMARY, actor="staff:sato")
    assert closed.status is InquiryStatus.closed and closed.closed_at is not None

    detail = core.inquiries.get(opened.id, actor="officer-1")
    assert (detail.title, detail.body, detail.contact) == (TITLE, BODY, CONTACT.lower())
    assert [(r.number, r.text, r.sent, r.author) for r in detail.replies] == [
        (1, REPLY, True, "staff:sato")
    ]
    assert detail.summary == SUMMARY and detail.closed_by == "staff:sato"

    actions = [e["action"] for e in audit_entries(core)]
    assert actions == [
        "inquiry_open",
        "inquiry_assign",
        "inquiry_reply",
        "inquiry_close",
        "inquiry_read",
    ]
    entries = audit_entries(core)
    assert all(e["detail"]["inquiry"] == opened.id for e in entries)
    assert all(e["detail"]["kind"] == "question" for e in entries)
    assert all(e["detail"]["channel"] == "web" for e in entries)
    assert all(e["subject"] == hanako for e in entries)
    assert entries[2]["detail"]["sent"] is True and entries[3]["detail"]["on_time"] is True


def test_audit_entries_hold_no_text_or_contact(core: Mamori, hanako: str) -> None:
    opened = core.inquiries.open(
        "complaint", title=TITLE, body=BODY, actor="web", subject=hanako, contact=CONTACT
    )
    core.inquiries.reply(opened.id, REPLY, actor="staff:sato")
    core.inquiries.set_status(opened.id, "waiting_on_person", actor="staff:sato")
    core.inquiries.close(opened.id, SUMMARY, actor="staff:sato")
    core.inquiries.get(opened.id, actor="officer-1")
    everything = json.dumps(list(core.audit.export()), ensure_ascii=False)
    notify = [e for e in core.audit.export() if e["action"] == "notify"]
    assert len(notify) == 1 and notify[0]["detail"]["template"] == "inquiry_reply"
    for text in texts():
        assert text not in everything
    assert "hanako" not in everything.lower()  # neither contact nor vault address


def test_texts_are_sealed_at_rest(core: Mamori, hanako: str, tmp_path: Path) -> None:
    linked = core.inquiries.open(
        "question", title=TITLE, body=BODY, actor="web", subject=hanako, contact=CONTACT
    )
    anonymous = core.inquiries.open(
        "complaint", title=TITLE, body=BODY, actor="web", contact=CONTACT, channel="email"
    )
    for ticket in (linked, anonymous):
        core.inquiries.reply(ticket.id, REPLY, actor="staff:sato")
        core.inquiries.close(ticket.id, SUMMARY, actor="staff:sato")
    rows = raw_rows(core)
    assert len(rows) == 4
    stored = b"".join(
        v if isinstance(v, bytes) else str(v).encode() for row in rows for v in row if v
    )
    for text in texts():
        assert text.encode() not in stored
        assert text.encode("utf-16-le") not in stored
    if core.store.dialect == "sqlite":
        database = b"".join(p.read_bytes() for p in tmp_path.glob("mamori.db*"))
        for text in texts():
            assert text.encode() not in database
    assert core.inquiries.get(anonymous.id, actor="officer-1").body == BODY


def test_erasing_the_subject_shreds_their_ticket(core: Mamori, hanako: str) -> None:
    linked = core.inquiries.open(
        "question", title=TITLE, body=BODY, actor="web", subject=hanako, contact=CONTACT
    )
    core.inquiries.reply(linked.id, REPLY, actor="staff:sato", send=False)
    other = core.inquiries.open("question", title=TITLE, body=BODY, actor="web")
    core.vault.erase(hanako, OFFICER, "erasure request")

    ticket = core.inquiries.lookup(linked.id)
    assert ticket.shredded and not ticket.has_contact
    detail = core.inquiries.get(linked.id, actor="officer-1")
    assert (detail.title, detail.body, detail.contact) == (None, None, None)
    assert [r.text for r in detail.replies] == [None]
    with pytest.raises(Conflict, match="erased"):
        core.inquiries.reply(linked.id, REPLY, actor="staff:sato")
    core.inquiries.close(linked.id, "本人の削除請求により終了", actor="staff:sato")
    assert core.inquiries.get(linked.id, actor="officer-1").summary == "本人の削除請求により終了"
    assert core.inquiries.get(other.id, actor="officer-1").body == BODY  # service key

    with pytest.raises(InquiryRefused, match="subject: subject_erased"):
        core.inquiries.open("question", title=TITLE, body=BODY, actor="web", subject=hanako)


def test_due_date_counts_from_the_day_received_in_the_configured_zone(
    core: Mamori, clock: FixedClock
) -> None:
    # 00:30 in Tokyo is 15:30 UTC of the day before: the date received is Tokyo's.
    clock.set(dt.datetime(2026, 11, 26, 0, 30, tzinfo=JST))
    ticket = core.inquiries.open("question", title=TITLE, body=BODY, actor="web", reply_days=3)
    assert ticket.due_on == dt.date(2026, 11, 29)
    late_night = core.inquiries.open(
        "complaint",
        title=TITLE,
        body=BODY,
        actor="desk",
        channel="post",
        received_at=dt.datetime(2026, 11, 24, 23, 59, tzinfo=JST),
    )
    assert late_night.due_on == dt.date(2026, 12, 8)  # the letter's date, 14 days

    clock.set(dt.datetime(2026, 11, 29, 23, 59, tzinfo=JST))
    assert core.inquiries.overdue() == []
    assert core.inquiries.lookup(ticket.id).days_left(core.today()) == 0
    clock.set(dt.datetime(2026, 11, 30, 0, 0, tzinfo=JST))
    assert [t.id for t in core.inquiries.overdue()] == [ticket.id]
    assert [t.id for t in core.inquiries.list(overdue=True)] == [ticket.id]
    assert core.inquiries.lookup(ticket.id).to_dict(core.today())["overdue"] is True
    assert (
        core.inquiries.overdue(dt.date(2026, 12, 9))
        == [
            core.inquiries.lookup(late_night.id),
            core.inquiries.lookup(ticket.id),
        ][::-1]
    )

    core.inquiries.reply(ticket.id, REPLY, actor="staff:sato", send=False)
    assert core.inquiries.overdue() == []
    close = core.inquiries.close(late_night.id, SUMMARY, actor="staff:sato")
    assert not close.is_overdue(dt.date(2027, 1, 1))
    assert core.inquiries.overdue(dt.date(2027, 1, 1)) == []


def test_the_setting_sets_the_reply_days(env: dict[str, str], clock: FixedClock) -> None:
    settings = Settings.load(env={**env, "MAMORI_INQUIRY_REPLY_DAYS": "7"})
    with Mamori.open(settings, clock=clock) as core:
        ticket = core.inquiries.open("question", title=TITLE, body=BODY, actor="web")
    assert ticket.reply_days == 7 and ticket.due_on == dt.date(2026, 12, 2)


def test_list_filters(core: Mamori, hanako: str) -> None:
    one = core.inquiries.open("question", title=TITLE, body=BODY, actor="web", subject=hanako)
    two = core.inquiries.open(
        "complaint", title=TITLE, body=BODY, actor="web", assignee="staff:sato", channel="phone"
    )
    three = core.inquiries.open("request_guidance", title=TITLE, body=BODY, actor="web")
    core.inquiries.close(three.id, SUMMARY, actor="staff:sato")

    def ids(**filters: Any) -> set[str]:
        return {t.id for t in core.inquiries.list(**filters)}

    assert ids() == {one.id, two.id, three.id}
    assert ids(kind="complaint") == {two.id}
    assert ids(status="closed") == {three.id}
    assert ids(status=InquiryStatus.open) == {one.id, two.id}
    assert ids(assignee="staff:sato") == {two.id}
    assert ids(subject=hanako) == {one.id}
    assert core.inquiries.lookup(two.id).channel is InquiryChannel.phone
    with pytest.raises(InquiryRefused, match="status: status_unknown"):
        core.inquiries.list(status="pending")


def test_a_reply_without_a_contact_is_recorded_not_sent(core: Mamori, mails: Mails) -> None:
    ticket = core.inquiries.open("question", title=TITLE, body=BODY, actor="phone-desk")
    reply = core.inquiries.reply(ticket.id, REPLY, actor="staff:sato", status="waiting_on_person")
    assert not reply.sent and reply.delivery is None
    assert mails() == []
    assert core.inquiries.lookup(ticket.id).status is InquiryStatus.waiting_on_person
    with_contact = core.inquiries.open(
        "question", title=TITLE, body=BODY, actor="web", contact=CONTACT, lang="en"
    )
    kept = core.inquiries.reply(with_contact.id, "Noted.", actor="staff:sato", send=False)
    assert not kept.sent and mails() == []
    core.inquiries.reply(with_contact.id, "Our answer.", actor="staff:sato")
    [(_, subject, body)] = mails()
    assert subject.startswith("META ALL-STARS") and "our reply" in subject
    assert "Our answer." in body
    numbers = [r.number for r in core.inquiries.get(with_contact.id, actor="x").replies]
    assert numbers == [1, 2]


def test_a_failed_delivery_records_no_reply(
    env: dict[str, str], clock: FixedClock, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the outbox should be")
    settings = Settings.load(env={**env, "MAMORI_OUTBOX_DIR": str(blocked)})
    with Mamori.open(settings, clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        ticket = core.inquiries.open(
            "question", title=TITLE, body=BODY, actor="web", contact=CONTACT
        )
        before = core.audit.count()
        with pytest.raises(NotifyError):
            core.inquiries.reply(ticket.id, REPLY, actor="staff:sato")
        after = core.inquiries.lookup(ticket.id)
        assert after.replies == 0 and after.status is InquiryStatus.open
        [failed] = core.audit.tail(core.audit.count() - before)  # the notifier's record
        assert failed.action == "notify" and failed.detail["failed"] is True
        assert core.inquiries.get(ticket.id, actor="x").replies == ()


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"kind": "praise"}, "kind", "kind_unknown"),
        ({"channel": "fax"}, "channel", "channel_unknown"),
        ({"body": "   "}, "body", "empty"),
        ({"body": "x" * (BODY_MAX + 1)}, "body", "too_long"),
        ({"title": ""}, "title", "empty"),
        ({"title": "one\ntwo"}, "title", "not_one_line"),
        ({"title": "t" * 201}, "title", "too_long"),
        ({"contact": "not-an-address"}, "contact", "missing_at"),
        ({"lang": "fr"}, "lang", "lang_unknown"),
        ({"reply_days": 0}, "reply_days", "out_of_range"),
        ({"reply_days": 91}, "reply_days", "out_of_range"),
        ({"subject": "s_nobody"}, "subject", "subject_unknown"),
        ({"assignee": "  "}, "assignee", "empty"),
        ({"received_at": dt.datetime(2030, 1, 1, tzinfo=JST)}, "received_at", "in_the_future"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    core: Mamori, change: dict[str, Any], field: str, reason: str
) -> None:
    given: dict[str, Any] = {
        "kind": "question",
        "title": TITLE,
        "body": BODY,
        "actor": "web",
        **change,
    }
    kind = given.pop("kind")
    before = core.audit.count()
    with pytest.raises(InquiryRefused) as caught:
        core.inquiries.open(kind, **given)
    assert caught.value.problems == {field: reason}
    assert f"{field}: {reason}" in caught.value.message
    assert caught.value.exit_code == 2
    assert BODY not in caught.value.message and TITLE not in caught.value.message
    assert raw_rows(core) == [] and core.audit.count() == before


def test_too_long_names_the_limit(core: Mamori) -> None:
    with pytest.raises(InquiryRefused, match=f"at most {BODY_MAX} characters"):
        core.inquiries.open("question", title=TITLE, body="あ" * (BODY_MAX + 5), actor="web")


def test_bad_steps_on_a_ticket(core: Mamori) -> None:
    ticket = core.inquiries.open("question", title=TITLE, body=BODY, actor="web")
    with pytest.raises(InquiryRefused, match="text: empty"):
        core.inquiries.reply(ticket.id, " \n", actor="staff:sato")
    with pytest.raises(InquiryRefused, match="status: not_after_reply"):
        core.inquiries.reply(ticket.id, REPLY, actor="staff:sato", status="open")
    with pytest.raises(InquiryRefused, match="status: use_close"):
        core.inquiries.set_status(ticket.id, "closed", actor="staff:sato")
    with pytest.raises(InquiryRefused, match="summary: empty"):
        core.inquiries.close(ticket.id, "", actor="staff:sato")
    with pytest.raises(NotFound, match="no inquiry"):
        core.inquiries.reply("INQ-2026-AAAAA-AAAAA", REPLY, actor="staff:sato")
    with pytest.raises(NotFound):
        core.inquiries.get("nothing", actor="x")
    assert core.inquiries.lookup(ticket.id).replies == 0

    core.inquiries.close(ticket.id, SUMMARY, actor="staff:sato")
    before = core.audit.count()
    with pytest.raises(Conflict, match="closed"):
        core.inquiries.reply(ticket.id, REPLY, actor="staff:sato")
    with pytest.raises(Conflict, match="closed"):
        core.inquiries.close(ticket.id, SUMMARY, actor="staff:sato")
    with pytest.raises(Conflict, match="closed"):
        core.inquiries.assign(ticket.id, "staff:ito", actor="officer-1")
    with pytest.raises(Conflict, match="closed"):
        core.inquiries.set_status(ticket.id, "open", actor="officer-1")
    assert core.audit.count() == before


def test_set_status_records_each_move_once(core: Mamori) -> None:
    ticket = core.inquiries.open("complaint", title=TITLE, body=BODY, actor="web")
    core.inquiries.set_status(ticket.id, "waiting_on_person", actor="staff:sato")
    core.inquiries.set_status(ticket.id, "waiting_on_person", actor="staff:sato")
    back = core.inquiries.set_status(ticket.id, InquiryStatus.open, actor="staff:sato")
    assert back.status is InquiryStatus.open
    moves = [e["detail"] for e in audit_entries(core) if e["action"] == "inquiry_status"]
    assert [(m["from"], m["to"]) for m in moves] == [
        ("open", "waiting_on_person"),
        ("waiting_on_person", "open"),
    ]


def test_hanako_values_stay_in_the_vault(core: Mamori, hanako: str) -> None:
    """The ticket's contact is its own; the vault's address is not read for a reply."""
    ticket = core.inquiries.open("question", title=TITLE, body=BODY, actor="web", subject=hanako)
    reply = core.inquiries.reply(ticket.id, REPLY, actor="staff:sato")
    assert not reply.sent
    assert VAULT_EMAIL not in json.dumps(list(core.audit.export()))

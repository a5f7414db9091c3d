"""Notifier: renders, delivers, and audits each delivery without personal data."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mamori.audit import AuditEntry, AuditLog, InvalidAuditEvent
from mamori.clock import FixedClock
from mamori.notify import (
    Delivery,
    FileOutbox,
    Message,
    Notifier,
    NotifyError,
    SmtpOutbox,
)
from mamori.store import Store

SENDER = "メタ・オールスターズ <privacy@meta-all-stars.example>"
ADDRESS = "hanako.yamada@example.jp"
CODE = "482913"
CONTROLLER = "メタ・オールスターズ株式会社"
CONTEXT: dict[str, Any] = {"code": CODE, "minutes": 10, "controller": CONTROLLER}
POLICY: dict[str, Any] = {
    "controller": CONTROLLER,
    "version": 4,
    "effective_date": dt.date(2026, 12, 1),
    "summary": ["第三者提供先に「株式会社サンプル」を追加しました。"],
    "policy_url": "https://example.jp/privacy/v4",
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'mamori.db'}")
    store.upgrade()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def audit(store: Store, clock: FixedClock) -> AuditLog:
    return AuditLog(store, clock)


@pytest.fixture
def outbox(tmp_path: Path, clock: FixedClock) -> FileOutbox:
    return FileOutbox(tmp_path / "outbox", clock=clock)


@pytest.fixture
def notifier(outbox: FileOutbox, audit: AuditLog, clock: FixedClock) -> Notifier:
    return Notifier(outbox, audit, clock, SENDER)


def canonical_bytes(store: Store) -> list[bytes]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT canonical FROM audit_log ORDER BY seq")).all()
    return [bytes(row[0]) for row in rows]


def assert_no_personal_data(store: Store, *values: str) -> None:
    entries = canonical_bytes(store)
    assert entries, "the audit log is empty"
    for canonical in entries:
        for value in values:
            assert value.encode("utf-8") not in canonical


def notify_entries(audit: AuditLog) -> list[AuditEntry]:
    return [e for e in audit.tail(100) if e.action == "notify"]


def test_send_delivers_and_audits_once(
    notifier: Notifier, outbox: FileOutbox, audit: AuditLog, store: Store, clock: FixedClock
) -> None:
    delivery = notifier.send(
        to=ADDRESS,
        template="verification_code",
        lang="ja",
        context=CONTEXT,
        actor="svc:signup",
        subject_id="s_0001",
        purpose="identity_check",
    )
    assert delivery == Delivery(
        delivery.delivery_id, "verification_code", "ja", "s_0001", clock.now()
    )
    [path] = outbox.messages()
    assert path.stem == delivery.delivery_id
    parsed = BytesParser(policy=default).parsebytes(path.read_bytes())
    assert parsed["To"] == ADDRESS
    assert parsed["Subject"] == f"【{CONTROLLER}】確認コードのお知らせ"
    assert CODE in parsed.get_content()

    [entry] = notify_entries(audit)
    assert audit.count() == 1
    assert entry.actor == "svc:signup"
    assert entry.subject == "s_0001"
    assert entry.purpose == "identity_check"
    assert entry.items == ("email",)
    assert dict(entry.detail) == {
        "template": "verification_code",
        "lang": "ja",
        "delivery": delivery.delivery_id,
    }
    assert_no_personal_data(store, ADDRESS, "hanako", CODE, CONTROLLER, "確認コード")
    assert audit.verify().ok


def test_policy_change_in_english_is_audited_without_context(
    notifier: Notifier, audit: AuditLog, store: Store
) -> None:
    notifier.send(
        to=ADDRESS,
        template="policy_change",
        lang="en",
        context=POLICY,
        actor="staff:7",
        subject_id=None,
    )
    [entry] = notify_entries(audit)
    assert entry.subject is None and entry.purpose is None
    assert entry.detail["lang"] == "en"
    assert_no_personal_data(store, ADDRESS, "株式会社サンプル", "privacy/v4", "2026-12-01")


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_failed_delivery_is_audited_and_raised(
    audit: AuditLog, store: Store, clock: FixedClock
) -> None:
    port = closed_port()
    smtp = SmtpOutbox("127.0.0.1", port, starttls=False, timeout=5.0)
    notifier = Notifier(smtp, audit, clock, SENDER)
    with pytest.raises(NotifyError) as caught:
        notifier.send(
            to=ADDRESS,
            template="verification_code",
            lang="en",
            context=CONTEXT,
            actor="svc:signup",
            subject_id="s_0002",
        )
    assert caught.value.reason == "smtp_connect_failed"
    assert f"127.0.0.1:{port}" in caught.value.message
    assert ADDRESS not in caught.value.message
    [entry] = notify_entries(audit)
    assert entry.subject == "s_0002" and entry.items == ("email",)
    assert dict(entry.detail) == {
        "template": "verification_code",
        "lang": "en",
        "failed": True,
        "error": "smtp_connect_failed",
    }
    assert_no_personal_data(store, ADDRESS, CODE, "127.0.0.1")


class BrokenOutbox:
    """An outbox with a bug that puts the address in its error."""

    def deliver(self, message: Message, sender: str) -> str:
        raise RuntimeError(f"cannot send to {message.to}")


def test_an_unexpected_outbox_error_becomes_notify_error(
    audit: AuditLog, store: Store, clock: FixedClock
) -> None:
    notifier = Notifier(BrokenOutbox(), audit, clock, SENDER)
    with pytest.raises(NotifyError) as caught:
        notifier.send(
            to=ADDRESS,
            template="verification_code",
            lang="ja",
            context=CONTEXT,
            actor="svc:signup",
            subject_id="s_0003",
        )
    assert caught.value.reason == "delivery_failed"
    assert "RuntimeError" in caught.value.message
    assert ADDRESS not in caught.value.message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    [entry] = notify_entries(audit)
    assert entry.detail["error"] == "delivery_failed"
    assert_no_personal_data(store, ADDRESS)


def test_an_invalid_address_is_a_failed_delivery(
    notifier: Notifier, outbox: FileOutbox, audit: AuditLog, store: Store
) -> None:
    with pytest.raises(NotifyError) as caught:
        notifier.send(
            to="hanako.yamada",
            template="verification_code",
            lang="ja",
            context=CONTEXT,
            actor="svc:signup",
            subject_id="s_0004",
        )
    assert caught.value.reason == "address_invalid"
    assert outbox.messages() == []
    [entry] = notify_entries(audit)
    assert entry.detail["failed"] is True and entry.detail["error"] == "address_invalid"
    assert_no_personal_data(store, "hanako")


def test_a_template_problem_sends_and_records_nothing(
    notifier: Notifier, outbox: FileOutbox, audit: AuditLog
) -> None:
    with pytest.raises(NotifyError) as caught:
        notifier.send(
            to=ADDRESS,
            template="verification_code",
            lang="ja",
            context={"code": CODE},
            actor="svc:signup",
            subject_id="s_0005",
        )
    assert caught.value.reason == "context_missing"
    with pytest.raises(NotifyError):
        notifier.send(
            to=ADDRESS,
            template="verification_code",
            lang="fr",
            context=CONTEXT,
            actor="svc:signup",
            subject_id="s_0005",
        )
    assert outbox.messages() == []
    assert audit.count() == 0


@pytest.mark.parametrize(
    "changes",
    [{"subject_id": "has spaces"}, {"subject_id": "s" * 41}, {"actor": ""}, {"purpose": "a b"}],
)
def test_what_could_not_be_audited_is_not_sent(
    notifier: Notifier, outbox: FileOutbox, audit: AuditLog, changes: dict[str, Any]
) -> None:
    fields: dict[str, Any] = {"actor": "svc:signup", "subject_id": "s_0006", "purpose": None}
    fields.update(changes)
    with pytest.raises(InvalidAuditEvent):
        notifier.send(
            to=ADDRESS, template="verification_code", lang="en", context=CONTEXT, **fields
        )
    assert outbox.messages() == []
    assert audit.count() == 0


class FlakyOutbox:
    """Delivers through a FileOutbox, except to addresses at ``down.example``."""

    def __init__(self, inner: FileOutbox) -> None:
        self.inner = inner

    def deliver(self, message: Message, sender: str) -> str:
        if message.to.endswith("@down.example"):
            raise NotifyError("the relay is down", "smtp_connect_failed")
        return self.inner.deliver(message, sender)


def test_send_many_goes_on_after_failures(
    outbox: FileOutbox, audit: AuditLog, store: Store, clock: FixedClock
) -> None:
    notifier = Notifier(FlakyOutbox(outbox), audit, clock, SENDER)
    recipients = [
        ("s_0001", "a@example.jp"),
        ("s_0002", "b@down.example"),
        ("s_0003", "not an address"),
        (None, "d@example.jp"),
        ("bad id", "e@example.jp"),
        ("s_0006", "f@example.jp"),
    ]
    summary = notifier.send_many(
        iter(recipients),
        template="policy_change",
        lang="ja",
        context=POLICY,
        actor="staff:7",
        purpose="policy_notice",
    )
    assert summary.sent == 3 and summary.failed == 3
    assert summary.failed_subjects == ("s_0002", "s_0003", "bad id")
    assert [d.subject_id for d in summary.deliveries] == ["s_0001", None, "s_0006"]
    assert [p.stem for p in outbox.messages()] == [d.delivery_id for d in summary.deliveries]
    entries = notify_entries(audit)
    assert [(e.subject, "failed" in e.detail) for e in entries] == [
        ("s_0001", False),
        ("s_0002", True),
        ("s_0003", True),
        (None, False),
        ("s_0006", False),
    ]
    assert all(e.purpose == "policy_notice" for e in entries)
    addresses = [address for _, address in recipients]
    assert_no_personal_data(store, *addresses, "example.jp", "down.example")


def test_send_many_checks_the_template_once_before_sending(
    notifier: Notifier, outbox: FileOutbox, audit: AuditLog
) -> None:
    with pytest.raises(NotifyError) as caught:
        notifier.send_many(
            [("s_0001", ADDRESS)],
            template="policy_change",
            lang="ja",
            context={k: v for k, v in POLICY.items() if k != "policy_url"},
            actor="staff:7",
        )
    assert caught.value.reason == "context_missing"
    with pytest.raises(InvalidAuditEvent):
        notifier.send_many(
            [("s_0001", ADDRESS)],
            template="policy_change",
            lang="ja",
            context=POLICY,
            actor="no spaces allowed",
        )
    assert outbox.messages() == []
    assert audit.count() == 0

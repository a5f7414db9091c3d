"""Policy §9: a change that needs notice is announced to every registered person, as a use
of their email for the notice purpose; suspension stops it; nothing personal is audited."""

from __future__ import annotations

import datetime as dt
import email.policy
from collections.abc import Iterator
from email.parser import BytesParser
from pathlib import Path

import pytest

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import ConfigError
from mamori.policy.loader import parse_policy
from mamori.settings import Settings

OFFICER = Actor("officer-1", "officer")


@pytest.fixture
def core(
    database_url: str, example_path: Path, clock: FixedClock, tmp_path: Path
) -> Iterator[Mamori]:
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAMORI_HONOUR_GPC": "true",
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        yield core


def test_a_notice_change_is_announced_to_registered_persons_except_suspended_ones(
    core: Mamori, example_text: str, tmp_path: Path
) -> None:
    people = [
        core.vault.collect(None, {"name": f"利用者{i}", "email": f"u{i}@example.jp"},
                           "account_admin", OFFICER, "t").subject
        for i in range(3)
    ]  # fmt: skip
    core.vault.collect(None, {"name": "メールなし"}, "account_admin", OFFICER, "t")
    core.suspensions.suspend(people[2], "all", "rights_at_risk", actor="officer-1")
    changed = example_text.replace(
        "      ja: 当社又は当社が提供するサービスに関していただいたお問い合わせ",
        "      ja: 当社又は当社が提供するサービスに関して頂いたお問い合わせ",
    )
    published = core.publish(parse_policy(changed), effective=dt.date(2026, 12, 25))
    assert published.changes is not None and published.changes.severity == "notice"
    summary = core.announce(actor="officer-1", policy_url="https://example.jp/privacy")
    assert (summary.sent, summary.failed) == (2, 0)
    outbox = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(outbox) == 2
    parsed = [BytesParser(policy=email.policy.default).parsebytes(p.read_bytes()) for p in outbox]
    assert sorted(str(m["To"]) for m in parsed) == ["u0@example.jp", "u1@example.jp"]
    body = parsed[0].get_body().get_content()  # type: ignore[union-attr]
    assert "第2版" in body and "2026年12月25日" in body
    announcement = core.announcements.get(2)
    assert announcement.sent == 2 and announcement.failed == 1 and announcement.sent_at
    entries = core.audit.tail(20)
    assert [e.action for e in entries].count("notify") == 2
    assert any(e.action == "deny" and e.subject == people[2] for e in entries)
    assert entries[-1].action == "announce" and entries[-1].detail["not_allowed"] == 1
    for entry in entries:
        assert b"example.jp" not in entry.canonical()


def test_announce_needs_a_notice_purpose(core: Mamori, example_text: str) -> None:
    text = example_text.replace("notice_purpose: account_admin\n", "").replace(
        "(架空の住所)", "(架空の所在地)"
    )
    core.publish(parse_policy(text), effective=dt.date(2026, 11, 25))
    with pytest.raises(ConfigError, match="notice_purpose"):
        core.announce(actor="officer-1")


def test_a_gpc_signal_withdraws_marketing_consent_when_honoured(core: Mamori) -> None:
    person = core.vault.collect(None, {"name": "花子"}, "account_admin", OFFICER, "t").subject
    records = core.gpc_signal(person, actor="web", user_agent="Mozilla/5.0")
    assert sorted(r.target for r in records) == ["purpose:sales", "purpose:service_info"]
    assert records[0].channel == {"user_agent": "Mozilla/5.0"}

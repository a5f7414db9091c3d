"""Consent and suspension, in the policy's words (§3 purposes, §6 third parties, §7
suspension of use, §9 changes): recorded as events, read by every access decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.consent import ConsentEvent, make_receipt, verify_receipt
from mamori.core import Mamori
from mamori.errors import Conflict, ConsentRefused, NotFound, SubjectNotFound
from mamori.policy.loader import parse_policy
from mamori.settings import Settings

MARKETING = Actor("staff-2", "marketing")
SUPPORT = Actor("staff-1", "support")
OFFICER = Actor("officer-1", "officer")
ENGINEER = Actor("eng-1", "engineer")
NOTICE = "当社は、サービスのご案内のためにお名前とメールアドレスを利用します。"

ALICE = {
    "name": "山田　花子",
    "email": "hanako@example.jp",
    "phone": "090-1234-5678",
    "birth_date": "1985-01-02",
    "device_info": "iPhone15,2 iOS 18.1",
    "device_token": "A" * 64,
}

THIRD_PARTY = """
  ad_partner:
    name: {ja: 広告パートナー株式会社, en: Ad Partner K.K.}
    kind: third_party
    country: US
    address: {ja: 米国カリフォルニア州(架空), en: "California, USA (fictitious)"}
    representative: {ja: 代表者 ジョン・ドウ, en: "John Doe, CEO"}
    items: [name, email]
    purposes: [sales]
    rule17:
      country_system:
        {ja: 米国には包括的な個人情報保護法がありません。, en: The US has no comprehensive law.}
      recipient_measures: {ja: 契約により安全管理措置を講じます。, en: Measures under contract.}
"""


def variant(text: str, *, research_needs_consent: bool = False, third_party: bool = False) -> str:
    if research_needs_consent:
        text = text.replace(
            "    profiling: true\n", "    profiling: true\n    consent_required: true\n"
        )
    if third_party:
        text = text.replace(
            "    marketing: true\n", "    marketing: true\n    provision: true\n", 1
        )
        text = text.replace("\nrecipients:\n", "\nrecipients:\n" + THIRD_PARTY.lstrip("\n"), 1)
    return text


@pytest.fixture
def core(
    database_url: str, example_path: Path, example_text: str, clock: FixedClock
) -> Iterator[Mamori]:
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        loaded = parse_policy(variant(example_text, research_needs_consent=True))
        core.publish(loaded, effective=dt.date(2022, 3, 22))
        yield core


@pytest.fixture
def alice(core: Mamori) -> str:
    return core.vault.collect(None, ALICE, "account_admin", OFFICER, "signup").subject


def test_who_withdrew_consent_for_sales_is_denied_for_sales_and_still_served_for_inquiries(
    core: Mamori, alice: str
) -> None:
    assert core.vault.use(alice, ["name", "email"], "sales", MARKETING).allowed
    core.consent.withdraw(alice, "purpose:sales", actor=alice, method="web")
    denied = core.vault.use(alice, ["name", "email"], "sales", MARKETING)
    assert not denied.allowed and denied.decision.reasons == ("consent_withdrawn",)
    assert core.vault.use(alice, ["name", "email"], "inquiries", SUPPORT).allowed
    last = core.audit.tail(3)
    assert [e.action for e in last][-2:] == ["deny", "use"]
    assert last[-2].detail["reasons"] == ("consent_withdrawn",)


def test_a_purpose_that_needs_consent_is_denied_until_given_and_after_withdrawal(
    core: Mamori, alice: str
) -> None:
    items = ["device_info"]
    assert core.vault.use(alice, items, "research", ENGINEER).decision.reasons == (
        "consent_missing",
    )
    record = core.consent.give(
        alice, "purpose:research", notice=NOTICE, actor=alice, method="app", lang="ja"
    )
    assert record.policy_version == 1 and len(record.notice_hash or "") == 64
    use = core.vault.use(alice, items, "research", ENGINEER)
    assert use.allowed and use.values == {"device_info": "iPhone15,2 iOS 18.1"}
    core.consent.withdraw(alice, "purpose:research", actor=alice)
    assert core.vault.use(alice, items, "research", ENGINEER).decision.reasons == (
        "consent_withdrawn",
    )


def test_time_limited_consent_expires_on_time(core: Mamori, alice: str, clock: FixedClock) -> None:
    until = clock.now() + dt.timedelta(days=30)
    core.consent.give(alice, "purpose:research", notice=NOTICE, actor=alice, valid_until=until)
    assert core.vault.use(alice, ["device_info"], "research", ENGINEER).allowed
    clock.set(until - dt.timedelta(seconds=1))
    assert core.consent.state(alice)["purpose:research"].given
    clock.set(until)
    assert core.consent.state(alice)["purpose:research"].state is ConsentEvent.expired
    assert core.vault.use(alice, ["device_info"], "research", ENGINEER).decision.reasons == (
        "consent_expired",
    )
    assert core.consent.expire_due() == 1
    assert core.consent.expire_due() == 0
    assert [r.event for r in core.consent.history(alice)] == [
        ConsentEvent.given,
        ConsentEvent.expired,
    ]


def test_a_suspended_subject_is_denied_for_every_purpose_in_scope_and_the_deny_is_audited(
    core: Mamori, alice: str
) -> None:
    event = core.suspensions.suspend(
        alice, "purpose:sales", "rights_at_risk", actor="officer-1", request_id="rq_1"
    )
    denied = core.vault.use(alice, ["name"], "sales", MARKETING)
    assert denied.decision.reasons == ("suspended",)
    assert core.audit.tail(1)[0].action == "deny"
    assert core.vault.use(alice, ["name"], "inquiries", SUPPORT).allowed
    core.suspensions.suspend(alice, "all", "no_longer_needed", actor="officer-1")
    for purpose, actor in (("inquiries", SUPPORT), ("account_admin", OFFICER)):
        assert "suspended" in core.vault.use(alice, ["name"], purpose, actor).decision.reasons
    with pytest.raises(Conflict):
        core.suspensions.suspend(alice, "all", "breach", actor="officer-1")
    core.suspensions.lift(alice, "all", actor="officer-1")
    core.suspensions.lift(alice, "purpose:sales", actor="officer-1")
    assert core.vault.use(alice, ["name"], "sales", MARKETING).allowed
    history = core.suspensions.history(alice)
    assert [(h.scope, h.event) for h in history] == [
        ("purpose:sales", "suspended"),
        ("all", "suspended"),
        ("all", "lifted"),
        ("purpose:sales", "lifted"),
    ]
    assert history[0].suspension_id == event.suspension_id == history[3].suspension_id
    assert core.suspensions.active(alice) == []


def test_suspension_refuses_bad_scopes_reasons_and_subjects(core: Mamori, alice: str) -> None:
    with pytest.raises(ConsentRefused) as bad:
        core.suspensions.suspend(alice, "purpose:nope", "breach", actor="o")
    assert bad.value.problems == {"scope": "purpose_unknown"}
    with pytest.raises(ConsentRefused) as reason:
        core.suspensions.suspend(alice, "all", "because", actor="o")
    assert reason.value.problems == {"reason": "reason_unknown"}
    with pytest.raises(SubjectNotFound):
        core.suspensions.suspend("s_nobody", "all", "breach", actor="o")
    with pytest.raises(NotFound):
        core.suspensions.lift(alice, "provision", actor="o")
    assert core.suspensions.history(alice) == []


def test_use_beyond_the_purposes_with_consent_for_that_specific_use(
    core: Mamori, alice: str
) -> None:
    assert core.vault.use(alice, ["name"], "charity_campaign", MARKETING).decision.reasons == (
        "purpose_unknown",
    )
    record = core.consent.give(
        alice, "purpose:charity_campaign", notice=NOTICE, actor=alice, items=["name", "email"]
    )
    use = core.vault.use(alice, ["name", "email"], "charity_campaign", MARKETING)
    assert use.allowed and use.decision.reasons == ("consent",)
    assert use.decision.rule.startswith(f"consent:{record.record_id}")
    assert core.audit.tail(1)[0].detail["reasons"] == ("consent",)
    # the consent covers name and email only; the role still bounds what staff touch
    assert not core.vault.use(alice, ["phone"], "charity_campaign", OFFICER).allowed
    assert not core.vault.use(alice, ["name"], "charity_campaign", ENGINEER).allowed


def test_bad_consents_are_refused_naming_the_field_and_nothing_is_written(
    core: Mamori, alice: str
) -> None:
    cases = [
        (("purpose:nope_x",), {"items": None}, {"items": "items_required"}),
        (("recipient:cloud_hosting",), {}, {"target": "consent_not_needed"}),
        (("recipient:nobody",), {}, {"target": "recipient_unknown"}),
        (("purpose:sales",), {"items": ["birth_date"]}, {"items": "item_not_covered"}),
        (("sales",), {}, {"target": "target_invalid"}),
    ]
    for (target,), extra, expected in cases:
        with pytest.raises(ConsentRefused) as refused:
            core.consent.give(alice, target, notice=NOTICE, actor="a", **extra)
        assert refused.value.problems == expected
    with pytest.raises(ConsentRefused) as blank:
        core.consent.give(alice, "purpose:sales", notice="  ", actor="a", lang="fr")
    assert blank.value.problems == {"notice": "notice_missing", "lang": "lang_unknown"}
    with pytest.raises(ConsentRefused) as channel:
        core.consent.give(
            alice, "purpose:sales", notice=NOTICE, actor="a", channel={"ip": "not-an-ip"}
        )
    assert channel.value.problems == {"channel.ip": "ip_invalid"}
    assert core.consent.history(alice) == []
    with pytest.raises(SubjectNotFound):
        core.consent.give("s_nobody", "purpose:sales", notice=NOTICE, actor="a")


def test_a_foreign_third_party_needs_the_rule17_information_shown(
    core: Mamori, alice: str, example_text: str
) -> None:
    text = variant(example_text, research_needs_consent=True, third_party=True)
    core.publish(parse_policy(text), effective=dt.date(2026, 11, 25))
    with pytest.raises(ConsentRefused) as missing:
        core.consent.give(alice, "recipient:ad_partner", notice=NOTICE, actor=alice)
    assert missing.value.problems == {"rule17": "rule17_missing"}
    shown = {"country": "JP", "system": "制度の説明", "measures": "措置の説明"}
    with pytest.raises(ConsentRefused) as wrong:
        core.consent.give(alice, "recipient:ad_partner", notice=NOTICE, actor=alice, rule17=shown)
    assert wrong.value.problems == {"rule17.country": "country_mismatch"}
    shown["country"] = "US"
    record = core.consent.give(
        alice,
        "recipient:ad_partner",
        notice=NOTICE,
        actor=alice,
        rule17=shown,
        channel={"ip": "203.0.113.77", "user_agent": "Mozilla/5.0"},
    )
    assert record.rule17 == shown and record.channel["ip"] == "203.0.113.0/24"
    assert core.consent.state(alice)["recipient:ad_partner"].given


def test_publishing_a_version_that_adds_a_third_party_supersedes_consents_and_lists_who_to_ask(
    core: Mamori, alice: str, example_text: str
) -> None:
    bob = core.vault.collect(
        None, {**ALICE, "email": "bob@example.jp"}, "account_admin", OFFICER, "s"
    )
    core.consent.give(alice, "purpose:sales", notice=NOTICE, actor=alice)
    core.consent.give(bob.subject, "purpose:research", notice=NOTICE, actor="b")
    text = variant(example_text, research_needs_consent=True, third_party=True)
    result = core.publish(parse_policy(text), effective=dt.date(2026, 11, 25))
    assert result.changes is not None and result.changes.severity == "consent"
    pending = core.consent.pending()
    assert [(p.subject, p.target, p.policy_version) for p in pending] == [
        (alice, "purpose:sales", 2)
    ]
    assert core.consent.state(alice)["purpose:sales"].state is ConsentEvent.superseded
    assert core.consent.state(bob.subject)["purpose:research"].given  # not touched
    announcement = core.announcements.get()
    assert announcement.version == 2 and announcement.severity == "consent"
    assert any(c["path"].startswith("recipients.ad_partner") for c in announcement.changes)
    core.consent.give(alice, "purpose:sales", notice=NOTICE, actor=alice)
    assert core.consent.pending() == []


def test_superseded_consent_counts_as_missing_where_consent_is_required(
    core: Mamori, alice: str, example_text: str
) -> None:
    core.consent.give(alice, "purpose:research", notice=NOTICE, actor=alice)
    text = variant(example_text, research_needs_consent=True).replace(
        "    items: [birth_date, device_info, cookie_id]\n",
        "    items: [birth_date, device_info, cookie_id, phone]\n",
    )
    text = text.replace(
        "    items: [device_info, device_token, cookie_id]\n",
        "    items: [device_info, device_token, cookie_id, phone]\n",
    )
    core.publish(parse_policy(text), effective=dt.date(2026, 11, 25))
    reasons = core.vault.use(alice, ["device_info"], "research", ENGINEER).decision.reasons
    assert reasons == ("consent_superseded",)


def test_global_privacy_control_withdraws_marketing_consents(core: Mamori, alice: str) -> None:
    core.consent.give(alice, "purpose:sales", notice=NOTICE, actor=alice)
    records = core.consent.apply_gpc(alice, actor="web", channel={"user_agent": "Firefox"})
    assert {r.target for r in records} == {"purpose:sales", "purpose:service_info"}
    assert all(r.method.value == "gpc" for r in records)
    assert core.consent.apply_gpc(alice, actor="web") == []  # already withdrawn
    assert not core.vault.use(alice, ["name"], "service_info", MARKETING).allowed


def test_a_receipt_the_person_can_keep_and_check(core: Mamori, alice: str) -> None:
    record = core.consent.give(alice, "purpose:research", notice=NOTICE, actor=alice, lang="ja")
    again = core.consent.record(record.record_id)
    assert again == record
    receipt = make_receipt(
        again, core.access().policy, core.consent.notice_text(record.notice_hash or ""),
        core.keys.audit_signer(),
    )  # fmt: skip
    assert receipt["notice"]["text"] == NOTICE
    assert receipt["target"]["label"]["ja"].startswith("市場調査")
    assert verify_receipt(receipt, core.keys.audit_public_key())
    receipt["items"] = []
    assert not verify_receipt(receipt)


def test_the_ledger_is_append_only(core: Mamori, alice: str) -> None:
    core.consent.give(alice, "purpose:sales", notice=NOTICE, actor=alice)
    core.suspensions.suspend(alice, "all", "breach", actor="o")
    for table in ("consent_events", "consent_notices", "suspension_events"):
        with pytest.raises(sa.exc.DatabaseError), core.store.engine.begin() as conn:
            conn.exec_driver_sql(f"DELETE FROM {table}")


def test_consent_events_are_audited_without_the_notice_or_channel(core: Mamori, alice: str) -> None:
    core.consent.give(
        alice, "purpose:sales", notice=NOTICE, actor=alice, channel={"ip": "198.51.100.9"}
    )
    entry = core.audit.tail(1)[0]
    assert entry.action == "consent" and entry.subject == alice and entry.purpose == "sales"
    assert entry.detail["event"] == "given"
    with core.store.engine.connect() as conn:
        blobs = [r[0] for r in conn.exec_driver_sql("SELECT canonical FROM audit_log")]
    assert not any(b"198.51.100" in bytes(b) or NOTICE.encode() in bytes(b) for b in blobs)

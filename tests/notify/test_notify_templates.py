"""Templates: Japanese and English, strict about context, no fallback."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mamori.notify import NotifyError, render
from mamori.notify.templates import template_names

POLICY: dict[str, Any] = {
    "controller": "メタ・オールスターズ株式会社",
    "version": 3,
    "effective_date": dt.date(2026, 12, 1),
    "summary": ["利用目的に「広告配信」を追加しました。", "保存期間を変更しました。"],
    "policy_url": "https://example.jp/privacy",
}
CODE: dict[str, Any] = {"code": "482913", "minutes": 10, "controller": "メタ"}


def test_every_template_exists_in_both_languages() -> None:
    pairs = template_names()
    names = {name for name, _ in pairs}
    assert names >= {
        "policy_change",
        "request_result",
        "verification_code",
        "inquiry_reply",
        "incident_notice",
        "incident_notice_client",
    }
    assert pairs == sorted((name, lang) for name in names for lang in ("en", "ja"))


def test_policy_change_in_japanese() -> None:
    subject, body = render("policy_change", "ja", POLICY)
    assert subject == "【メタ・オールスターズ株式会社】プライバシーポリシー改定のお知らせ"
    assert "（第3版）は、2026年12月1日から適用されます。" in body
    assert "・利用目的に「広告配信」を追加しました。\n・保存期間を変更しました。\n" in body
    assert "https://example.jp/privacy\n" in body
    assert "ます。" in body and "Subject" not in body
    assert body.endswith("メタ・オールスターズ株式会社\n") and not body.startswith("\n")


def test_policy_change_in_english() -> None:
    subject, body = render("policy_change", "en", {**POLICY, "controller": "Meta All Stars"})
    assert subject == "Meta All Stars: changes to our privacy policy"
    assert "(version 3) applies from 1 December 2026." in body
    assert "- 保存期間を変更しました。\n" in body


def test_policy_change_without_summary_has_no_heading() -> None:
    _, body = render("policy_change", "ja", {**POLICY, "summary": []})
    assert "主な変更点" not in body
    assert "\n\n\n" not in body
    _, with_summary = render("policy_change", "ja", POLICY)
    assert "■ 主な変更点" in with_summary


def test_effective_date_may_be_iso_text_but_not_anything() -> None:
    _, body = render("policy_change", "en", {**POLICY, "effective_date": "2027-01-31"})
    assert "applies from 31 January 2027." in body
    with pytest.raises(NotifyError) as caught:
        render("policy_change", "en", {**POLICY, "effective_date": "next week"})
    assert caught.value.reason == "template_invalid"


def test_verification_code_in_both_languages() -> None:
    subject, body = render("verification_code", "ja", CODE)
    assert subject == "【メタ】確認コードのお知らせ"
    assert "    482913\n" in body
    assert "有効期限は10分です。" in body
    assert "482913" not in subject
    subject, body = render("verification_code", "en", CODE)
    assert subject == "メタ: your verification code"
    assert "valid for 10 minutes." in body
    _, one = render("verification_code", "en", {**CODE, "minutes": 1})
    assert "valid for 1 minute." in one


@pytest.mark.parametrize("missing", ["code", "minutes", "controller"])
def test_missing_context_value_raises(missing: str) -> None:
    context = {k: v for k, v in CODE.items() if k != missing}
    with pytest.raises(NotifyError) as caught:
        render("verification_code", "ja", context)
    assert caught.value.reason == "context_missing"
    assert missing in caught.value.message
    assert "'verification_code'" in caught.value.message and "'ja'" in caught.value.message


def test_unknown_template_raises_naming_template_and_language() -> None:
    with pytest.raises(NotifyError) as caught:
        render("welcome", "en", {})
    assert caught.value.reason == "template_not_found"
    assert "'welcome'" in caught.value.message and "'en'" in caught.value.message
    assert caught.value.code == "notify_failed"


@pytest.mark.parametrize("lang", ["fr", "JA", "", "ja_JP"])
def test_unknown_language_raises_without_fallback(lang: str) -> None:
    with pytest.raises(NotifyError) as caught:
        render("verification_code", lang, CODE)
    assert caught.value.reason == "lang_unknown"
    assert repr(lang) in caught.value.message and "'verification_code'" in caught.value.message


@pytest.mark.parametrize("name", ["../templates/policy_change", "policy_change.ja", "Policy"])
def test_template_names_cannot_reach_other_files(name: str) -> None:
    with pytest.raises(NotifyError) as caught:
        render(name, "ja", POLICY)
    assert caught.value.reason == "template_not_found"


def test_a_line_break_in_the_subject_is_refused() -> None:
    with pytest.raises(NotifyError) as caught:
        render("verification_code", "en", {**CODE, "controller": "Evil\nBcc: x@example.com"})
    assert caught.value.reason == "template_invalid"

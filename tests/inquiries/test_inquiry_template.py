"""The reply mail, Japanese first and English second: the reference and the reply as written."""

from __future__ import annotations

import pytest

from mamori.notify import NotifyError
from mamori.notify.templates import render, template_names

CONTEXT = {
    "controller": "株式会社メタ・オールスターズ",
    "reference": "INQ-2026-ABCDE-FGH23",
    "reply": "ご指摘の件、確認しました。\n\n次の二点をご案内します。",
}


def test_the_reply_template_exists_in_both_languages() -> None:
    assert {("inquiry_reply", "en"), ("inquiry_reply", "ja")} <= set(template_names())


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_reply_mail_carries_the_reference_and_the_reply(lang: str) -> None:
    subject, body = render("inquiry_reply", lang, CONTEXT)
    assert CONTEXT["reference"] in subject and CONTEXT["controller"] in subject
    assert CONTEXT["reply"] in body and CONTEXT["reference"] in body
    assert ("お問い合わせ" in subject) is (lang == "ja")


def test_a_reply_is_required() -> None:
    with pytest.raises(NotifyError, match="reply"):
        render("inquiry_reply", "ja", {k: v for k, v in CONTEXT.items() if k != "reply"})

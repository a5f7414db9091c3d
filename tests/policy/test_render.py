"""Rendering the META ALL-STARS example as a privacy policy and a public matters page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml

from mamori.policy.model import Policy
from mamori.policy.render import (
    BulletList,
    Paragraph,
    policy_document,
    public_matters_document,
    render,
    render_html,
    render_markdown,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "src/mamori/examples/meta-all-stars/policy.yaml"

# The section headings and purposes of the reference policy, character for character.
JA_HEADINGS = [
    "1. 関係法令等の遵守",
    "2. 個人情報の定義",
    "3. 個人情報の利用目的について",
    "4. 個人情報の適正な取得",
    "5. 安全管理措置",
    "6. 情報の第三者への提供",
    "7. 開示等のご請求手続き",
    "8. ご質問・ご意見・苦情等",
    "9. プライバシーポリシーの変更について",
    "10. 雑則",
]
JA_PURPOSES = [
    "サービスの勧誘・販売を行うため",
    "当社、グループ会社又は提携会社のサービスの案内を行うため",
    "本サービスへのお申し込み、退会、ご登録情報変更ご案内及び確認手続き等の事務",
    "当社又は当社が提供するサービスに関していただいたお問い合わせに関する内容確認、調査、又はご返信のため",
    "市場調査、ならびにデータ分析やアンケートの実施等によるサービスの研究や開発のため",
    "利用者との契約や法律等に基づく権利の行使や義務の履行のため",
    "他の事業者等から個人情報の処理の全部又は一部について委託された場合等において、委託された当該業務を適切に遂行するため",
    "その他、利用者間での取引を適切かつ円滑に履行するため",
]
EN_HEADINGS = [
    "1. Compliance with Laws and Regulations",
    "2. Definition of Personal Information",
    "3. Purposes of Use of Personal Information",
    "4. Proper Acquisition of Personal Information",
    "5. Security Control Measures",
    "6. Provision of Information to Third Parties",
    "7. Procedures for Disclosure and Other Requests",
    "8. Questions, Comments and Complaints",
    "9. Changes to this Privacy Policy",
    "10. Miscellaneous",
]
EN_PURPOSES = [
    "To promote and sell our services",
    "To inform users about services of our company, our group companies or our partner companies",
    "To administer applications for the Service, withdrawal from it, changes to registered "
    "information, and the related notices and confirmation procedures",
    "To review, look into and reply to inquiries about us or the services we provide",
    "To research and develop services through market research, data analysis, questionnaires "
    "and similar means",
    "To exercise rights and perform obligations under contracts with users and under the law",
    "To properly carry out the work entrusted to us where another business has outsourced all "
    "or part of its processing of personal information to us",
    "Otherwise, to have transactions between users carried out properly and smoothly",
]
CONTROLLER = {
    "ja": [
        "株式会社META ALL-STARS",
        "〒100-0005 東京都千代田区丸の内一丁目0番0号 例示ビル(架空の住所)",
        "代表取締役 山田 太郎(例示)",
    ],
    "en": [
        "META ALL-STARS Inc.",
        "Example Building, 1-0-0 Marunouchi, Chiyoda-ku, Tokyo 100-0005, Japan",
        "Taro Yamada, Representative Director (illustrative)",
    ],
}
FEE = {
    "ja": "保有個人データの開示(手数料 1,000円",
    "en": "Disclosure of retained personal data (fee JPY 1,000",
}
CONTACT = ["https://meta-all-stars.example/contact", "privacy@meta-all-stars.example"]


@pytest.fixture(scope="module")
def policy() -> Policy:
    with EXAMPLE.open(encoding="utf-8") as f:
        return Policy.model_validate(yaml.safe_load(f))


def changed(policy: Policy, **changes: Any) -> Policy:
    """The policy with top-level keys of its canonical data replaced."""
    return Policy.model_validate({**policy.canonical(), **changes})


def between(text: str, start: str, end: str) -> str:
    """The part of ``text`` from ``start`` up to ``end``."""
    begin = text.index(start)
    return text[begin : text.index(end, begin)]


def test_example_is_the_reference_policy(policy: Policy) -> None:
    assert [p.label.ja for p in policy.purposes.values()] == JA_PURPOSES
    assert policy.controller.established == dt.date(2022, 3, 22)
    assert [r.kind.value for r in policy.recipients.values()] == ["outsourcee", "joint_user"]
    assert [name for name, role in policy.roles.items() if role.officer] == ["officer"]


def test_document_structure(policy: Policy) -> None:
    doc = policy_document(policy, "ja")
    assert doc.title == "プライバシーポリシー"
    assert [s.number for s in doc.sections] == [None, *map(str, range(1, 11)), None]
    assert [f"{s.number}. {s.heading}" for s in doc.sections[1:11]] == JA_HEADINGS
    preamble = doc.sections[0].blocks[0]
    assert isinstance(preamble, Paragraph)
    assert "株式会社META ALL-STARS" in preamble.text
    assert "「META ALL-STARS」サービス" in preamble.text
    purposes = [b for b in doc.sections[3].blocks if isinstance(b, BulletList)]
    assert purposes[0].items == tuple(JA_PURPOSES)


def test_ja_markdown(policy: Policy) -> None:
    out = render(policy, "ja", "markdown", effective=dt.date(2024, 4, 1))
    for heading in JA_HEADINGS:
        assert f"\n## {heading}\n" in out
    section3 = between(out, "## 3. ", "## 4. ")
    for label in JA_PURPOSES:
        assert f"\n- {label}\n" in section3
    assert "\n## 制定日時\n\n2022年03月22日 制定\n" in out
    assert "2024年04月01日 施行" in out
    # §2 lists the items, §5 groups the measures under the guideline's categories.
    section2 = between(out, "## 2. ", "## 3. ")
    assert all(f"- {item}" in section2 for item in ["氏名", "生年月日", "電話番号", "Cookie ID"])
    section5 = between(out, "## 5. ", "## 6. ")
    assert re.findall(r"^### (.+)$", section5, re.M) == [
        "個人情報保護指針の策定",
        "個人データの取扱いに係る規律の整備",
        "組織的安全管理措置",
        "人的安全管理措置",
        "物理的安全管理措置",
        "技術的安全管理措置",
    ]
    assert "アクセス制御を実施して" in section5
    # §6 names the joint use matters of Art. 27(5)(iii); §7 the requests; §8 the contact.
    section6 = between(out, "## 6. ", "## 7. ")
    assert "共同して利用する者の範囲:当社及び当社の子会社・関連会社" in section6
    assert "個人データの管理について責任を有する者:株式会社META ALL-STARS" in section6
    assert "例示クラウド株式会社" in section6
    section7 = between(out, "## 7. ", "## 8. ")
    assert FEE["ja"] in section7 and "14日以内" in section7
    assert "本人確認書類のご提示" in section7
    section8 = between(out, "## 8. ", "## 9. ")
    assert all(f"<{contact}>" in section8 for contact in CONTACT)
    assert "Cookie ID:取得から13か月" in out


def test_ja_html(policy: Policy) -> None:
    out = render(policy, "ja", "html")
    for heading in JA_HEADINGS:
        assert f"<h2>{heading}</h2>" in out
    for label in JA_PURPOSES:
        assert f"<li>{label}</li>" in out
    assert "<h2>制定日時</h2>\n<p>2022年03月22日 制定</p>" in out
    assert "施行" not in out  # no effective date given
    assert f'<a href="{CONTACT[0]}">{CONTACT[0]}</a>' in out
    assert f'<a href="mailto:{CONTACT[1]}">' in out


def test_en(policy: Policy) -> None:
    formats: tuple[Literal["markdown", "html"], ...] = ("markdown", "html")
    for fmt in formats:
        out = render(policy, "en", fmt, effective=dt.date(2024, 4, 1))
        for heading in EN_HEADINGS:
            assert heading in out
        for label in EN_PURPOSES:
            assert label in out
        for heading in [*JA_HEADINGS, "制定日時", "はじめに"]:
            assert heading.split(". ")[-1] not in out
        assert "Established: 22 March 2022" in out
        assert "Effective: 1 April 2024" in out
        assert "13 months after collection" in out
    assert '<html lang="en">' in render(policy, "en", "html")


def test_en_falls_back_to_japanese(policy: Policy) -> None:
    purposes = policy.canonical()["purposes"]
    purposes["sales"]["label"].pop("en")
    out = render(changed(policy, purposes=purposes), "en", "markdown")
    assert f"\n- {JA_PURPOSES[0]}\n" in out
    assert EN_PURPOSES[0] not in out


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_public_matters(policy: Policy, lang: str, fmt: Literal["markdown", "html"]) -> None:
    out = render(policy, lang, fmt, document="public_matters")
    for fact in CONTROLLER[lang]:
        assert fact in out
    for label in JA_PURPOSES if lang == "ja" else EN_PURPOSES:
        assert label in out
    assert FEE[lang] in out
    assert all(contact in out for contact in CONTACT)
    measure = "アクセス制御を実施して" if lang == "ja" else "We use access control"
    assert measure in out
    scope = "共同して利用する者の範囲" if lang == "ja" else "Joint users:"
    assert scope in out
    title = "保有個人データに関する事項の公表" if lang == "ja" else "Retained Personal Data"
    assert title in out


def test_public_matters_document_sections(policy: Policy) -> None:
    doc = public_matters_document(policy, "ja")
    assert [s.id for s in doc.sections] == [
        "preamble",
        "controller",
        "purposes",
        "requests",
        "security",
        "complaints",
        "joint_use",
    ]
    requests = doc.sections[3].blocks[0]
    assert isinstance(requests, Paragraph) and "第5項" in requests.text


def test_html_escapes_data(policy: Policy) -> None:
    purposes = policy.canonical()["purposes"]
    purposes["sales"]["label"] = {"ja": "<script>alert(1)</script>", "en": "<b>bold</b> & co"}
    recipients = policy.canonical()["recipients"]
    recipients["group_companies"]["name"]["ja"] = "<i>グループ</i>"
    evil = changed(policy, purposes=purposes, recipients=recipients)
    ja = render(evil, "ja", "html")
    assert "<script>" not in ja and "<i>" not in ja
    assert "<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>" in ja
    assert "<h3>共同利用(&lt;i&gt;グループ&lt;/i&gt;)</h3>" in ja  # a group heading
    en = render_html(public_matters_document(evil, "en"), standalone=False)
    assert "<b>" not in en and "&lt;b&gt;bold&lt;/b&gt; &amp; co" in en
    md = render_markdown(policy_document(evil, "ja"))
    assert "<script>" not in md and "\\<script\\>" in md


def test_standalone_and_fragment(policy: Policy) -> None:
    doc = policy_document(policy, "ja")
    page = render_html(doc)
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="ja">' in page and '<meta charset="utf-8">' in page
    assert "<title>プライバシーポリシー" in page and "<style>" in page
    fragment = render_html(doc, standalone=False)
    assert fragment.strip().startswith('<article class="mamori-document" lang="ja">')
    assert fragment.strip().endswith("</article>")
    assert "<html" not in fragment and "<style>" not in fragment


def test_section_override(policy: Policy) -> None:
    generated = policy_document(policy, "ja").sections[3].blocks[0]
    assert isinstance(generated, Paragraph)
    sections = {
        "purposes": {"ja": ["独自の文言その一。", "独自の文言その二。"], "en": ["Own words."]}
    }
    custom = changed(policy, sections=sections)
    ja = render(custom, "ja", "markdown")
    section3 = between(ja, "## 3. ", "## 4. ")
    assert "独自の文言その一。\n\n独自の文言その二。" in section3
    assert generated.text not in ja
    assert all(f"- {label}" in section3 for label in JA_PURPOSES)  # the list stays
    en = render(custom, "en", "markdown")
    assert "Own words." in en and "独自の文言" not in en
    ja_only = changed(policy, sections={"compliance": {"ja": ["法令を守ります。"]}})
    assert "法令を守ります。" in render(ja_only, "en", "html")


def test_foreign_third_party(policy: Policy) -> None:
    recipients = policy.canonical()["recipients"]
    recipients["analytics"] = {
        "name": {"ja": "米国解析社", "en": "US Analytics Inc."},
        "kind": "third_party",
        "country": "US",
        "items": ["cookie_id"],
        "purposes": ["research"],
        "rule17": {
            "country_system": {"ja": "包括的な法律はない", "en": "No comprehensive law"},
            "recipient_measures": {"ja": "OECD 8原則に沿う措置", "en": "Follows the OECD"},
        },
    }
    out = render(changed(policy, recipients=recipients), "ja", "markdown")
    section6 = between(out, "## 6. ", "## 7. ")
    assert "### 同意に基づく第三者提供" in section6
    assert "所在国:アメリカ合衆国" in section6
    assert "外国の個人情報保護制度:包括的な法律はない" in section6
    assert "提供先が講ずる措置:OECD 8原則に沿う措置" in section6


@pytest.mark.parametrize("lang", ["fr", "JA", "", "en-US"])
def test_unknown_lang(policy: Policy, lang: str) -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        policy_document(policy, lang)
    with pytest.raises(ValueError, match="unsupported language"):
        public_matters_document(policy, lang)
    with pytest.raises(ValueError, match="unsupported language"):
        render(policy, lang, "html")

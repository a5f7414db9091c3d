"""Drafts of the preliminary and final reports (PPC Rule 8) and the notice's wording.

A draft holds the nine items Rule 8(1) lists, in its order, filled from the register
(dates, items, counts, categories, notices sent) and the officer's free texts; what is not
known yet says so. It renders as Markdown, HTML (Jinja2 templates beside this file,
Japanese first, English available) and JSON. Addressed to the PPC, or to the client when
the company handles the data as an entrusted party (Art. 26(1) proviso).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from mamori.errors import ConfigError
from mamori.incidents.model import Category, Cause, Incident, Reporter, ReportKind
from mamori.policy.model import Policy

__all__ = ["FORMATS", "ITEM_TITLES", "ReportDraft", "draft_report", "notice_context"]

FORMATS = ("md", "html", "json")
LANGS = ("ja", "en")

# The nine items of Rule 8(1), in order: key, Japanese title, English title.
ITEM_TITLES: tuple[tuple[str, str, str], ...] = (
    ("overview", "概要", "Overview"),
    (
        "items",
        "漏えい等が発生し又は発生したおそれがある個人データの項目",
        "Items of the personal data leaked, lost or damaged, or possibly so",
    ),
    ("persons", "本人の数", "Number of persons concerned"),
    ("cause", "原因", "Cause"),
    (
        "secondary_damage",
        "二次被害又はそのおそれの有無及びその内容",
        "Secondary damage or its risk, and what it is",
    ),
    ("persons_response", "本人への対応の実施状況", "Measures taken toward the persons"),
    ("publication", "公表の実施状況", "Public announcement"),
    ("prevention", "再発防止のための措置", "Measures to prevent recurrence"),
    ("other", "その他参考となる事項", "Other information for reference"),
)

_CAUSES = {
    Cause.unauthorised_access: ("不正アクセス", "unauthorised access"),
    Cause.malware: ("マルウェア(ランサムウェア等)", "malware (ransomware and the like)"),
    Cause.theft: ("盗難", "theft"),
    Cause.insider: ("従業者による持ち出し", "taken out by an employee"),
    Cause.skimming: ("入力フォームの改ざん等", "a falsified or skimmed input form"),
    Cause.misdelivery: ("誤送付・誤送信", "sent to the wrong recipient"),
    Cause.loss: ("紛失", "loss"),
    Cause.misconfiguration: ("設定誤り", "misconfiguration"),
    Cause.system_error: ("システムの誤り", "a system error"),
    Cause.other: ("その他", "other"),
}
_CATEGORIES = {
    Category.special_care: (
        "要配慮個人情報が含まれる(規則第7条第1号)",
        "special-care data (Rule 7(i))",
    ),
    Category.financial: (
        "不正に利用されることにより財産的被害が生じるおそれがある(同第2号)",
        "misuse may cause property damage (Rule 7(ii))",
    ),
    Category.malicious: (
        "不正の目的をもって行われたおそれがある(同第3号)",
        "possibly done for an unjust purpose (Rule 7(iii))",
    ),
    Category.over_1000: (
        "本人の数が1,000人を超える(同第4号)",
        "more than 1,000 persons (Rule 7(iv))",
    ),
}
_WORDS: dict[str, dict[str, str]] = {
    "ja": {
        "preliminary": "速報",
        "final": "確報",
        "title": "個人データの漏えい等事案に関する報告書({kind})",
        "to_ppc": "個人情報保護委員会 御中",
        "to_client": "{client} 御中(委託元)",
        "client_note": (
            "当社は本件個人データの取扱いの委託を受けた者(委託先)であり、法第26条第1項"
            "ただし書に基づき、個人情報保護委員会への報告に代えて委託元に通知します。"
        ),
        "prepared": "作成日",
        "due": "期限",
        "learned": "事態を知った日時",
        "occurred": "発生日時",
        "found_by": "発見者",
        "unknown": "不明",
        "categories": "報告対象事態",
        "none": "該当なし",
        "timeline": "経緯",
        "persons": "{count}人",
        "upper": "(最大。確認中の者を含む)",
        "found": "うち当社の記録で特定した本人 {count}人",
        "notices": (
            "本人への通知: 送信済み {sent}人、連絡先なし {no_contact}人、失敗 {failed}人、"
            "未通知 {pending}人"
        ),
        "pending_text": "(調査中)",
        "not_yet": "(未実施)",
        "excluded": "高度な暗号化等の措置により報告対象外と判断した理由",
        "reason": "分類の理由",
        "deadlines": "報告期限: 速報 {preliminary}、確報 {final}",
        "items_label": "{label}({cls})",
    },
    "en": {
        "preliminary": "preliminary report",
        "final": "final report",
        "title": "Report on a leak, loss or damage of personal data ({kind})",
        "to_ppc": "To: the Personal Information Protection Commission",
        "to_client": "To: {client} (the client who entrusted the data)",
        "client_note": (
            "We handle the personal data concerned as an entrusted party; under the proviso "
            "of Art. 26(1) we notify the client instead of reporting to the Commission."
        ),
        "prepared": "Prepared on",
        "due": "Due",
        "learned": "Learned of",
        "occurred": "Occurred",
        "found_by": "Found by",
        "unknown": "unknown",
        "categories": "Reportable situations",
        "none": "none",
        "timeline": "Timeline",
        "persons": "{count} persons",
        "upper": " (at most; includes persons still being checked)",
        "found": "of whom {count} identified in our records",
        "notices": (
            "Notices to the persons: {sent} sent, {no_contact} without contact, "
            "{failed} failed, {pending} not yet notified"
        ),
        "pending_text": "(under investigation)",
        "not_yet": "(not done yet)",
        "excluded": "Why it was judged not reportable (advanced encryption, key safe)",
        "reason": "Reason for the classification",
        "deadlines": "Deadlines: preliminary {preliminary}, final {final}",
        "items_label": "{label} ({cls})",
    },
}
_CLASSES = {
    "ja": {
        "ordinary": "一般",
        "special_care": "要配慮個人情報",
        "financial": "財産的被害のおそれ",
        "identification_code": "個人識別符号",
    },
    "en": {
        "ordinary": "ordinary",
        "special_care": "special-care",
        "financial": "property damage possible",
        "identification_code": "identification code",
    },
}


@dataclass(frozen=True)
class ReportItem:
    no: int
    key: str
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ReportDraft:
    """One report, ready to render: a header and the nine items of Rule 8(1)."""

    incident: str
    kind: ReportKind
    lang: str
    title: str
    to: str
    header: tuple[tuple[str, str], ...]
    note: str | None
    items: tuple[ReportItem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "kind": self.kind.value,
            "lang": self.lang,
            "title": self.title,
            "to": self.to,
            "header": [{"label": k, "value": v} for k, v in self.header],
            "note": self.note,
            "items": [
                {"no": i.no, "key": i.key, "title": i.title, "text": "\n".join(i.lines)}
                for i in self.items
            ],
        }

    def render(self, fmt: str) -> str:
        """Markdown (``md``), HTML (``html``) or JSON (``json``)."""
        if fmt == "json":
            return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"
        if fmt not in FORMATS:
            raise ConfigError(f"format {fmt!r} is not one of: {', '.join(FORMATS)}")
        template = _environment().get_template(f"report.{self.lang}.{fmt}.j2")
        return template.render(draft=self)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mamori.incidents", "templates"),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _when(moment: dt.datetime | None, zone: dt.tzinfo, words: Mapping[str, str]) -> str:
    if moment is None:
        return words["unknown"]
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _item_labels(incident: Incident, policy: Policy, lang: str) -> list[str]:
    words = _WORDS[lang]
    out = []
    for item in incident.items:
        declared = policy.items.get(item)
        label = declared.label.get(lang) if declared is not None else item
        cls = _CLASSES[lang][declared.class_.value] if declared is not None else "?"
        out.append(words["items_label"].format(label=label, cls=cls))
    return out


def draft_report(
    incident: Incident,
    kind: ReportKind | str,
    *,
    narrative: Mapping[str, str],
    notices: Mapping[str, int],
    policy: Policy,
    zone: dt.tzinfo,
    today: dt.date,
    lang: str = "ja",
) -> ReportDraft:
    """The draft of ``kind`` (preliminary or final) for ``incident`` in ``lang``."""
    if lang not in LANGS:
        raise ConfigError(f"language {lang!r} is not one of: {', '.join(LANGS)}")
    what = ReportKind(kind)
    words = _WORDS[lang]
    index = 0 if lang == "ja" else 1
    text = dict(narrative)
    pending = words["pending_text"]

    def free(key: str, fallback: str = pending) -> list[str]:
        value = text.get(key)
        return value.splitlines() if value else [fallback]

    categories = incident.categories if incident.categories is not None else incident.suggested
    overview = free("overview", pending)
    overview += [
        f"{words['learned']}: {_when(incident.learned_at, zone, words)}",
        f"{words['occurred']}: {_when(incident.occurred_at, zone, words)}",
        f"{words['found_by']}: {text.get('found_by') or words['unknown']}",
        f"{words['categories']}: "
        + ("; ".join(_CATEGORIES[c][index] for c in categories) or words["none"]),
    ]
    if incident.reporter is Reporter.client:
        overview.append(words["client_note"])
    if text.get("timeline"):
        overview.append(f"{words['timeline']}:")
        overview += text["timeline"].splitlines()
    persons = [words["persons"].format(count=f"{incident.affected_count:,}")]
    if incident.count_is_upper_bound:
        persons[0] += words["upper"]
    if incident.listed_count != incident.affected_count:
        persons.append(words["found"].format(count=f"{incident.listed_count:,}"))
    cause = [_CAUSES[incident.cause][index], *free("cause_detail", pending)]
    response = [*free("persons_response", words["not_yet"]), words["notices"].format(**notices)]
    other = free("other", words["none"])
    if incident.excluded_reason:
        other.append(f"{words['excluded']}: {incident.excluded_reason}")
    if incident.classify_reason:
        other.append(f"{words['reason']}: {incident.classify_reason}")
    other.append(
        words["deadlines"].format(
            preliminary=incident.preliminary_due.isoformat(), final=incident.final_due.isoformat()
        )
    )
    bodies = {
        "overview": overview,
        "items": _item_labels(incident, policy, lang),
        "persons": persons,
        "cause": cause,
        "secondary_damage": free("secondary_damage"),
        "persons_response": response,
        "publication": free("publication", words["not_yet"]),
        "prevention": free("prevention"),
        "other": other,
    }
    items = tuple(
        ReportItem(n, key, (ja, en)[index], tuple(bodies[key]))
        for n, (key, ja, en) in enumerate(ITEM_TITLES, 1)
    )
    if incident.reporter is Reporter.client:
        client = incident.client_name or incident.client_recipient or ""
        to = words["to_client"].format(client=client)
    else:
        to = words["to_ppc"]
    due = incident.preliminary_due if what is ReportKind.preliminary else incident.final_due
    header = (
        (words["prepared"], today.isoformat()),
        (words["due"], due.isoformat()),
        ("ID", incident.id),
    )
    return ReportDraft(
        incident=incident.id,
        kind=what,
        lang=lang,
        title=words["title"].format(kind=words[what.value]),
        to=to,
        header=header,
        note=words["client_note"] if incident.reporter is Reporter.client else None,
        items=items,
    )


def notice_context(
    incident: Incident, narrative: Mapping[str, str], policy: Policy, lang: str
) -> dict[str, Any]:
    """What the notice to a person (and to a client) says: the overview, the items, the
    cause, secondary damage, what the person can do, and where to ask."""
    index = 0 if lang == "ja" else 1
    words = _WORDS.get(lang, _WORDS["ja"])
    contact = policy.controller.contact
    desk = contact.desk.get(lang) if contact.desk is not None else ""
    lines = [line for line in (desk, contact.email, contact.phone) if line]
    if contact.form_url is not None:
        lines.append(str(contact.form_url))
    labels = []
    for item in incident.items:
        declared = policy.items.get(item)
        labels.append(declared.label.get(lang) if declared is not None else item)
    return {
        "controller": policy.controller.name.get(lang),
        "incident": incident.id,
        "learned_on": incident.learned_on,
        "overview": narrative.get("overview", ""),
        "items": labels,
        "cause": _CAUSES[incident.cause][index],
        "cause_detail": narrative.get("cause_detail", ""),
        "secondary_damage": narrative.get("secondary_damage", words["pending_text"]),
        "advice": narrative.get("advice", ""),
        "contact": lines,
    }

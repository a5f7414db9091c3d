"""Policy diff: every kind of change, its severity, and nothing else."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.policy.diff import KINDS, Change, PolicyDiff, Severity, diff
from mamori.policy.model import Policy

JP_PARTY = {
    "name": {"ja": "株式会社例"},
    "address": {"ja": "東京都"},
    "representative": {"ja": "代表"},
}

BASE: dict[str, Any] = {
    "controller": {
        "name": {"ja": "株式会社例", "en": "Example K.K."},
        "service": {"ja": "例サービス"},
        "address": {"ja": "東京都千代田区1-1-1"},
        "representative": {"ja": "代表取締役 例"},
        "contact": {"email": "privacy@example.jp"},
        "established": "2024-04-01",
    },
    "items": {
        "name": {"label": {"ja": "氏名"}},
        "email": {"label": {"ja": "メールアドレス", "en": "Email address"}},
        "health": {"label": {"ja": "健康状態"}, "class": "special_care"},
        "cookie_id": {"label": {"ja": "クッキーID"}, "personally_referable": True},
    },
    "purposes": {
        "account": {
            "label": {"ja": "会員ID（アカウント）の管理のため"},
            "items": ["name", "email"],
        },
        "ads": {
            "label": {"ja": "広告の配信のため"},
            "items": ["cookie_id"],
            "consent_required": True,
            "marketing": True,
        },
    },
    "recipients": {
        "mailer": {
            "name": {"ja": "配信会社"},
            "kind": "outsourcee",
            "items": ["email"],
            "purposes": ["account"],
            "contract": "C-1",
            "assessed_on": "2024-01-10",
        },
        "partner": {
            "name": {"ja": "提携会社"},
            "kind": "third_party",
            "address": {"ja": "大阪府"},
            "representative": {"ja": "代表"},
            "items": ["name"],
            "purposes": ["ads"],
        },
        "group": {
            "name": {"ja": "グループ会社"},
            "kind": "joint_user",
            "items": ["name", "email"],
            "purposes": ["account"],
            "joint_use": {"responsible_party": JP_PARTY, "scope": {"ja": "当社の子会社"}},
        },
        "cloud": {
            "name": {"ja": "US Cloud"},
            "kind": "outsourcee",
            "country": "US",
            "items": ["email"],
            "purposes": ["account"],
            "rule17": {
                "country_system": {"ja": "米国には包括的な法律がない。"},
                "recipient_measures": {"ja": "暗号化して保管する。"},
            },
        },
        "analytics": {
            "name": {"ja": "Analytics Inc."},
            "kind": "outsourcee",
            "country": "US",
            "items": ["cookie_id"],
            "purposes": ["ads"],
            "equivalent_measures": {"basis": "contract", "reviewed_on": "2024-02-01"},
        },
    },
    "roles": {
        "support": {
            "label": {"ja": "サポート"},
            "items": ["name", "email"],
            "purposes": ["account"],
        },
        "officer": {"label": {"ja": "責任者"}, "officer": True},
    },
    "retention": [
        {"item": "email", "after": "account_closed", "keep": "P30D"},
        {"purpose": "ads", "after": "consent_withdrawn", "description": {"ja": "直ちに消す。"}},
    ],
    "requests": {
        "kinds": [
            {"kind": "disclosure", "fee": {"amount": 0}, "methods": ["electronic"]},
            {"kind": "erasure"},
        ],
        "verification": ["otp_email", "account_login"],
        "procedure": {"ja": "フォームから請求してください。"},
    },
    "security_measures": {
        "organisational": [{"ja": "責任者を置く。"}, {"ja": "規程を定める。"}],
        "human": [{"ja": "研修を行う。"}],
        "physical": [{"ja": "入退室を管理する。"}],
        "technical": [{"ja": "アクセスを制御する。"}],
    },
    "datasets": {
        "crm": {
            "system": "CRM",
            "engine": "postgresql",
            "purposes": ["account"],
            "tables": {"customers": {"subject_key": "id", "columns": {"email": "email"}}},
        }
    },
    "sections": {"preamble": {"ja": ["当社は、個人情報を大切にします。"]}},
}

Edit = Callable[[dict[str, Any]], None]


def _walk(data: Any, path: str) -> tuple[Any, str | int]:
    *parents, last = path.split(".")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data, int(last) if isinstance(data, list) else last


def put(path: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        parent, key = _walk(data, path)
        if isinstance(parent, list) and key == len(parent):
            parent.append(None)  # put("retention.2", ...) appends a third rule
        parent[key] = copy.deepcopy(value)

    edit.__name__ = path
    return edit


def drop(path: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        parent, key = _walk(data, path)
        del parent[key]

    edit.__name__ = f"{path} dropped"
    return edit


def policy(*edits: Edit) -> Policy:
    data = copy.deepcopy(BASE)
    for edit in edits:
        edit(data)
    return Policy.model_validate(data)


OLD = policy()
OUT, THIRD, JOINT = "outsourcee", "third_party", "joint_user"


def both(*edits: Edit) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        for one in edits:
            one(data)

    edit.__name__ = " + ".join(e.__name__ for e in edits)
    return edit


def new_recipient(kind: str, country: str = "JP", **extra: Any) -> Edit:
    value = {"name": {"ja": "新しい会社"}, "kind": kind, "country": country}
    return put("recipients.new", value | {"items": ["name"], "purposes": ["account"]} | extra)


GROUP_USE = BASE["recipients"]["group"]["joint_use"]
REVIEWED = {"basis": "contract", "reviewed_on": "2024-02-01"}

# What each edit of the base policy must produce: "kind severity, ..." in diff order.
TABLE: list[tuple[str, list[Edit]]] = [
    ("controller_changed notice", [
        put("controller.name.ja", "株式会社新例"),
        put("controller.address.ja", "大阪府"),
        put("controller.representative.ja", "代表取締役 新"),
        put("controller.contact.phone", "03-1234-5678"),
    ]),
    ("controller_changed minor", [
        put("controller.established", "2020-01-01"),
        put("controller.service.ja", "新サービス"),
    ]),
    ("item_added notice", [put("items.phone", {"label": {"ja": "電話番号"}})]),
    ("item_removed notice", [drop("items.health")]),
    ("item_changed minor", [
        put("items.email.label.ja", "メール・アドレス"),
        put("items.email.label.en", "E-mail  address"),
        put("items.name.normaliser", "name"),
        put("items.name.detectors", ["person_name"]),
    ]),
    ("item_changed notice", [
        put("items.email.label.ja", "電子メール"),
        put("items.name.description", {"ja": "姓と名"}),
    ]),
    ("item_class_changed notice", [
        put("items.name.class", "special_care"),
        put("items.name.class", "financial"),
        put("items.name.class", "identification_code"),
        put("items.health.class", "ordinary"),
    ]),
    ("item_referability_changed notice", [put("items.cookie_id.personally_referable", False)]),
    ("purpose_added consent", [
        put("purposes.survey", {"label": {"ja": "調査"}, "items": ["email"]}),
    ]),
    ("purpose_removed notice", [drop("purposes.ads")]),
    ("purpose_changed minor", [
        put("purposes.account.label.ja", "会員ＩＤ(アカウント) の管理のため。"),
        put("purposes.ads.label.ja", "広告の配信のため。"),
    ]),
    ("purpose_changed notice", [
        put("purposes.account.label.ja", "会員の行動分析のため"),
        put("purposes.account.label.en", "To manage accounts"),
        put("purposes.ads.description", {"ja": "興味に応じた広告"}),
    ]),
    ("item_added_to_purpose consent", [put("purposes.account.items", ["name", "email", "health"])]),
    ("item_removed_from_purpose minor", [put("purposes.account.items", ["email"])]),
    ("purpose_flag_changed consent", [
        put("purposes.ads.consent_required", False),
        put("purposes.account.profiling", True),
        put("purposes.ads.provision", True),
        put("purposes.account.marketing", True),
    ]),
    ("purpose_flag_changed notice", [
        put("purposes.account.consent_required", True),
        put("purposes.ads.marketing", False),
    ]),
    ("recipient_added consent", [
        new_recipient(THIRD),
        new_recipient(JOINT),
        new_recipient(THIRD, "DE"),
        new_recipient(JOINT, "GB"),
        new_recipient(THIRD, "US", equivalent_measures=REVIEWED),
    ]),
    ("recipient_added notice", [
        new_recipient(OUT),
        new_recipient(OUT, "DE"),
        new_recipient(OUT, "US", equivalent_measures=REVIEWED),
    ]),
    ("foreign_recipient_added consent", [
        new_recipient(OUT, "SG"),
        new_recipient(THIRD, "US"),
        new_recipient(JOINT, "CN"),
    ]),
    ("recipient_removed notice", [drop("recipients.partner"), drop("recipients.cloud")]),
    ("recipient_kind_changed consent", [
        put("recipients.mailer.kind", THIRD),
        put("recipients.group.kind", THIRD),
    ]),
    ("recipient_kind_changed notice", [put("recipients.partner.kind", OUT)]),
    ("recipient_kind_changed consent, joint_use_changed notice", [
        both(put("recipients.mailer.kind", JOINT), put("recipients.mailer.joint_use", GROUP_USE)),
    ]),
    ("recipient_country_changed consent", [
        put("recipients.mailer.country", "US"),
        put("recipients.cloud.country", "SG"),
    ]),
    ("recipient_country_changed notice", [
        put("recipients.mailer.country", "GB"),
        put("recipients.cloud.country", "JP"),
        put("recipients.analytics.country", "SG"),  # equivalent measures still hold
    ]),
    ("recipient_items_changed consent", [
        put("recipients.partner.items", ["name", "email"]),
        put("recipients.group.items", ["name", "email", "health"]),
        put("recipients.cloud.items", ["email", "name"]),  # abroad, Art. 28 consent
    ]),
    ("recipient_items_changed notice", [put("recipients.mailer.items", ["email", "name"])]),
    ("recipient_items_changed minor", [put("recipients.group.items", ["name"])]),
    ("recipient_purposes_changed notice", [
        put("recipients.group.purposes", ["account", "ads"]),
        put("recipients.partner.purposes", ["account"]),
    ]),
    ("recipient_details_changed notice", [
        put("recipients.partner.name.ja", "提携会社ホールディングス"),
        put("recipients.partner.address.ja", "京都府"),
        put("recipients.group.representative", {"ja": "代表"}),
        put("recipients.cloud.rule17.recipient_measures.ja", "保管しない。"),
        drop("recipients.cloud.rule17"),
        put("recipients.analytics.equivalent_measures.basis", "apec_cbpr"),
    ]),
    ("recipient_details_changed minor", [
        put("recipients.mailer.name.ja", "新配信会社"),
        put("recipients.mailer.contract", "C-2"),
        put("recipients.mailer.assessed_on", "2025-01-10"),
        put("recipients.cloud.rule17.recipient_measures.ja", "暗号化して、保管する"),
        put("recipients.analytics.equivalent_measures.reviewed_on", "2025-02-01"),
    ]),
    ("recipient_details_changed consent", [drop("recipients.analytics.equivalent_measures")]),
    ("joint_use_changed notice", [
        put("recipients.group.joint_use.responsible_party.name.ja", "グループ本社"),
        drop("recipients.group.joint_use"),
    ]),
    ("joint_use_changed consent", [put("recipients.group.joint_use.scope.ja", "子会社と取引先")]),
    ("joint_use_changed minor", [put("recipients.group.joint_use.scope.ja", "当社の 子会社。")]),
    ("role_added minor", [put("roles.auditor", {"label": {"ja": "監査"}})]),
    ("role_removed minor", [drop("roles.support")]),
    ("role_changed minor", [
        put("roles.support.items", ["name"]),
        put("roles.officer.officer", False),
    ]),
    ("retention_changed notice", [
        put("retention.0.keep", "P90D"),
        put("retention.2", {"item": "name", "after": "last_used", "keep": "P3Y"}),
        drop("retention.0"),
        put("retention.1.description.ja", "一年後に消す。"),
    ]),
    ("retention_changed notice, retention_changed notice", [
        put("retention.0.after", "last_used"),  # a rule is keyed by its target and event
    ]),
    ("retention_changed minor", [put("retention.1.description.ja", "直ちに、消す")]),
    ("request_kind_added notice", [put("requests.kinds.2", {"kind": "correction"})]),
    ("request_kind_removed notice", [drop("requests.kinds.1")]),
    ("request_fee_changed notice", [
        put("requests.kinds.0.fee.amount", 1000),
        drop("requests.kinds.0.fee"),
        put("requests.kinds.1.fee", {"amount": 0}),
    ]),
    ("requests_changed notice", [
        put("requests.kinds.0.methods", ["electronic", "paper"]),
        put("requests.target_days", 30),
        put("requests.verification", ["documents"]),
        put("requests.agents_accepted", False),
        put("requests.procedure.ja", "郵送で請求してください。"),
    ]),
    ("requests_changed minor", [put("requests.procedure.ja", "フォームから、請求してください")]),
    ("security_measures_changed notice", [
        put("security_measures.technical.0.ja", "ファイアウォールを置く。"),
        put("security_measures.external_environment", [{"ja": "米国の制度を把握する。"}]),
        drop("security_measures.organisational.1"),
    ]),
    ("security_measures_changed minor", [
        put("security_measures.technical.0.ja", "アクセスを、制御する"),
        put("security_measures.organisational", BASE["security_measures"]["organisational"][::-1]),
    ]),
    ("dataset_added minor", [put("datasets.logs", {"system": "Logs"})]),
    ("dataset_removed minor", [drop("datasets.crm")]),
    ("dataset_changed minor", [
        put("datasets.crm.engine", "mysql"),
        put("datasets.crm.tables.customers.columns.mail", "email"),
    ]),
    ("section_text_changed notice", [
        put("sections.changes", {"ja": ["改定は公表します。"]}),
        drop("sections.preamble"),
        put("sections.preamble.ja", ["当社は個人情報を販売します。"]),
        put("sections.preamble.en", ["We value personal data."]),
    ]),
    ("section_text_changed minor", [
        put("sections.preamble.ja", ["当社は個人情報を", "大切にします"]),
    ]),
    ("", [  # order only: nothing to announce
        put("purposes.account.items", ["email", "name"]),
        put("recipients.group.items", ["email", "name"]),
        put("recipients.group.purposes", ["account"]),
        put("requests.kinds", BASE["requests"]["kinds"][::-1]),
        put("requests.verification", ["account_login", "otp_email"]),
        put("retention", BASE["retention"][::-1]),
    ]),
]  # fmt: skip

CASES = [(edit, expected) for expected, edits in TABLE for edit in edits]


@pytest.mark.parametrize(("edit", "expected"), CASES, ids=[e.__name__ for e, _ in CASES])
def test_each_change_has_its_kind_and_severity(edit: Edit, expected: str) -> None:
    result = diff(OLD, policy(edit))

    assert ", ".join(f"{c.kind} {c.severity}" for c in result) == expected
    assert all(c.summary.isascii() for c in result)  # ids and field names, never the texts
    json.dumps(result.to_dict())


def test_every_kind_is_covered() -> None:
    table = {kind.split()[0] for expected, _ in TABLE for kind in expected.split(", ") if kind}
    assert table | {"format_changed"} == set(KINDS)


def test_format_change_is_minor() -> None:
    result = diff(OLD, OLD.model_copy(update={"format": 2}))
    assert [(c.kind, c.severity, c.path) for c in result] == [("format_changed", "minor", "format")]


def test_identical_policies_give_an_empty_diff() -> None:
    result = diff(OLD, policy())
    assert result == PolicyDiff(())
    assert not result
    assert len(result) == 0
    assert result.severity is None
    assert result.to_dict() == {"severity": None, "changes": []}


def test_a_change_reads_like_the_policy() -> None:
    new = policy(put("purposes.account.items", ["name", "email", "health"]))
    [change] = diff(OLD, new)
    assert change == Change(
        kind="item_added_to_purpose",
        severity=Severity.consent,
        path="purposes.account.items",
        summary="Item 'health' of purpose 'account' added.",
        before=None,
        after="health",
        article="Art. 18(1)",
    )


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (put("items.name.class", "special_care"), "items.name.class"),
        (put("recipients.group.joint_use.scope.ja", "全員"), "recipients.group.joint_use.scope"),
        (put("requests.kinds.0.fee.amount", 500), "requests.kinds[0].fee"),
        (drop("requests.kinds.1"), "requests.kinds[1]"),
        (put("retention.1.keep", "P1D"), "retention[1]"),
        (put("controller.name.ja", "新社名"), "controller.name"),
        (put("sections.preamble.ja", ["別の文。"]), "sections.preamble"),
    ],
)
def test_paths_name_where_the_change_is(edit: Edit, path: str) -> None:
    assert [c.path for c in diff(OLD, policy(edit))] == [path]


def test_severity_is_the_highest_and_order_is_by_area_then_id() -> None:
    edits = (
        put("sections.preamble.ja", ["当社は個人情報を販売します。"]),
        put("roles.support.items", ["name"]),
        put("recipients.partner.items", ["name", "email"]),
        put("purposes.ads.marketing", False),
        put("items.name.normaliser", "name"),
        put("recipients.group.purposes", ["account", "ads"]),
    )
    result = diff(OLD, policy(*edits))

    assert [c.path for c in result] == [
        "items.name.normaliser",
        "purposes.ads.marketing",
        "recipients.group.purposes",
        "recipients.partner.items",
        "roles.support.items",
        "sections.preamble",
    ]
    assert result.severity is Severity.consent
    assert [c.path for c in result.by_severity(Severity.minor)] == [
        "items.name.normaliser",
        "roles.support.items",
    ]
    assert result.to_dict() == diff(OLD, policy(*reversed(edits))).to_dict()
    assert json.loads(json.dumps(result.to_dict()))["severity"] == "consent"


def test_severities_are_ordered() -> None:
    minor, notice, consent = Severity.minor, Severity.notice, Severity.consent
    assert minor < notice < consent
    assert consent > notice >= notice > minor
    assert max([notice, consent, minor]) is consent
    assert sorted([consent, minor, notice]) == [minor, notice, consent]
    assert [s.rank for s in Severity] == [0, 1, 2]
    assert minor < "notice"
    with pytest.raises(TypeError):
        _ = minor < 1


LABELS = ["広告の配信のため", "広告の配信のため。", "広告・配信のため", "ＤＭの送付のため"]
FLAGS = ["consent_required", "profiling", "provision", "marketing"]
ITEM_IDS = list(BASE["items"])


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    flags = {f: draw(st.booleans()) for f in FLAGS}
    chosen = draw(st.sets(st.sampled_from(ITEM_IDS), min_size=1))
    items = [i for i in ITEM_IDS if i in chosen]
    edits = [put(f"purposes.ads.{f}", v) for f, v in flags.items()]
    edits.append(put("purposes.ads.items", items))
    edits.append(put("purposes.ads.label.ja", draw(st.sampled_from(LABELS))))
    edits.append(put("recipients.partner.kind", draw(st.sampled_from([OUT, THIRD, JOINT]))))
    edits.append(put("recipients.partner.country", draw(st.sampled_from(["JP", "DE", "US"]))))
    return policy(*edits)


@settings(max_examples=40, deadline=None, database=None)
@given(policies(), policies())
def test_diff_is_empty_for_itself_complete_and_deterministic(a: Policy, b: Policy) -> None:
    assert not diff(a, a)
    result = diff(a, b)
    assert result == diff(a, b)
    assert bool(result) == (a != b)
    assert result.severity == max((c.severity for c in result), default=None)
    json.dumps(result.to_dict())

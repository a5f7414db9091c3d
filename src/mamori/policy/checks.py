"""Rules that relate one part of a policy to another.

:func:`check` returns findings (errors and warnings) with the path they concern; the
loader turns paths into file lines. Each finding has a stable ``code``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from mamori.policy.model import (
    EQUIVALENT_COUNTRIES,
    FEE_KINDS,
    DisclosureMethod,
    ItemClass,
    Normaliser,
    Policy,
    RecipientKind,
    RequestKind,
)

__all__ = ["Finding", "check", "is_vague_purpose", "role_closure"]

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    code: str
    loc: Loc
    message: str


def _error(code: str, loc: Loc, message: str) -> Finding:
    return Finding("error", code, loc, message)


def _warning(code: str, loc: Loc, message: str) -> Finding:
    return Finding("warning", code, loc, message)


def check(policy: Policy) -> list[Finding]:
    """Every cross-reference and legal rule the structure alone cannot express."""
    return [
        *_purposes(policy),
        *_recipients(policy),
        *_roles(policy),
        *_retention(policy),
        *_requests(policy),
        *_datasets(policy),
        *_items(policy),
        *_notice_purpose(policy),
        *_data_map(policy),
    ]


def _data_map(policy: Policy) -> Iterator[Finding]:
    """The data map's graph rules (references, reachability, keys, cycles) live with the
    planner that runs them; imported here so a policy that loads can be planned."""
    from mamori.connectors.checks import dataset_findings

    for dataset_id, dataset in policy.datasets.items():
        yield from dataset_findings(dataset_id, dataset)


def _notice_purpose(policy: Policy) -> Iterator[Finding]:
    pid = policy.notice_purpose
    if pid is None:
        return
    purpose = policy.purposes.get(pid)
    if purpose is None:
        yield _error("unknown_purpose", ("notice_purpose",), f"unknown purpose '{pid}'")
    elif not any(policy.items[i].normaliser is Normaliser.email for i in purpose.items):
        yield _error(
            "notice_purpose_without_email",
            ("notice_purpose",),
            f"purpose '{pid}' has no email item: notices cannot be sent under it",
        )


def _refs(
    names: Iterable[str], known: Iterable[str], loc: Loc, what: str, *, unique: bool = True
) -> Iterator[Finding]:
    """Unknown or repeated references in a list of ids."""
    known = known if isinstance(known, set | frozenset | dict) else set(known)
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name not in known:
            match = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            hint = f" (did you mean '{match[0]}'?)" if match else ""
            yield _error(f"unknown_{what}", (*loc, index), f"unknown {what} '{name}'{hint}")
        elif unique and name in seen:
            yield _error("duplicate_reference", (*loc, index), f"{what} '{name}' is listed twice")
        seen.add(name)


# Purposes that name no concrete use: Art. 17(1) asks for purposes "as specific as possible".
_VAGUE = {
    "事業活動のため",
    "事業活動に用いるため",
    "事業活動に利用するため",
    "当社の事業活動のため",
    "当社の事業のため",
    "当社の業務のため",
    "業務遂行のため",
    "マーケティングのため",
    "マーケティング活動のため",
    "マーケティングに利用するため",
    "サービス向上のため",
    "当社サービスの向上のため",
    "サービスの向上のため",
    "その他当社が必要と判断する目的のため",
    "forbusinessactivities",
    "forbusinesspurposes",
    "forourbusiness",
    "formarketing",
    "formarketingpurposes",
    "toimproveourservices",
    "forserviceimprovement",
}


def _squash(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s\W_]+", "", text)


def is_vague_purpose(label: str) -> bool:
    """True for a purpose label that only says "for business" or "for marketing"."""
    return _squash(label) in _VAGUE


def _purposes(policy: Policy) -> Iterator[Finding]:
    for pid, purpose in policy.purposes.items():
        loc: Loc = ("purposes", pid)
        yield from _refs(purpose.items, policy.items, (*loc, "items"), "item")
        for index, item_id in enumerate(purpose.items):
            item = policy.items.get(item_id)
            if item and item.class_ is ItemClass.special_care and not purpose.consent_required:
                yield _error(
                    "special_care_without_consent",
                    (*loc, "items", index),
                    f"special-care item '{item_id}' needs prior consent (Art. 20(2)): "
                    "set consent_required: true",
                )
        for index, item_id in enumerate(purpose.items):
            item = policy.items.get(item_id)
            if item and item.normaliser is Normaliser.my_number and purpose.my_number_use is None:
                yield _error(
                    "my_number_without_legal_basis",
                    (*loc, "items", index),
                    f"item '{item_id}' is a My Number; a purpose may use it only for one of the "
                    "uses the My Number Act allows: set my_number_use",
                )
        for lang, text in (("ja", purpose.label.ja), ("en", purpose.label.en)):
            if text and is_vague_purpose(text):
                yield _warning(
                    "purpose_vague",
                    (*loc, "label", lang),
                    "this purpose is too vague to meet Art. 17(1): say what the data is used for",
                )
        if purpose.profiling and not re.search(r"分析|analy|profil|プロファイ", _text(purpose)):
            yield _warning(
                "profiling_not_described",
                (*loc, "label"),
                "a profiling purpose should say that data is analysed (Art. 17(1) guideline)",
            )


def _text(purpose: object) -> str:
    label = getattr(purpose, "label", None)
    desc = getattr(purpose, "description", None)
    parts = [getattr(label, "ja", ""), getattr(label, "en", "") or ""]
    if desc is not None:
        parts += [desc.ja, desc.en or ""]
    return " ".join(parts).lower()


def _recipients(policy: Policy) -> Iterator[Finding]:
    for rid, rec in policy.recipients.items():
        loc: Loc = ("recipients", rid)
        yield from _refs(rec.items, policy.items, (*loc, "items"), "item")
        yield from _refs(rec.purposes, policy.purposes, (*loc, "purposes"), "purpose")
        needed = {i for p in rec.purposes if p in policy.purposes for i in policy.purposes[p].items}
        for index, item_id in enumerate(rec.items):
            if item_id in policy.items and needed and item_id not in needed:
                yield _error(
                    "item_outside_purposes",
                    (*loc, "items", index),
                    f"item '{item_id}' is not needed by any purpose this recipient serves",
                )
        if rec.kind is RecipientKind.joint_user and rec.joint_use is None:
            yield _error(
                "joint_use_incomplete",
                loc,
                "a joint user needs joint_use: responsible_party (name, address, "
                "representative) and scope (Art. 27(5)(iii))",
            )
        if rec.kind is not RecipientKind.joint_user and rec.joint_use is not None:
            yield _error(
                "joint_use_misplaced", (*loc, "joint_use"), "only a joint_user has joint_use"
            )
        if rec.kind is RecipientKind.third_party:
            for field in ("address", "representative"):
                if getattr(rec, field) is None:
                    yield _error(
                        "recipient_incomplete",
                        loc,
                        f"a third party needs '{field}': the Art. 29 record names it",
                    )
            for index, pid in enumerate(rec.purposes):
                purpose = policy.purposes.get(pid)
                if purpose is not None and not purpose.provision:
                    yield _error(
                        "provision_not_declared",
                        (*loc, "purposes", index),
                        f"purpose '{pid}' does not declare provision: true, so giving data "
                        "to a third party for it was never announced (Art. 17(1))",
                    )
        if rec.kind is RecipientKind.outsourcee and (
            rec.contract is None or rec.assessed_on is None
        ):
            yield _warning(
                "outsourcee_unassessed",
                loc,
                "an outsourcee should carry its contract reference and assessed_on date "
                "(supervision of contractors, Art. 25)",
            )
        foreign = rec.country != "JP" and rec.country not in EQUIVALENT_COUNTRIES
        if foreign and rec.rule17 is None and rec.equivalent_measures is None:
            yield _error(
                "rule17_missing",
                loc,
                f"a recipient in {rec.country} needs rule17 (country_system, recipient_measures) "
                "or equivalent_measures before provision abroad (Art. 28, Rule 17)",
            )


def role_closure(policy: Policy, role_id: str) -> tuple[set[str], set[str]]:
    """The items and purposes a role may touch, its inherited roles included."""
    items: set[str] = set()
    purposes: set[str] = set()
    stack, seen = [role_id], set()
    while stack:
        rid = stack.pop()
        if rid in seen or rid not in policy.roles:
            continue
        seen.add(rid)
        role = policy.roles[rid]
        items.update(role.items)
        purposes.update(role.purposes)
        stack.extend(role.inherits)
    return items, purposes


def _roles(policy: Policy) -> Iterator[Finding]:
    for rid, role in policy.roles.items():
        loc: Loc = ("roles", rid)
        yield from _refs(role.items, policy.items, (*loc, "items"), "item")
        yield from _refs(role.purposes, policy.purposes, (*loc, "purposes"), "purpose")
        yield from _refs(role.inherits, policy.roles, (*loc, "inherits"), "role")
    yield from _role_cycles(policy)
    officers = [rid for rid, role in policy.roles.items() if role.officer]
    if not officers:
        yield _error(
            "officer_missing",
            ("roles",),
            "no role is marked officer: true; the policy needs one responsible officer "
            "(事務取扱責任者)",
        )
    for rid in officers[1:]:
        yield _error(
            "officer_multiple",
            ("roles", rid, "officer"),
            f"role '{rid}' is a second officer; exactly one role is the responsible officer "
            f"(first: '{officers[0]}')",
        )


def _role_cycles(policy: Policy) -> Iterator[Finding]:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    reported: set[frozenset[str]] = set()

    def visit(rid: str, path: list[str]) -> Iterator[Finding]:
        state[rid] = 1
        for parent in policy.roles[rid].inherits:
            if parent not in policy.roles:
                continue
            if state.get(parent) == 1:
                cycle = [*path[path.index(parent) :], parent]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    index = policy.roles[rid].inherits.index(parent)
                    yield _error(
                        "role_inherits_cycle",
                        ("roles", rid, "inherits", index),
                        "roles inherit from each other in a circle: " + " -> ".join(cycle),
                    )
            elif state.get(parent) is None:
                yield from visit(parent, [*path, parent])
        state[rid] = 2

    for rid in policy.roles:
        if rid not in state:
            yield from visit(rid, [rid])


def _retention(policy: Policy) -> Iterator[Finding]:
    seen: dict[tuple[str, str, str], int] = {}
    for index, rule in enumerate(policy.retention):
        loc: Loc = ("retention", index)
        if rule.item is not None:
            yield from _refs([rule.item], policy.items, (*loc, "item"), "item")
            key = ("item", rule.item, rule.after.value)
        else:
            assert rule.purpose is not None
            yield from _refs([rule.purpose], policy.purposes, (*loc, "purpose"), "purpose")
            key = ("purpose", rule.purpose, rule.after.value)
        if key in seen:
            yield _error(
                "duplicate_retention",
                loc,
                f"a second rule for {key[0]} '{key[1]}' after {key[2]} "
                f"(first: retention[{seen[key]}])",
            )
        seen.setdefault(key, index)


_RIGHTS = (
    RequestKind.disclosure,
    RequestKind.correction,
    RequestKind.suspension,
    RequestKind.erasure,
    RequestKind.stop_provision,
)


def _requests(policy: Policy) -> Iterator[Finding]:
    offered: dict[RequestKind, int] = {}
    for index, offer in enumerate(policy.requests.kinds):
        loc: Loc = ("requests", "kinds", index)
        if offer.kind in offered:
            yield _error(
                "duplicate_request_kind", (*loc, "kind"), f"'{offer.kind}' is listed twice"
            )
        offered.setdefault(offer.kind, index)
        if offer.fee is not None and offer.kind not in FEE_KINDS:
            yield _error(
                "fee_not_allowed",
                (*loc, "fee"),
                f"a fee may not be charged for '{offer.kind}'; only purpose_notice, disclosure "
                "and provision_records may carry one (Art. 38(1))",
            )
        if offer.methods and offer.kind not in (
            RequestKind.disclosure,
            RequestKind.provision_records,
        ):
            yield _error(
                "methods_not_allowed",
                (*loc, "methods"),
                "delivery methods apply to disclosure and provision_records only",
            )
        if (
            offer.kind is RequestKind.disclosure
            and DisclosureMethod.electronic not in offer.methods
        ):
            yield _warning(
                "disclosure_not_electronic",
                (*loc, "methods"),
                "the person may ask for an electronic record (Art. 33(1)): offer 'electronic'",
            )
    for kind in _RIGHTS:
        if kind not in offered:
            yield _warning(
                "request_kind_missing",
                ("requests", "kinds"),
                f"'{kind}' is a right of the person (Art. 33-35) but is not offered",
            )


def _datasets(policy: Policy) -> Iterator[Finding]:
    """Item and purpose references of the data map (its graph: :func:`_data_map`)."""
    for did, dataset in policy.datasets.items():
        loc: Loc = ("datasets", did)
        yield from _refs(dataset.purposes, policy.purposes, (*loc, "purposes"), "purpose")
        for tname, table in dataset.tables.items():
            tloc: Loc = (*loc, "tables", tname)
            for column in table.columns:
                yield from _refs(
                    [table.column(column).item], policy.items, (*tloc, "columns", column), "item"
                )
            for column, item_id in table.identity.items():
                yield from _refs([item_id], policy.items, (*tloc, "identity", column), "item")


def _items(policy: Policy) -> Iterator[Finding]:
    used = {i for p in policy.purposes.values() for i in p.items}
    for item_id in policy.items:
        if item_id not in used:
            yield _warning(
                "item_unused",
                ("items", item_id),
                f"no purpose needs item '{item_id}', so it may not be acquired (Art. 20)",
            )

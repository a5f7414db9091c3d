"""The rules of :mod:`mamori.policy.diff`: one per area of a policy.

Each rule takes the old and the new :class:`Policy` and yields :class:`Change` values for
one area; :data:`RULES` lists them in the order a diff reports them. Ids are visited in
sorted order, so the same two policies always give the same changes in the same order.
Summaries name ids and field names only; the texts themselves are in ``before``/``after``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from pydantic import BaseModel

from mamori.policy.diff import Change, Json, Severity, wording
from mamori.policy.model import (
    SECTION_IDS,
    Item,
    Localized,
    Policy,
    Purpose,
    Recipient,
    RecipientKind,
    RequestKind,
    RetentionRule,
    Section,
)

M = TypeVar("M", bound=BaseModel)
MINOR, NOTICE, CONSENT = Severity.minor, Severity.notice, Severity.consent

Rule: TypeAlias = Callable[[Policy, Policy], Iterator[Change]]
Graded: TypeAlias = tuple[Severity, str]  # a severity and the article behind it


# --- helpers -------------------------------------------------------------------------------


def _words(value: Localized | None) -> tuple[str | None, str | None] | None:
    return None if value is None else (wording(value.ja), wording(value.en))


def _material(a: Localized | None, b: Localized | None) -> bool:
    """Whether two texts differ in more than wording."""
    return _words(a) != _words(b)


def _texts(a: Localized | None, b: Localized | None, article: str) -> Graded:
    return (NOTICE, article) if _material(a, b) else (MINOR, "")


def _dump(model: BaseModel | None) -> Json:
    if model is None:
        return None
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data


def _changed_fields(old: BaseModel, new: BaseModel) -> Iterator[tuple[str, Json, Json]]:
    """(field alias, before, after) for each field that differs, in declaration order."""
    a = old.model_dump(mode="json", by_alias=True)
    b = new.model_dump(mode="json", by_alias=True)
    for name, info in type(old).model_fields.items():
        key = info.alias or name
        if a[key] != b[key]:
            yield key, a[key], b[key]


def _added_removed(before: tuple[str, ...], after: tuple[str, ...]) -> tuple[list[str], list[str]]:
    return sorted(set(after) - set(before)), sorted(set(before) - set(after))


@dataclass(frozen=True)
class _At:
    """The thing being compared: builds the path and summary of its changes."""

    path: str
    noun: str  # "purpose 'sales'"

    def change(
        self, kind: str, sev: Severity, art: str, key: str, x: Json, y: Json, verb: str = "changed"
    ) -> Change:
        what = f"{key.replace('_', ' ').replace('.', ' ')} of {self.noun}" if key else self.noun
        path = ".".join(part for part in (self.path, key) if part)
        return Change(kind, sev, path, f"{what[:1].upper()}{what[1:]} {verb}.", x, y, art)


def _collection(
    old: Mapping[str, M],
    new: Mapping[str, M],
    noun: str,
    added: Callable[[M], tuple[str, Severity, str]],
    removed: tuple[str, Severity, str],
    changed: Callable[[_At, M, M], Iterator[Change]],
) -> Iterator[Change]:
    """Changes of a mapping of models by id: added, removed, then each one's fields."""
    for key in sorted(old.keys() | new.keys()):
        a, b, here = old.get(key), new.get(key), _At(f"{noun}s.{key}", f"{noun} '{key}'")
        if a is None and b is not None:
            yield here.change(*added(b), "", None, _dump(b), "added")
        elif a is not None and b is None:
            yield here.change(*removed, "", _dump(a), None, "removed")
        elif a is not None and b is not None:
            yield from changed(here, a, b)


def _minor_fields(kind: str) -> Callable[[_At, BaseModel, BaseModel], Iterator[Change]]:
    def changed(at: _At, a: BaseModel, b: BaseModel) -> Iterator[Change]:
        for key, x, y in _changed_fields(a, b):
            yield at.change(kind, MINOR, "", key, x, y)

    return changed


# --- rules per area ------------------------------------------------------------------------


def format_rule(old: Policy, new: Policy) -> Iterator[Change]:
    if old.format != new.format:
        yield _At("", "the policy").change("format_changed", MINOR, "", "format", 1, new.format)


_CONTROLLER_PUBLIC = frozenset({"name", "address", "representative", "contact"})


def controller_rule(old: Policy, new: Policy) -> Iterator[Change]:
    at = _At("controller", "the controller")
    for key, x, y in _changed_fields(old.controller, new.controller):
        public = key in _CONTROLLER_PUBLIC
        sev, art = (NOTICE, "Art. 32(1)") if public else (MINOR, "")
        yield at.change("controller_changed", sev, art, key, x, y)


_CLASS_ARTICLE = {
    "special_care": "Art. 20(2)",
    "financial": "Rule 7(ii)",
    "identification_code": "Art. 2(2)",
}


def _item_changes(at: _At, a: Item, b: Item) -> Iterator[Change]:
    for key, x, y in _changed_fields(a, b):
        if key == "class":
            yield at.change("item_class_changed", NOTICE, _CLASS_ARTICLE.get(str(y), ""), key, x, y)
        elif key == "personally_referable":
            yield at.change("item_referability_changed", NOTICE, "Art. 31(1)", key, x, y)
        elif key in ("label", "description"):
            graded = _texts(getattr(a, key), getattr(b, key), "")
            yield at.change("item_changed", *graded, key, x, y)
        else:  # normaliser, detectors: how mamori handles the item, not what is published
            yield at.change("item_changed", MINOR, "", key, x, y)


def items_rule(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed = ("item_added", NOTICE, ""), ("item_removed", NOTICE, "")
    yield from _collection(old.items, new.items, "item", lambda _: added, removed, _item_changes)


_FLAG_ARTICLE = {
    "consent_required": "Art. 18(1)",
    "profiling": "Art. 17(1)",
    "provision": "Art. 27(1)",
    "marketing": "Art. 17(1)",
}


def _purpose_changes(at: _At, a: Purpose, b: Purpose) -> Iterator[Change]:
    for key in ("label", "description"):
        x, y = getattr(a, key), getattr(b, key)
        if x != y:
            graded = _texts(x, y, "Art. 17(2), 21(3)")
            yield at.change("purpose_changed", *graded, key, _dump(x), _dump(y))
    added, removed = _added_removed(a.items, b.items)
    for item in added:  # using a known item for this purpose is use beyond the purpose
        here = _At(f"{at.path}.items", f"item '{item}' of {at.noun}")
        yield here.change("item_added_to_purpose", CONSENT, "Art. 18(1)", "", None, item, "added")
    for item in removed:
        here = _At(f"{at.path}.items", f"item '{item}' of {at.noun}")
        yield here.change("item_removed_from_purpose", MINOR, "", "", item, None, "removed")
    for flag, art in _FLAG_ARTICLE.items():
        x, y = getattr(a, flag), getattr(b, flag)
        if x != y:
            widens = (flag == "consent_required") != y  # consent dropped, or a use switched on
            sev, state = (CONSENT if widens else NOTICE), ("on" if y else "off")
            yield at.change("purpose_flag_changed", sev, art, flag, x, y, f"turned {state}")


def purposes_rule(old: Policy, new: Policy) -> Iterator[Change]:
    added = ("purpose_added", CONSENT, "Art. 17(2), 18(1)")  # use beyond the old purposes
    removed = ("purpose_removed", NOTICE, "Art. 21(3)")
    changed = _purpose_changes
    yield from _collection(old.purposes, new.purposes, "purpose", lambda _: added, removed, changed)


_KIND_ARTICLE = {
    RecipientKind.third_party: "Art. 27(1)",
    RecipientKind.joint_user: "Art. 27(5)(iii)",
    RecipientKind.outsourcee: "Art. 27(5)(i)",
}
_WIDENS = frozenset({RecipientKind.third_party, RecipientKind.joint_user})


def needs_art28_consent(r: Recipient) -> bool:
    """A foreign recipient outside the equivalent countries and without equivalent measures."""
    return r.needs_art28_consent


def _recipient_added(r: Recipient) -> tuple[str, Severity, str]:
    if needs_art28_consent(r):
        return "foreign_recipient_added", CONSENT, "Art. 28(1)"
    return "recipient_added", CONSENT if r.kind in _WIDENS else NOTICE, _KIND_ARTICLE[r.kind]


def _recipient_changes(at: _At, a: Recipient, b: Recipient) -> Iterator[Change]:
    public, art = b.kind in _WIDENS, _KIND_ARTICLE[b.kind]
    for key, x, y in _changed_fields(a, b):
        if key == "kind":
            yield at.change("recipient_kind_changed", CONSENT if public else NOTICE, art, key, x, y)
        elif key == "country":
            sev = CONSENT if needs_art28_consent(b) else NOTICE
            yield at.change("recipient_country_changed", sev, "Art. 28(1)", key, x, y)
        elif key == "items":
            added, removed = _added_removed(a.items, b.items)
            widening = public or needs_art28_consent(b)
            graded = ((CONSENT if widening else NOTICE), art) if added else (MINOR, "")
            if added or removed:
                yield at.change("recipient_items_changed", *graded, key, x, y)
        elif key == "purposes" and set(a.purposes) != set(b.purposes):
            joint = "Art. 27(6)" if b.kind is RecipientKind.joint_user else ""
            yield at.change("recipient_purposes_changed", NOTICE, joint, key, x, y)
        elif key == "joint_use":
            yield from _joint_use_changes(at, a, b)
        elif key not in ("items", "purposes"):
            yield at.change("recipient_details_changed", *_detail(key, a, b), key, x, y)


def _detail(key: str, a: Recipient, b: Recipient) -> Graded:
    if key in ("name", "address", "representative"):
        return (NOTICE, "") if b.kind in _WIDENS else (MINOR, "")
    if key == "rule17":
        x, y = a.rule17, b.rule17
        if x is None or y is None:
            return NOTICE, "Art. 28(2)"
        same = not _material(x.country_system, y.country_system)
        same = same and not _material(x.recipient_measures, y.recipient_measures)
        return (MINOR, "") if same else (NOTICE, "Art. 28(2)")
    if key == "equivalent_measures":
        if needs_art28_consent(b) and not needs_art28_consent(a):
            return CONSENT, "Art. 28(1)"
        ea, eb = a.equivalent_measures, b.equivalent_measures
        if ea is not None and eb is not None and ea.basis == eb.basis:
            return MINOR, "Art. 28(3)"  # only the date of the periodic review
        return NOTICE, "Art. 28(1)"
    return MINOR, ""  # contract, assessed_on: records of supervision, not published


def _joint_use_changes(at: _At, a: Recipient, b: Recipient) -> Iterator[Change]:
    x, y, kind = a.joint_use, b.joint_use, "joint_use_changed"
    if x is None or y is None:
        verb = "declared" if x is None else "removed"
        yield at.change(kind, NOTICE, "Art. 27(5)(iii)", "joint_use", _dump(x), _dump(y), verb)
        return
    if x.responsible_party != y.responsible_party:
        before, after = _dump(x.responsible_party), _dump(y.responsible_party)
        key = "joint_use.responsible_party"
        yield at.change(kind, NOTICE, "Art. 27(6)", key, before, after)
    if x.scope != y.scope:  # who the joint users are cannot widen without consent
        graded = (CONSENT, "Art. 27(5)(iii)") if _material(x.scope, y.scope) else (MINOR, "")
        yield at.change(kind, *graded, "joint_use.scope", _dump(x.scope), _dump(y.scope))


def recipients_rule(old: Policy, new: Policy) -> Iterator[Change]:
    a, b, removed = old.recipients, new.recipients, ("recipient_removed", NOTICE, "")
    yield from _collection(a, b, "recipient", _recipient_added, removed, _recipient_changes)


def roles_rule(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed = ("role_added", MINOR, ""), ("role_removed", MINOR, "")
    changed = _minor_fields("role_changed")
    yield from _collection(old.roles, new.roles, "role", lambda _: added, removed, changed)


RetentionKey: TypeAlias = tuple[str, str, str, int]


def _retention_index(
    rules: tuple[RetentionRule, ...],
) -> dict[RetentionKey, tuple[int, RetentionRule]]:
    """Rules keyed by (item or purpose, its id, the event, n-th rule with that key)."""
    index: dict[RetentionKey, tuple[int, RetentionRule]] = {}
    seen: Counter[tuple[str, str, str]] = Counter()
    for i, rule in enumerate(rules):
        target = ("item", rule.item) if rule.item else ("purpose", rule.purpose or "")
        base = (*target, rule.after.value)
        index[(*base, seen[base])] = (i, rule)
        seen[base] += 1
    return index


def retention_rule(old: Policy, new: Policy) -> Iterator[Change]:
    a_index, b_index = _retention_index(old.retention), _retention_index(new.retention)
    for key in sorted(a_index.keys() | b_index.keys()):
        i, a = a_index.get(key, (-1, None))
        j, b = b_index.get(key, (-1, None))
        if a == b:
            continue
        sev, verb = NOTICE, "added" if a is None else "removed" if b is None else "changed"
        if a is not None and b is not None and a.keep == b.keep:
            sev = NOTICE if _material(a.description, b.description) else MINOR
        at = _At(
            f"retention[{i if b is None else j}]",
            f"retention for {key[0]} '{key[1]}' after {key[2]}",
        )
        yield at.change("retention_changed", sev, "", "", _dump(a), _dump(b), verb)


_REQUESTS = "Art. 32(1)(iii)"


def _offer_changes(old: Policy, new: Policy) -> Iterator[Change]:
    offers_a = {o.kind: (i, o) for i, o in enumerate(old.requests.kinds)}
    offers_b = {o.kind: (i, o) for i, o in enumerate(new.requests.kinds)}
    for kind in RequestKind:  # in the order of the Act
        i, a = offers_a.get(kind, (-1, None))
        j, b = offers_b.get(kind, (-1, None))
        at = _At(f"requests.kinds[{i if b is None else j}]", f"request kind '{kind.value}'")
        if a is None and b is not None:
            yield at.change("request_kind_added", NOTICE, _REQUESTS, "", None, _dump(b), "offered")
        elif a is not None and b is None:
            yield at.change(
                "request_kind_removed", NOTICE, _REQUESTS, "", _dump(a), None, "withdrawn"
            )
        elif a is not None and b is not None:
            fa, fb = a.fee, b.fee
            if fa != fb:
                same = fa and fb and fa.amount == fb.amount and not _material(fa.note, fb.note)
                graded = (MINOR, "") if same else (NOTICE, "Art. 32(1)(iii), 38(2)")
                yield at.change("request_fee_changed", *graded, "fee", _dump(fa), _dump(fb))
            if set(a.methods) != set(b.methods):
                before: Json = [m.value for m in a.methods]
                after: Json = [m.value for m in b.methods]
                yield at.change("requests_changed", NOTICE, "Art. 33(1)", "methods", before, after)


def requests_rule(old: Policy, new: Policy) -> Iterator[Change]:
    yield from _offer_changes(old, new)
    a, b, at = old.requests, new.requests, _At("requests", "the request procedure")
    for key, x, y in _changed_fields(a, b):
        if key == "kinds" or (key == "verification" and set(a.verification) == set(b.verification)):
            continue
        graded = (
            _texts(a.procedure, b.procedure, _REQUESTS)
            if key == "procedure"
            else (NOTICE, _REQUESTS)
        )
        yield at.change("requests_changed", *graded, key, x, y)


def security_rule(old: Policy, new: Policy) -> Iterator[Change]:
    a, b = old.security_measures, new.security_measures
    at = _At("security_measures", "the security measures")
    for key, x, y in _changed_fields(a, b):
        words_a = sorted(repr(_words(t)) for t in getattr(a, key))
        words_b = sorted(repr(_words(t)) for t in getattr(b, key))
        graded = (NOTICE, "Art. 32(1)(iv)") if words_a != words_b else (MINOR, "")
        yield at.change("security_measures_changed", *graded, key, x, y)


def datasets_rule(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed = ("dataset_added", MINOR, ""), ("dataset_removed", MINOR, "")
    changed = _minor_fields("dataset_changed")
    yield from _collection(old.datasets, new.datasets, "dataset", lambda _: added, removed, changed)


def _section_words(s: Section | None) -> tuple[str | None, str | None] | None:
    return None if s is None else (wording("".join(s.ja)), wording("".join(s.en)))


def sections_rule(old: Policy, new: Policy) -> Iterator[Change]:
    for sid in sorted(old.sections.keys() | new.sections.keys(), key=SECTION_IDS.index):
        a, b = old.sections.get(sid), new.sections.get(sid)
        if a != b:
            material = _section_words(a) != _section_words(b)
            graded = (NOTICE, "Art. 32(1)") if material else (MINOR, "")
            verb = "added" if a is None else "removed" if b is None else "changed"
            at = _At(f"sections.{sid}", f"the text of section '{sid}'")
            yield at.change("section_text_changed", *graded, "", _dump(a), _dump(b), verb)


RULES: tuple[Rule, ...] = (
    format_rule,
    controller_rule,
    items_rule,
    purposes_rule,
    recipients_rule,
    roles_rule,
    retention_rule,
    requests_rule,
    security_rule,
    datasets_rule,
    sections_rule,
)

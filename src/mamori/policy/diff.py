"""What changed between two versions of a policy, and what each change needs first.

:func:`diff` compares two :class:`~mamori.policy.model.Policy` values and classifies every
difference as a :class:`Change` of a known kind (:data:`KINDS`) and a :class:`Severity`:

- ``minor``: wording or an internal change (roles, datasets, a review date);
- ``notice``: announce or publish before it takes effect — a purpose changed within what
  the person would reasonably expect (Art. 17(2), 21(3)), a joint-use purpose or responsible
  party (Art. 27(6)), the public matters of Art. 32;
- ``consent``: needs the person's consent — use beyond the original purposes (Art. 18), a
  new third party or joint user, wider joint use (Art. 27), a foreign recipient (Art. 28).

"Wording only" means equal after NFKC (full-width and half-width forms), case folding and
dropping spaces and punctuation (:func:`wording`). Whether a material change of a purpose is
still within reasonable expectation is for a person to judge; the diff says ``notice`` and
names the article. The rules themselves live in ``_diff_rules.py``, one per area.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TypeAlias

from mamori.policy.model import Policy

__all__ = ["KINDS", "Change", "Json", "PolicyDiff", "Severity", "diff", "wording"]

Json: TypeAlias = "str | int | float | bool | list[Json] | dict[str, Json] | None"


class Severity(StrEnum):
    """What a change needs before it takes effect, ordered: minor < notice < consent."""

    minor = "minor"
    notice = "notice"
    consent = "consent"

    @property
    def rank(self) -> int:
        return _RANK[self.value]

    def __lt__(self, other: object) -> bool:
        return self.rank < _rank(other)

    def __le__(self, other: object) -> bool:
        return self.rank <= _rank(other)

    def __gt__(self, other: object) -> bool:
        return self.rank > _rank(other)

    def __ge__(self, other: object) -> bool:
        return self.rank >= _rank(other)


_RANK = {"minor": 0, "notice": 1, "consent": 2}


def _rank(value: object) -> int:
    if isinstance(value, str) and value in _RANK:
        return _RANK[value]
    raise TypeError(f"a severity compares only with a severity, not {type(value).__name__}")


@dataclass(frozen=True)
class Change:
    """One classified difference between two policies."""

    kind: str  # one of KINDS
    severity: Severity
    path: str  # dotted, as in checks: purposes.sales.items, requests.kinds[2].fee
    summary: str  # one English sentence naming ids and fields, never a text of the policy
    before: Json = None
    after: Json = None
    article: str = ""  # the APPI article (or PPC rule) behind the severity, if any

    def to_dict(self) -> dict[str, Json]:
        return {**asdict(self), "severity": self.severity.value}


@dataclass(frozen=True)
class PolicyDiff:
    """The changes from one policy to another, in a stable order (area, then id)."""

    changes: tuple[Change, ...] = ()

    @property
    def severity(self) -> Severity | None:
        """The highest severity of any change; None when nothing changed."""
        return max((c.severity for c in self.changes), default=None)

    def by_severity(self, severity: Severity) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.severity is severity)

    def to_dict(self) -> dict[str, Json]:
        severity = self.severity
        return {
            "severity": None if severity is None else severity.value,
            "changes": [c.to_dict() for c in self.changes],
        }

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)


def diff(old: Policy, new: Policy) -> PolicyDiff:
    """Classify every difference from ``old`` to ``new``."""
    from mamori.policy._diff_rules import RULES  # here: the rules import this module

    return PolicyDiff(tuple(change for rule in RULES for change in rule(old, new)))


def wording(text: str | None) -> str | None:
    """The text without what makes no difference to its meaning: width (NFKC), case,
    spaces, punctuation and control characters."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if unicodedata.category(c)[0] not in "PZC")


KINDS: Mapping[str, str] = MappingProxyType(
    {
        "format_changed": "the policy file format changed (minor)",
        "controller_changed": "name, address, representative, contact (notice); rest (minor)",
        "item_added": "an item declared (notice)",
        "item_removed": "an item no longer declared (notice)",
        "item_changed": "label or description (notice, minor if wording), handling (minor)",
        "item_class_changed": "an item's class, e.g. becoming special-care (notice)",
        "item_referability_changed": "personally referable or not, Art. 31 (notice)",
        "purpose_added": "a new purpose: use beyond the original purposes (consent)",
        "purpose_removed": "a purpose dropped (notice)",
        "purpose_changed": "label or description (notice, minor if wording)",
        "item_added_to_purpose": "a purpose uses one more item (consent)",
        "item_removed_from_purpose": "a purpose uses one item less (minor)",
        "purpose_flag_changed": "consent dropped or a use switched on (consent), else (notice)",
        "recipient_added": "third party or joint user (consent), outsourcee (notice)",
        "foreign_recipient_added": "any recipient abroad needing Art. 28 consent (consent)",
        "recipient_removed": "a recipient dropped (notice)",
        "recipient_kind_changed": "to third party or joint user (consent), else (notice)",
        "recipient_country_changed": "to a country needing Art. 28 consent (consent), else notice",
        "recipient_items_changed": "items added (consent; outsourcee notice), removed (minor)",
        "recipient_purposes_changed": "the purposes of a provision (notice)",
        "recipient_details_changed": "name, Rule 17, equivalent measures (notice), records (minor)",
        "joint_use_changed": "responsible party (notice), scope widened (consent)",
        "role_added": "a staff role (minor)",
        "role_removed": "a staff role (minor)",
        "role_changed": "a staff role's items, purposes, inheritance (minor)",
        "retention_changed": "a retention rule added, removed or changed (notice)",
        "request_kind_added": "a request kind offered (notice)",
        "request_kind_removed": "a request kind no longer offered (notice)",
        "request_fee_changed": "the fee of a request kind (notice)",
        "requests_changed": "deadline, verification, agents, procedure, methods (notice)",
        "security_measures_changed": "a category of security measures (notice, minor if wording)",
        "dataset_added": "a data-map dataset (minor)",
        "dataset_removed": "a data-map dataset (minor)",
        "dataset_changed": "a data-map dataset (minor)",
        "section_text_changed": "a section's own wording (notice, minor if wording)",
    }
)

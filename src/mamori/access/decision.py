"""Decisions are values: who may use which items of whom, for what, and why (not)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Actor", "Decision", "LegalException", "Outcome", "Reason"]


class Outcome(StrEnum):
    allow = "allow"
    deny = "deny"


class Reason(StrEnum):
    """Stable reason codes; every deny carries at least one."""

    purpose_unknown = "purpose_unknown"
    item_unknown = "item_unknown"
    item_not_in_purpose = "item_not_in_purpose"
    role_unknown = "role_unknown"
    role_lacks_item = "role_lacks_item"
    role_lacks_purpose = "role_lacks_purpose"
    subject_unknown = "subject_unknown"
    subject_erased = "subject_erased"
    no_items = "no_items"
    note_missing = "note_missing"
    legal_exception = "legal_exception"  # allowed, and flagged for the officer
    suspended = "suspended"  # use suspended for this scope (Art. 35)
    consent_missing = "consent_missing"  # the purpose needs consent; none was given
    consent_withdrawn = "consent_withdrawn"
    consent_superseded = "consent_superseded"  # the policy changed since: ask again
    consent_expired = "consent_expired"
    consent = "consent"  # allowed beyond the purposes by the person's consent (Art. 18(1))
    referable_consent_missing = "referable_consent_missing"  # Art. 31: no consent to acquire


class LegalException(StrEnum):
    """Art. 18(3): use beyond the purposes without consent, each case named by the law."""

    law = "law"  # (i) based on laws and regulations
    life_body_property = "life_body_property"  # (ii) protecting a person's life, body, property
    public_health_children = "public_health_children"  # (iii) public health, healthy children
    state_cooperation = "state_cooperation"  # (iv) cooperating with state or local bodies
    academic_research = "academic_research"  # (v)/(vi) academic research


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an id for the record and the policy role that bounds what they may touch."""

    id: str
    role: str

    def __str__(self) -> str:
        return f"{self.id} ({self.role})"


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one request to use data. A deny is a result, not an exception."""

    outcome: Outcome
    reasons: tuple[str, ...]
    purpose: str
    items: tuple[str, ...]
    subject: str | None
    actor: str
    role: str
    rule: str
    exception: LegalException | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.allow

    @property
    def flagged(self) -> bool:
        """Allowed only under a legal exception: the officer must see it."""
        return self.exception is not None and self.allowed

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "reasons": list(self.reasons),
            "purpose": self.purpose,
            "items": list(self.items),
            "subject": self.subject,
            "actor": self.actor,
            "role": self.role,
            "rule": self.rule,
            "exception": self.exception.value if self.exception else None,
        }

"""Provision vocabulary: bases, the legal grounds of Art. 27(1), records, results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "Basis",
    "LegalGround",
    "ProvisionRecord",
    "ProvisionResult",
    "RecordKind",
]


class Basis(StrEnum):
    consent = "consent"  # Art. 27(1): each person's consent to the recipient
    outsourcing = "outsourcing"  # Art. 27(5)(i): within the purposes, to an outsourcee
    joint_use = "joint_use"  # Art. 27(5)(iii): published before the data was acquired
    business_succession = "business_succession"  # Art. 27(5)(ii): merger and the like
    legal = "legal"  # Art. 27(1)(i)-(vii), named, with a note
    opt_out = "opt_out"  # Art. 27(2): refused here (needs a filing with the PPC)


class LegalGround(StrEnum):
    """Art. 27(1): provision to a third party without consent."""

    law = "law"  # (i) based on laws and regulations
    life_body_property = "life_body_property"  # (ii)
    public_health_children = "public_health_children"  # (iii)
    state_cooperation = "state_cooperation"  # (iv)
    academic_teaching = "academic_teaching"  # (v) an academic research institution teaching
    academic_research = "academic_research"  # (vi) for academic research
    academic_recipient = "academic_recipient"  # (vii) to an academic research institution


class RecordKind(StrEnum):
    art29 = "art29"  # provision to a third party (kept by the provider)
    art30 = "art30"  # receipt from a third party (confirmation and record)
    art31 = "art31"  # personally referable information (consent confirmed)


@dataclass(frozen=True, slots=True)
class ProvisionRecord:
    """A record of Art. 29, 30 or 31; ``first_date``..``last_date`` is one provision or a
    continuous one (a bulk record)."""

    id: str
    kind: RecordKind
    party: str
    party_name: str
    party_address: str
    party_representative: str
    basis: str
    purpose: str | None
    items: tuple[str, ...]
    consent_confirmed: bool
    how_acquired: str | None
    contract_ref: str | None
    first_date: dt.date
    last_date: dt.date
    subjects: int
    keep_until: dt.date
    created_by: str
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "party": self.party,
            "party_name": self.party_name,
            "party_address": self.party_address,
            "party_representative": self.party_representative,
            "basis": self.basis,
            "purpose": self.purpose,
            "items": list(self.items),
            "consent_confirmed": self.consent_confirmed,
            "how_acquired": self.how_acquired,
            "contract_ref": self.contract_ref,
            "first_date": self.first_date.isoformat(),
            "last_date": self.last_date.isoformat(),
            "subjects": self.subjects,
            "keep_until": self.keep_until.isoformat(),
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class ProvisionResult:
    """What a provision did: who was provided, who was left out and why (never dropped
    silently), the records written, and the package for the recipient."""

    recipient: str
    basis: Basis
    provided: tuple[str, ...]
    excluded: dict[str, tuple[str, ...]] = field(default_factory=dict)
    records: tuple[str, ...] = ()
    package: bytes | None = field(default=None, repr=False)
    manifest: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "basis": self.basis.value,
            "provided": len(self.provided),
            "excluded": {s: list(r) for s, r in sorted(self.excluded.items())},
            "records": list(self.records),
            "manifest": self.manifest,
        }

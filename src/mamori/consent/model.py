"""Consent vocabulary: targets, events, records and the current choice per target.

Fields follow ISO/IEC TS 27560 and the Kantara consent receipt where they fit: a record id,
the subject, the target (a purpose, or a recipient for provision, or a recipient's
acquisition of personally referable information under Art. 31), the items, the policy
version and the hash of the exact notice shown, the language, how it was collected, the
event, its time and validity, channel metadata and who recorded it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "Choice",
    "CollectionMethod",
    "ConsentEvent",
    "ConsentRecord",
    "PendingConsent",
    "Target",
    "TargetKind",
]


class TargetKind(StrEnum):
    purpose = "purpose"  # a declared purpose, or a specific use beyond them (Art. 18(1))
    recipient = "recipient"  # provision to a third party (Art. 27(1), 28(1))
    referable = "referable"  # a recipient acquiring personally referable info (Art. 31)


class ConsentEvent(StrEnum):
    given = "given"
    withdrawn = "withdrawn"
    expired = "expired"
    superseded = "superseded"  # the policy changed what was consented to: ask again


class CollectionMethod(StrEnum):
    web = "web"
    app = "app"
    api = "api"
    paper = "paper"
    import_ = "import"
    gpc = "gpc"  # a Global Privacy Control signal (Sec-GPC: 1)
    system = "system"  # mamori itself: expiry, a policy change


_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True, slots=True)
class Target:
    """What a consent is about; its ``key`` (``purpose:sales``) is how it is stored."""

    kind: TargetKind
    id: str

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Target:
        """``purpose:ID``, ``recipient:ID`` or ``referable:ID``; ValueError otherwise."""
        kind, sep, ident = text.partition(":")
        if not sep or kind not in TargetKind.__members__ or not _ID.fullmatch(ident):
            raise ValueError(
                "a consent target is purpose:ID, recipient:ID or referable:ID "
                "(ids are lower-case letters, digits and _)"
            )
        return cls(TargetKind(kind), ident)

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One event of the ledger, as stored (never changed)."""

    record_id: str
    subject: str
    target: str
    event: ConsentEvent
    items: tuple[str, ...]
    policy_version: int | None
    notice_hash: str | None
    lang: str | None
    method: CollectionMethod
    at: dt.datetime
    valid_until: dt.datetime | None
    refers_to: str | None
    channel: Mapping[str, str] = field(default_factory=dict)
    rule17: Mapping[str, str] | None = None
    recorded_by: str = "system"

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "subject": self.subject,
            "target": self.target,
            "event": self.event.value,
            "items": list(self.items),
            "policy_version": self.policy_version,
            "notice_hash": self.notice_hash,
            "lang": self.lang,
            "method": self.method.value,
            "at": self.at.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "refers_to": self.refers_to,
            "channel": dict(self.channel),
            "rule17": dict(self.rule17) if self.rule17 is not None else None,
            "recorded_by": self.recorded_by,
        }


@dataclass(frozen=True, slots=True)
class Choice:
    """The current choice for one target at a moment: ``given`` (and still valid),
    ``withdrawn``, ``expired`` or ``superseded``."""

    target: str
    state: ConsentEvent
    record_id: str
    at: dt.datetime
    valid_until: dt.datetime | None
    policy_version: int | None
    items: frozenset[str]

    @property
    def given(self) -> bool:
        return self.state is ConsentEvent.given

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "state": self.state.value,
            "record_id": self.record_id,
            "at": self.at.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "policy_version": self.policy_version,
            "items": sorted(self.items),
        }


@dataclass(frozen=True, slots=True)
class PendingConsent:
    """A subject whose consent for ``target`` was superseded and not given again."""

    subject: str
    target: str
    superseded_at: dt.datetime
    policy_version: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "target": self.target,
            "superseded_at": self.superseded_at.isoformat(),
            "policy_version": self.policy_version,
        }

"""Retention vocabulary: what is due for disposal, how it was disposed, what a run did."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mamori.errors import MamoriError
from mamori.policy.model import RetentionRule

__all__ = [
    "REASON_PREFIX",
    "Due",
    "Method",
    "RetentionRefused",
    "RunReport",
    "rule_label",
]

# Disposal records written by retention carry the rule in their reason after this prefix
# (erasures on request write their own reasons).
REASON_PREFIX = "retention: "


class Method(StrEnum):
    crypto_shred = "crypto_shred"  # every held item expired: the data key is destroyed
    item_delete = "item_delete"  # some items expired: their values and indexes are deleted


def rule_label(rule: RetentionRule) -> str:
    """A rule as people read it and disposal records keep it:
    ``purpose account_admin after account_closed keep P90D``."""
    target = f"item {rule.item}" if rule.item is not None else f"purpose {rule.purpose}"
    return f"{target} after {rule.after.value} keep {rule.keep}"


@dataclass(frozen=True, slots=True)
class Due:
    """Items of one subject whose period under one rule has ended.

    ``due`` is the first day they may no longer be kept (the day after the period's last
    day); ``whole_subject`` says every item the subject holds is due, so the subject is
    crypto-shredded rather than its items deleted one by one.
    """

    subject: str
    items: tuple[str, ...]
    rule: str
    due: dt.date
    method: Method

    @property
    def whole_subject(self) -> bool:
        return self.method is Method.crypto_shred

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "items": list(self.items),
            "rule": self.rule,
            "due": self.due.isoformat(),
            "method": self.method.value,
            "whole_subject": self.whole_subject,
        }


@dataclass(frozen=True, slots=True)
class RunReport:
    """What a run found due, what it disposed (nothing on a dry run), which subjects failed
    (by error code; nothing of theirs was changed) and which Art. 29-31 records it purged."""

    today: dt.date
    dry_run: bool
    due: tuple[Due, ...]
    disposed: tuple[Due, ...] = ()
    failed: dict[str, str] = field(default_factory=dict)
    records_purged: tuple[str, ...] = ()

    @property
    def subjects(self) -> int:
        return len({d.subject for d in self.disposed})

    @property
    def items(self) -> int:
        return sum(len(d.items) for d in self.disposed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "due": [d.to_dict() for d in self.due],
            "disposed": [d.to_dict() for d in self.disposed],
            "failed": dict(self.failed),
            "records_purged": list(self.records_purged),
        }


class RetentionRefused(MamoriError):
    """A retention event was not recorded; ``problems`` maps field -> reason code.
    Nothing was written."""

    code = "retention_refused"
    exit_code = 2

    def __init__(self, problems: dict[str, str], message: str | None = None) -> None:
        self.problems = dict(problems)
        detail = ", ".join(f"{name}: {reason}" for name, reason in self.problems.items())
        super().__init__(message or f"retention event not recorded ({detail})")

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "problems": self.problems}

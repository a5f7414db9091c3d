"""What an incident is: its causes, the reportable categories, its states, the record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mamori.incidents.deadlines import DueStatus, due_status

__all__ = [
    "MALICIOUS_CAUSES",
    "MASS_THRESHOLD",
    "NARRATIVE_FIELDS",
    "TRANSITIONS",
    "Category",
    "Cause",
    "Incident",
    "IncidentState",
    "NoticeSummary",
    "ReportKind",
    "Reporter",
]

# Rule 7(iv): more than 1,000 persons. 1,001 is reportable, 1,000 is not.
MASS_THRESHOLD = 1000


class Cause(StrEnum):
    """How it happened. The first five are possibly malicious acts (Rule 7(iii))."""

    unauthorised_access = "unauthorised_access"  # 不正アクセス
    malware = "malware"  # ransomware and other malicious software
    theft = "theft"  # 盗難
    insider = "insider"  # 従業者による持ち出し
    skimming = "skimming"  # a falsified or skimmed input form
    misdelivery = "misdelivery"  # 誤送付・誤送信
    loss = "loss"  # 紛失
    misconfiguration = "misconfiguration"  # 設定誤り
    system_error = "system_error"  # プログラム誤り
    other = "other"


MALICIOUS_CAUSES = frozenset(
    {Cause.unauthorised_access, Cause.malware, Cause.theft, Cause.insider, Cause.skimming}
)


class Category(StrEnum):
    """The four reportable situations of PPC Rule 7."""

    special_care = "special_care"  # (i) 要配慮個人情報
    financial = "financial"  # (ii) misuse may cause property damage
    malicious = "malicious"  # (iii) possibly for an unjust purpose
    over_1000 = "over_1000"  # (iv) more than 1,000 persons


class Reporter(StrEnum):
    """Who the company reports to: the PPC, or (as an entrusted party, 委託先) its client."""

    ppc = "ppc"
    client = "client"


class IncidentState(StrEnum):
    open = "open"
    classified = "classified"
    preliminary_reported = "preliminary_reported"
    final_reported = "final_reported"
    closed = "closed"


TRANSITIONS: dict[IncidentState, frozenset[IncidentState]] = {
    IncidentState.open: frozenset({IncidentState.classified}),
    IncidentState.classified: frozenset(
        {IncidentState.preliminary_reported, IncidentState.final_reported, IncidentState.closed}
    ),
    IncidentState.preliminary_reported: frozenset({IncidentState.final_reported}),
    IncidentState.final_reported: frozenset({IncidentState.closed}),
    IncidentState.closed: frozenset(),
}


class ReportKind(StrEnum):
    preliminary = "preliminary"  # 速報
    final = "final"  # 確報


# Free texts of the report (Rule 8), kept sealed: they may name people.
NARRATIVE_FIELDS = (
    "overview",  # 概要
    "found_by",  # who found it
    "cause_detail",  # 原因
    "secondary_damage",  # 二次被害又はそのおそれの有無及びその内容
    "persons_response",  # 本人への対応の実施状況
    "publication",  # 公表の実施状況
    "prevention",  # 再発防止のための措置
    "other",  # その他参考となる事項
    "timeline",  # 経緯
    "advice",  # what the affected persons can do (the notice)
)


@dataclass(frozen=True)
class NoticeSummary:
    """What one run of notices to the affected persons did (Art. 26(2))."""

    incident: str
    sent: int
    already: int  # notified by an earlier run: not sent again
    no_contact: int  # no registered email (or erased): announce publicly instead
    failed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "sent": self.sent,
            "already": self.already,
            "no_contact": self.no_contact,
            "failed": self.failed,
        }


@dataclass(frozen=True)
class Incident:
    """A leak, loss or damage (漏えい等) and what was done about it."""

    id: str
    state: IncidentState
    learned_at: dt.datetime
    learned_on: dt.date
    occurred_at: dt.datetime | None
    cause: Cause
    reporter: Reporter
    client_recipient: str | None
    client_name: str | None
    client_email: str | None = field(repr=False)
    items: tuple[str, ...]
    selection: dict[str, Any]
    listed_count: int
    affected_count: int
    count_is_upper_bound: bool
    suggested: tuple[Category, ...]
    categories: tuple[Category, ...] | None
    classify_reason: str | None
    excluded_reason: str | None
    classified_by: str | None
    classified_at: dt.datetime | None
    preliminary_due: dt.date
    final_due: dt.date
    preliminary_at: dt.datetime | None
    final_at: dt.datetime | None
    closed_at: dt.datetime | None
    alert_id: str | None
    created_by: str
    created_at: dt.datetime

    @property
    def reportable(self) -> bool | None:
        """Whether a report is owed: None until the officer confirms the categories."""
        return None if self.categories is None else bool(self.categories)

    def preliminary_status(self, today: dt.date, zone: dt.tzinfo) -> DueStatus:
        done = self.preliminary_at.astimezone(zone).date() if self.preliminary_at else None
        return due_status(self.preliminary_due, done, today)

    def final_status(self, today: dt.date, zone: dt.tzinfo) -> DueStatus:
        done = self.final_at.astimezone(zone).date() if self.final_at else None
        return due_status(self.final_due, done, today)

    def to_dict(
        self, today: dt.date | None = None, zone: dt.tzinfo | None = None
    ) -> dict[str, Any]:
        def at(moment: dt.datetime | None) -> str | None:
            return moment.isoformat() if moment is not None else None

        data: dict[str, Any] = {
            "id": self.id,
            "state": self.state.value,
            "learned_at": self.learned_at.isoformat(),
            "learned_on": self.learned_on.isoformat(),
            "occurred_at": at(self.occurred_at),
            "cause": self.cause.value,
            "reporter": self.reporter.value,
            "client": (
                {"recipient": self.client_recipient, "name": self.client_name,
                 "email": self.client_email}
                if self.reporter is Reporter.client else None
            ),
            "items": list(self.items),
            "selection": self.selection,
            "listed_count": self.listed_count,
            "affected_count": self.affected_count,
            "count_is_upper_bound": self.count_is_upper_bound,
            "suggested": [c.value for c in self.suggested],
            "categories": None if self.categories is None else [c.value for c in self.categories],
            "reportable": self.reportable,
            "classify_reason": self.classify_reason,
            "excluded_reason": self.excluded_reason,
            "classified_by": self.classified_by,
            "classified_at": at(self.classified_at),
            "preliminary_due": self.preliminary_due.isoformat(),
            "final_due": self.final_due.isoformat(),
            "preliminary_at": at(self.preliminary_at),
            "final_at": at(self.final_at),
            "closed_at": at(self.closed_at),
            "alert_id": self.alert_id,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }  # fmt: skip
        if today is not None and zone is not None and self.reportable:
            data["preliminary_status"] = self.preliminary_status(today, zone).value
            data["final_status"] = self.final_status(today, zone).value
        return data

"""Requests of the person (開示等の請求, Art. 32-39): kinds, states, reasons, the record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mamori.policy.model import RequestKind

__all__ = [
    "OPEN",
    "TRANSITIONS",
    "Channel",
    "RejectCode",
    "Request",
    "RequestEvent",
    "RequestKind",
    "RequestState",
    "Submitted",
]


class RequestState(StrEnum):
    received = "received"
    verifying = "verifying"
    verified = "verified"
    in_progress = "in_progress"
    completed = "completed"
    rejected = "rejected"
    withdrawn = "withdrawn"


OPEN = frozenset(
    {
        RequestState.received,
        RequestState.verifying,
        RequestState.verified,
        RequestState.in_progress,
    }
)

# Allowed moves; in_progress -> in_progress is a retry after a failed fulfilment.
TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    RequestState.received: frozenset(
        {
            RequestState.verifying,
            RequestState.verified,
            RequestState.rejected,
            RequestState.withdrawn,
        }
    ),
    RequestState.verifying: frozenset(
        {
            RequestState.verifying,
            RequestState.verified,
            RequestState.rejected,
            RequestState.withdrawn,
        }
    ),
    RequestState.verified: frozenset(
        {RequestState.in_progress, RequestState.rejected, RequestState.withdrawn}
    ),
    RequestState.in_progress: frozenset(
        {RequestState.in_progress, RequestState.completed, RequestState.rejected}
    ),
    RequestState.completed: frozenset(),
    RequestState.rejected: frozenset(),
    RequestState.withdrawn: frozenset(),
}


class RejectCode(StrEnum):
    """Why a request is refused, in whole or part (Art. 33(2), 34-36); the person is also
    told the reason in words (Art. 36)."""

    harm_to_someone = "harm_to_someone"  # the life, body, property or rights of someone
    business_hindrance = "business_hindrance"  # serious hindrance to the business
    other_law = "other_law"  # disclosure would breach another law
    no_data = "no_data"  # no retained personal data of the person
    verification_failed = "verification_failed"


class Channel(StrEnum):
    web = "web"
    app = "app"
    api = "api"
    mail = "mail"  # a letter
    phone = "phone"
    in_person = "in_person"


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    kind: RequestKind
    state: RequestState
    subject: str | None
    channel: Channel
    by_agent: bool
    received_at: dt.datetime
    due_on: dt.date
    verification: dict[str, Any] | None = None
    reject_code: RejectCode | None = None
    reject_reason: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    closed_at: dt.datetime | None = None
    idempotency_key: str | None = field(default=None, repr=False)
    fee: int | None = None  # JPY the policy charges for this kind (Art. 38), if any

    @property
    def open(self) -> bool:
        return self.state in OPEN

    def days_left(self, today: dt.date) -> int:
        """Days until the target date (negative when overdue)."""
        return (self.due_on - today).days

    def to_dict(self, today: dt.date | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "state": self.state.value,
            "subject": self.subject,
            "channel": self.channel.value,
            "by_agent": self.by_agent,
            "received_at": self.received_at.isoformat(),
            "due_on": self.due_on.isoformat(),
            "verification": self.verification,
            "reject_code": self.reject_code.value if self.reject_code else None,
            "reject_reason": self.reject_reason,
            "result": self.result,
            "error": self.error,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "fee": self.fee,
        }
        if today is not None:
            out["days_left"] = self.days_left(today) if self.open else None
        return out


@dataclass(frozen=True, slots=True)
class RequestEvent:
    request_id: str
    from_state: RequestState | None
    to_state: RequestState
    actor: str
    note: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "from": self.from_state.value if self.from_state else None,
            "to": self.to_state.value,
            "actor": self.actor,
            "note": self.note,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Submitted:
    """The outcome of a submission: the request, and whether it already existed (the same
    idempotency key, or the same subject and kind still open)."""

    request: Request
    duplicate: bool

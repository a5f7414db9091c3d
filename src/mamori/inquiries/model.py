"""Inquiries and complaints (問い合わせ・苦情, policy §8, Art. 40): kinds, channels,
statuses, limits, reference numbers and the records read back."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "BODY_MAX",
    "REPLY_DAYS_MAX",
    "REPLY_MAX",
    "SUMMARY_MAX",
    "TITLE_MAX",
    "Inquiry",
    "InquiryChannel",
    "InquiryDetail",
    "InquiryKind",
    "InquiryStatus",
    "Reply",
    "new_reference",
]

TITLE_MAX = 200  # characters of the subject line
BODY_MAX = 20_000  # characters of what the person wrote
REPLY_MAX = 20_000  # characters of one reply
SUMMARY_MAX = 5_000  # characters of the closing summary
ASSIGNEE_MAX = 200  # an actor string, as the audit log takes it
REPLY_DAYS_MAX = 90

# RFC 4648 base32: capital letters and 2-7, so no 0/O or 1/I to misread on the phone.
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_RANDOM_CHARS = 10  # 50 random bits: safe to show on a public status page


class InquiryKind(StrEnum):
    question = "question"  # a question about the handling of personal data
    complaint = "complaint"  # a complaint (苦情, Art. 40)
    request_guidance = "request_guidance"  # how to make a request of Art. 32-35


class InquiryChannel(StrEnum):
    web = "web"
    email = "email"
    phone = "phone"
    post = "post"
    api = "api"
    in_person = "in_person"


class InquiryStatus(StrEnum):
    open = "open"  # waiting for our reply
    answered = "answered"  # we replied
    waiting_on_person = "waiting_on_person"  # we asked the person something
    closed = "closed"


def new_reference(year: int) -> str:
    """``INQ-2026-ABCDE-FGH23``: the year received and 50 random bits in base32."""
    part = "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_CHARS))
    return f"INQ-{year:04d}-{part[:5]}-{part[5:]}"


def normal_reference(text: str) -> str:
    """A reference as people type it: spaces trimmed, any case."""
    return text.strip().upper()


@dataclass(frozen=True, slots=True)
class Inquiry:
    """A ticket without its texts: what lists, reports and audit entries may show."""

    id: str
    kind: InquiryKind
    channel: InquiryChannel
    status: InquiryStatus
    subject: str | None
    lang: str
    assignee: str | None
    received_at: dt.datetime
    reply_days: int
    due_on: dt.date
    first_reply_at: dt.datetime | None
    replies: int
    has_contact: bool
    closed_at: dt.datetime | None
    shredded: bool  # the linked subject was erased: the texts can no longer be read

    @property
    def is_open(self) -> bool:
        return self.status is not InquiryStatus.closed

    def is_overdue(self, today: dt.date) -> bool:
        """Not closed, no reply yet, and past its date."""
        return self.is_open and self.first_reply_at is None and self.due_on < today

    def days_left(self, today: dt.date) -> int:
        """Days until the reply is due (negative when overdue)."""
        return (self.due_on - today).days

    def to_dict(self, today: dt.date | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "channel": self.channel.value,
            "status": self.status.value,
            "subject": self.subject,
            "lang": self.lang,
            "assignee": self.assignee,
            "received_at": self.received_at.isoformat(),
            "reply_days": self.reply_days,
            "due_on": self.due_on.isoformat(),
            "first_reply_at": self.first_reply_at.isoformat() if self.first_reply_at else None,
            "replies": self.replies,
            "has_contact": self.has_contact,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "shredded": self.shredded,
        }
        if today is not None:
            waiting = self.is_open and self.first_reply_at is None
            out["days_left"] = self.days_left(today) if waiting else None
            out["overdue"] = self.is_overdue(today)
        return out


@dataclass(frozen=True, slots=True)
class Reply:
    number: int
    author: str
    at: dt.datetime
    text: str | None = None  # None when the texts were shredded
    sent: bool = False  # mailed to the person's contact address by mamori
    delivery: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "author": self.author,
            "at": self.at.isoformat(),
            "text": self.text,
            "sent": self.sent,
            "delivery": self.delivery,
        }


@dataclass(frozen=True, slots=True)
class InquiryDetail:
    """A ticket with its texts opened (a read that is audited)."""

    inquiry: Inquiry
    title: str | None
    body: str | None
    contact: str | None
    replies: tuple[Reply, ...]
    summary: str | None
    closed_by: str | None

    def to_dict(self, today: dt.date | None = None) -> dict[str, Any]:
        return {
            "inquiry": self.inquiry.to_dict(today),
            "title": self.title,
            "body": self.body,
            "contact": self.contact,
            "replies": [r.to_dict() for r in self.replies],
            "summary": self.summary,
            "closed_by": self.closed_by,
        }

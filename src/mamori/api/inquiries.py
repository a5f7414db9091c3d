"""``/v1/inquiries``: questions and complaints (Art. 40) with their reply dates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from mamori.api.auth import actor_id, staff
from mamori.api.context import Core, StaffPrincipal, WritingCore
from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN, LongText, Note, RecordId, ShortText
from mamori.inquiries import InquiryChannel, InquiryKind, InquiryStatus

__all__ = ["router"]

router = APIRouter(prefix="/v1/inquiries", tags=["inquiries"])


class OpenBody(BaseModel):
    kind: InquiryKind
    title: Annotated[ShortText, Field(min_length=1)]
    body: Annotated[LongText, Field(min_length=1)]
    channel: InquiryChannel = InquiryChannel.api
    subject: Annotated[str, Field(pattern=ID_PATTERN)] | None = None
    contact: Annotated[str, Field(max_length=320)] | None = None
    lang: Literal["ja", "en"] | None = None


class ReplyBody(BaseModel):
    text: Annotated[LongText, Field(min_length=1)]
    send: bool = True
    status: Literal["answered", "waiting_on_person"] = "answered"


class CloseBody(BaseModel):
    summary: Annotated[Note, Field(min_length=1)]


@router.post("", status_code=status.HTTP_201_CREATED)
def open_inquiry(
    core: WritingCore, body: OpenBody, who: Annotated[StaffPrincipal, staff(C.inquiries_write)]
) -> dict[str, Any]:
    """Receive a question or complaint; its reply is due by the configured days."""
    ticket = core.inquiries.open(
        body.kind,
        title=body.title,
        body=body.body,
        actor=actor_id(who),
        channel=body.channel,
        subject=body.subject,
        contact=body.contact,
        lang=body.lang,
    )
    return ticket.to_dict(core.today())


@router.get("")
def list_inquiries(
    core: Core,
    who: Annotated[StaffPrincipal, staff(C.inquiries_read)],
    status: InquiryStatus | None = None,
    kind: InquiryKind | None = None,
    subject: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    overdue: bool = False,
) -> list[dict[str, Any]]:
    """Tickets, the soonest due first."""
    found = core.inquiries.list(status=status, kind=kind, subject=subject, overdue=overdue)
    today = core.today()
    return [t.to_dict(today) for t in found]


@router.get("/{record}")
def show_inquiry(
    core: WritingCore, record: RecordId, who: Annotated[StaffPrincipal, staff(C.inquiries_read)]
) -> dict[str, Any]:
    """A ticket with its texts and replies (reading them is audited)."""
    return core.inquiries.get(record, actor=actor_id(who)).to_dict(core.today())


@router.post("/{record}/replies", status_code=status.HTTP_201_CREATED)
def reply(
    core: WritingCore,
    record: RecordId,
    body: ReplyBody,
    who: Annotated[StaffPrincipal, staff(C.inquiries_write)],
) -> dict[str, Any]:
    """Reply to the person (mailed to their contact when ``send``)."""
    done = core.inquiries.reply(
        record, body.text, actor=actor_id(who), send=body.send, status=body.status
    )
    return done.to_dict()


@router.post("/{record}/close")
def close(
    core: Core,
    record: RecordId,
    body: CloseBody,
    who: Annotated[StaffPrincipal, staff(C.inquiries_write)],
) -> dict[str, Any]:
    """Close the ticket with a summary."""
    return core.inquiries.close(record, body.summary, actor=actor_id(who)).to_dict(core.today())

"""``/v1/requests``: the person's requests handled by staff — submit on their behalf,
verify (a code to the registered contact, or documents checked), approve, reject,
withdraw, fulfil, and download the disclosure package."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from mamori.api.auth import actor_id, staff
from mamori.api.context import Core, StaffPrincipal, WritingCore
from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN, Name, Note, RequestId, ShortText
from mamori.requests import Channel, RejectCode, Request, RequestState
from mamori.requests.model import RequestKind

__all__ = ["ZIP", "Contact", "Details", "router", "safe_details"]

router = APIRouter(prefix="/v1/requests", tags=["requests"])

ZIP = "application/zip"


class Contact(BaseModel):
    item: Name = Field(description="A contact item of the policy: email or phone")
    value: Annotated[str, Field(min_length=1, max_length=320)]


class Details(BaseModel):
    """What the request asks; which fields a kind takes is checked by the core."""

    model_config = ConfigDict(extra="forbid")

    values: Annotated[dict[Name, ShortText], Field(max_length=64)] | None = Field(
        None, description="correction: item -> corrected value"
    )
    scope: Annotated[str, Field(max_length=80)] | None = Field(
        None, description="suspension: all, provision or purpose:ID"
    )
    recipients: Annotated[list[Name], Field(max_length=64)] | None = Field(
        None, description="stop_provision: recipient ids"
    )
    method: Annotated[str, Field(max_length=40)] | None = Field(
        None, description="disclosure, provision_records: electronic or paper"
    )
    reason: Note | None = None


class SubmitBody(BaseModel):
    kind: RequestKind
    subject: Annotated[str, Field(pattern=ID_PATTERN)] | None = None
    contact: Contact | None = None
    channel: Channel = Channel.api
    by_agent: bool = False
    details: Details | None = None
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class VerifyBody(BaseModel):
    code: Annotated[str, Field(pattern=r"^\s*[0-9]{6}\s*$")] | None = Field(
        None, description="The one-time code the person received"
    )
    checked: Annotated[list[ShortText], Field(max_length=20)] | None = Field(
        None, description="Documents checked by staff (names, never copies)"
    )
    method: Annotated[str, Field(max_length=40)] = "documents"
    subject: Annotated[str, Field(pattern=ID_PATTERN)] | None = None


class RejectBody(BaseModel):
    code: RejectCode
    reason: Annotated[Note, Field(min_length=1)]


class FulfilBody(BaseModel):
    now: bool = Field(False, description="Run here instead of queueing a job")


def safe_details(details: dict[str, Any]) -> dict[str, Any]:
    """What a request asks, without personal values: a correction's items by name."""
    safe = {k: v for k, v in details.items() if k != "values"}
    if "values" in details:
        safe["items"] = sorted(details["values"])
    return safe


def details_of(body: Details | None) -> dict[str, Any] | None:
    return None if body is None else body.model_dump(exclude_none=True)


@router.post("", status_code=status.HTTP_201_CREATED)
def submit(
    core: WritingCore,
    body: SubmitBody,
    response: Response,
    who: Annotated[StaffPrincipal, staff(C.requests_handle)],
) -> dict[str, Any]:
    """Receive a request for a subject or a contact; an open duplicate comes back (200)."""
    contact = (body.contact.item, body.contact.value) if body.contact else None
    done = core.requests.submit(
        body.kind,
        actor=actor_id(who),
        subject=body.subject,
        contact=contact,
        channel=body.channel,
        by_agent=body.by_agent,
        details=details_of(body.details),
        idempotency_key=body.idempotency_key,
    )
    if done.duplicate:
        response.status_code = status.HTTP_200_OK
    return {**done.request.to_dict(core.today()), "duplicate": done.duplicate}


@router.get("")
def query(
    core: Core,
    who: Annotated[StaffPrincipal, staff(C.requests_read)],
    state: RequestState | None = None,
    overdue: bool = False,
    due_within: Annotated[int | None, Query(ge=0, le=3650)] = None,
    subject: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> list[dict[str, Any]]:
    """Requests, oldest due first: by state, overdue, or due within some days."""
    found = core.requests.query(
        state=state, overdue=overdue, due_within=due_within, subject=subject
    )
    today = core.today()
    return [r.to_dict(today) for r in found]


@router.get("/{request_id}")
def show(
    core: Core, request_id: RequestId, who: Annotated[StaffPrincipal, staff(C.requests_read)]
) -> dict[str, Any]:
    """A request with its events and what it asks (item names, never values)."""
    request = core.requests.get(request_id)
    return {
        **request.to_dict(core.today()),
        "details": safe_details(core.requests.details(request)),
        "events": [e.to_dict() for e in core.requests.events(request_id)],
    }


@router.post("/{request_id}/code", status_code=status.HTTP_202_ACCEPTED)
def send_code(
    core: WritingCore,
    request_id: RequestId,
    who: Annotated[StaffPrincipal, staff(C.requests_handle)],
) -> dict[str, Any]:
    """Send a one-time code to the subject's registered contact (if there is one)."""
    core.requests.send_code(request_id, actor=actor_id(who))
    return core.requests.get(request_id).to_dict(core.today())


@router.post("/{request_id}/verify")
def verify(
    core: WritingCore,
    request_id: RequestId,
    body: VerifyBody,
    who: Annotated[StaffPrincipal, staff(C.requests_handle)],
) -> dict[str, Any]:
    """Verify the requester: with ``code``, the code they received; with ``checked``, the
    documents staff checked. A wrong code leaves the request unverified (``verified``
    false)."""
    if body.code is not None:
        good = core.requests.verify_code(request_id, body.code, actor=actor_id(who))
        request = core.requests.get(request_id)
    else:
        request = core.requests.verify_by_staff(
            request_id,
            actor=actor_id(who),
            checked=body.checked or [],
            method=body.method,
            subject=body.subject,
        )
        good = True
    return {**request.to_dict(core.today()), "verified": good}


def _decided(core: Core, request: Request) -> dict[str, Any]:
    return request.to_dict(core.today())


@router.post("/{request_id}/approve")
def approve(
    core: Core, request_id: RequestId, who: Annotated[StaffPrincipal, staff(C.requests_decide)]
) -> dict[str, Any]:
    """Approve a verified request for fulfilment."""
    return _decided(core, core.requests.start(request_id, actor=actor_id(who)))


@router.post("/{request_id}/reject")
def reject(
    core: Core,
    request_id: RequestId,
    body: RejectBody,
    who: Annotated[StaffPrincipal, staff(C.requests_decide)],
) -> dict[str, Any]:
    """Refuse with a reason code and the reason shown to the person (Art. 36)."""
    done = core.requests.reject(request_id, code=body.code, reason=body.reason, actor=actor_id(who))
    return _decided(core, done)


@router.post("/{request_id}/withdraw")
def withdraw(
    core: Core, request_id: RequestId, who: Annotated[StaffPrincipal, staff(C.requests_handle)]
) -> dict[str, Any]:
    """Withdraw a request the person no longer wants."""
    return _decided(core, core.requests.withdraw(request_id, actor=actor_id(who)))


@router.post("/{request_id}/fulfil", status_code=status.HTTP_202_ACCEPTED)
def fulfil(
    core: WritingCore,
    request_id: RequestId,
    body: FulfilBody,
    response: Response,
    who: Annotated[StaffPrincipal, staff(C.requests_decide)],
) -> dict[str, Any]:
    """Fulfil a verified request: a queued job (202), or with ``now`` run here (200)."""
    done = core.fulfil(request_id, actor=actor_id(who), now=body.now)
    if isinstance(done, Request):
        response.status_code = status.HTTP_200_OK
        return {"request": done.to_dict(core.today())}
    return {"job": done.to_dict()}


@router.get(
    "/{request_id}/download",
    response_class=Response,
    responses={200: {"content": {ZIP: {}}, "description": "The disclosure package"}},
)
def download(
    core: Core,
    request_id: RequestId,
    who: Annotated[StaffPrincipal, staff(C.requests_download)],
) -> Response:
    """The disclosure package (ZIP) of a completed request; every download is audited."""
    body = core.requests.download(request_id, actor=actor_id(who))
    return Response(
        body,
        media_type=ZIP,
        headers={"Content-Disposition": f'attachment; filename="{request_id}.zip"'},
    )

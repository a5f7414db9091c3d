"""``/v1/subjects``: collect, find, read for a purpose, use, the access decision, correct
and erase. Every read passes the core's access decision for the caller's policy role."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, status
from pydantic import BaseModel, Field

from mamori.access import LegalException
from mamori.api.auth import actor_of, staff
from mamori.api.context import Core, StaffPrincipal, api_context
from mamori.api.permissions import Capability as C
from mamori.api.types import (
    ID_PATTERN,
    ItemsQuery,
    Name,
    Note,
    PurposeQuery,
    ShortText,
    SubjectId,
    split_items,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1/subjects", tags=["subjects"])

Value = Annotated[str, Field(max_length=10_000)] | int | float | bool
Values = Annotated[dict[Name, Value], Field(min_length=1, max_length=64)]


class CollectBody(BaseModel):
    purpose: Name = Field(description="The purpose the values are collected for")
    values: Values = Field(description="Item id -> value")
    subject: Annotated[str, Field(pattern=ID_PATTERN)] | None = Field(
        None, description="An existing subject; a new one when absent"
    )
    source: ShortText = Field("api", description="Where the values came from")


class SearchBody(BaseModel):
    item: Name = Field(description="A searchable item: email, phone or a device token")
    value: Annotated[str, Field(min_length=1, max_length=1000)]


class UseBody(BaseModel):
    purpose: Name
    items: Annotated[list[Name], Field(min_length=1, max_length=64)]
    exception: LegalException | None = Field(
        None, description="An Art. 18(3) exception, for a use beyond the purposes"
    )
    note: Note | None = Field(None, description="Required with an exception")


class CorrectBody(BaseModel):
    values: Values
    reason: Annotated[ShortText, Field(min_length=1)]


class EraseBody(BaseModel):
    reason: Annotated[ShortText, Field(min_length=1)]


@router.post("", status_code=status.HTTP_201_CREATED)
def collect(
    core: Core,
    body: CollectBody,
    who: Annotated[StaffPrincipal, staff(C.subjects_collect)],
) -> dict[str, Any]:
    """Collect values for a purpose (a new subject unless ``subject`` is given); refused
    values store nothing (422 naming each item)."""
    done = core.vault.collect(body.subject, body.values, body.purpose, actor_of(who), body.source)
    return done.to_dict()


@router.post("/search")
def search(
    core: Core, body: SearchBody, who: Annotated[StaffPrincipal, staff(C.subjects_find)]
) -> dict[str, Any]:
    """Subject ids by a searchable item (blind index; the value is never stored or logged)."""
    return {"item": body.item, "subjects": core.vault.find(body.item, body.value)}


@router.get("/{subject}")
def read(
    core: Core,
    subject: SubjectId,
    purpose: PurposeQuery,
    who: Annotated[StaffPrincipal, staff(C.subjects_read)],
) -> dict[str, Any]:
    """The items of the purpose your role may see, after the access decision (recorded);
    a deny gives the decision and no values."""
    access = core.access()
    needed = access.purpose_items(purpose)
    items = sorted(needed & access.role_items(who.role)) or sorted(needed) or ["-"]
    return core.vault.use(subject, items, purpose, actor_of(who)).to_dict()


@router.get("/{subject}/decision")
async def decision(
    request: Request,
    subject: SubjectId,
    purpose: PurposeQuery,
    items: ItemsQuery,
    who: Annotated[StaffPrincipal, staff(C.decide)],
) -> dict[str, Any]:
    """May your role use these items of the subject for this purpose now? The decision
    with its reasons, from the subject's consents and suspensions; no value is read.
    (The core comes from the request itself: the most called route carries one dependency
    fewer.)"""
    core = api_context(request).core
    return core.decide(subject, split_items(items), purpose, actor_of(who)).to_dict()


@router.post("/{subject}/use")
def use(
    core: Core,
    subject: SubjectId,
    body: UseBody,
    who: Annotated[StaffPrincipal, staff(C.use)],
) -> dict[str, Any]:
    """Use items for a purpose: decided, recorded, the values only when allowed."""
    done = core.vault.use(
        subject, body.items, body.purpose, actor_of(who), exception=body.exception, note=body.note
    )
    return done.to_dict()


@router.patch("/{subject}")
def correct(
    core: Core,
    subject: SubjectId,
    body: CorrectBody,
    who: Annotated[StaffPrincipal, staff(C.subjects_correct)],
) -> dict[str, Any]:
    """Replace values with corrected ones (Art. 34); each gets a new version."""
    return core.vault.correct(subject, body.values, actor_of(who), body.reason).to_dict()


@router.post("/{subject}/erase")
def erase(
    core: Core,
    subject: SubjectId,
    body: Annotated[EraseBody, Body()],
    who: Annotated[StaffPrincipal, staff(C.subjects_erase)],
) -> dict[str, Any]:
    """Erase the subject: its data key is destroyed, a disposal record is kept."""
    return core.vault.erase(subject, actor_of(who), body.reason).to_dict()

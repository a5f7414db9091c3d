"""``/v1/subjects/{id}/suspensions`` and ``/v1/suspensions``: suspensions of use (Art. 35)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from mamori.api.auth import actor_id, staff
from mamori.api.context import Core, StaffPrincipal
from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN, Note, SubjectId
from mamori.suspension import SuspensionReason

__all__ = ["router"]

router = APIRouter(tags=["suspensions"])

Scope = Annotated[
    str,
    Field(
        pattern=r"^(all|provision|purpose:[a-z][a-z0-9_]{0,63})$",
        description="all, provision or purpose:ID",
    ),
]


class SuspendBody(BaseModel):
    scope: Scope
    reason: SuspensionReason
    note: Note = ""
    request_id: Annotated[str, Field(pattern=ID_PATTERN)] | None = None


class LiftBody(BaseModel):
    scope: Scope
    note: Note = ""


@router.post("/v1/subjects/{subject}/suspensions", status_code=status.HTTP_201_CREATED)
def suspend(
    core: Core,
    subject: SubjectId,
    body: SuspendBody,
    who: Annotated[StaffPrincipal, staff(C.suspensions_write)],
) -> dict[str, Any]:
    """Stop use of the subject's data in a scope (409 when already suspended)."""
    event = core.suspensions.suspend(
        subject,
        body.scope,
        body.reason,
        actor=actor_id(who),
        note=body.note,
        request_id=body.request_id,
    )
    return event.to_dict()


@router.post("/v1/subjects/{subject}/suspensions/lift")
def lift(
    core: Core,
    subject: SubjectId,
    body: LiftBody,
    who: Annotated[StaffPrincipal, staff(C.suspensions_write)],
) -> dict[str, Any]:
    """End the active suspension of a scope (404 when there is none)."""
    return core.suspensions.lift(subject, body.scope, actor=actor_id(who), note=body.note).to_dict()


@router.get("/v1/subjects/{subject}/suspensions")
def active(
    core: Core, subject: SubjectId, who: Annotated[StaffPrincipal, staff(C.suspensions_read)]
) -> list[dict[str, Any]]:
    """The subject's active suspensions."""
    return [s.to_dict() for s in core.suspensions.active(subject)]


@router.get("/v1/subjects/{subject}/suspensions/history")
def history(
    core: Core, subject: SubjectId, who: Annotated[StaffPrincipal, staff(C.suspensions_read)]
) -> list[dict[str, Any]]:
    """Every suspension and lift of the subject, oldest first."""
    return [e.to_dict() for e in core.suspensions.history(subject)]


@router.get("/v1/suspensions")
def all_active(
    core: Core, who: Annotated[StaffPrincipal, staff(C.suspensions_read)]
) -> list[dict[str, Any]]:
    """Every active suspension."""
    return [s.to_dict() for s in core.suspensions.all_active()]

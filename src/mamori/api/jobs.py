"""``/v1/jobs``: the state of queued work (request fulfilment)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path

from mamori.api.auth import staff
from mamori.api.context import Core, StaffPrincipal
from mamori.api.permissions import Capability as C

__all__ = ["router"]

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("")
def list_jobs(
    core: Core,
    who: Annotated[StaffPrincipal, staff(C.jobs_read)],
    state: Literal["queued", "running", "done", "failed"] | None = None,
) -> list[dict[str, Any]]:
    """Jobs, by state when given."""
    return [job.to_dict() for job in core.jobs.query(state)]


@router.get("/{job_id}")
def show_job(
    core: Core,
    job_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    who: Annotated[StaffPrincipal, staff(C.jobs_read)],
) -> dict[str, Any]:
    """One job."""
    return core.jobs.get(job_id).to_dict()

"""``/v1/retention`` and ``/v1/reports``: what the retention rules make due, a disposal
run, and the self-inspection report's figures."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel

from mamori.api.auth import actor_id, staff
from mamori.api.context import Core, StaffPrincipal, WritingCore
from mamori.api.errors import InvalidInput
from mamori.api.permissions import Capability as C
from mamori.reports.period import Period

__all__ = ["router"]

router = APIRouter(tags=["oversight"])


class RunBody(BaseModel):
    dry_run: bool = True


@router.get("/v1/retention/due")
def retention_due(
    core: Core, who: Annotated[StaffPrincipal, staff(C.records_read)]
) -> list[dict[str, Any]]:
    """What the retention rules make due today (nothing changes)."""
    return [due.to_dict() for due in core.retention.plan()]


@router.post("/v1/retention/runs")
def retention_run(
    core: WritingCore, body: RunBody, who: Annotated[StaffPrincipal, staff(C.records_purge)]
) -> dict[str, Any]:
    """Dispose of what is due (``dry_run`` false), or report it (the default)."""
    return core.retention.run(actor=actor_id(who), dry_run=body.dry_run).to_dict()


@router.get("/v1/reports/self-inspection")
def self_inspection(
    core: WritingCore,
    who: Annotated[StaffPrincipal, staff(C.reports_read)],
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> dict[str, Any]:
    """The self-inspection report's figures for the days ``since`` to ``until`` (default:
    the previous month), signed by the audit entry it records."""
    period = None
    if since is not None or until is not None:
        if since is None or until is None or since > until or (until - since).days > 366:
            raise InvalidInput("since and until: give both, in order, at most a year apart")
        period = Period(since, until, core.settings.zone)
    return core.report(period, actor=actor_id(who)).to_dict()

"""``/v1/incidents`` and ``/v1/alerts``: incidents with their deadlines and events, and
the officer's alerts (acknowledge, or open an incident from one)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from mamori.api.auth import actor_id, staff
from mamori.api.context import Core, StaffPrincipal
from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN, RecordId
from mamori.incidents import IncidentState

__all__ = ["router"]

router = APIRouter(tags=["incidents"])


class AcknowledgeBody(BaseModel):
    incident: Annotated[str, Field(pattern=ID_PATTERN)] | None = None


@router.get("/v1/incidents")
def list_incidents(
    core: Core,
    who: Annotated[StaffPrincipal, staff(C.incidents_read)],
    state: IncidentState | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Incidents, newest first, with their report deadlines."""
    today, zone = core.today(), core.settings.zone
    found = core.incidents.list(state=state, open_only=open_only)
    return [i.to_dict(today, zone) for i in found]


@router.get("/v1/incidents/{record}")
def show_incident(
    core: Core, record: RecordId, who: Annotated[StaffPrincipal, staff(C.incidents_read)]
) -> dict[str, Any]:
    """One incident with its events and the notices sent to the persons affected."""
    incident = core.incidents.get(record)
    return {
        **incident.to_dict(core.today(), core.settings.zone),
        "events": core.incidents.events(record),
        "notices": core.incidents.notices(record),
    }


@router.get("/v1/alerts")
def list_alerts(
    core: Core,
    who: Annotated[StaffPrincipal, staff(C.incidents_read)],
    open_only: bool = True,
    kind: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,63}$")] = None,
) -> list[dict[str, Any]]:
    """Alerts to the officer, newest first (by default those not yet acknowledged)."""
    return [a.to_dict() for a in core.alerts.list(open_only=open_only, kind=kind)]


@router.post("/v1/alerts/{record}/acknowledge")
def acknowledge(
    core: Core,
    record: RecordId,
    body: AcknowledgeBody,
    who: Annotated[StaffPrincipal, staff(C.incidents_write)],
) -> dict[str, Any]:
    """Mark an alert as seen, linked to an incident when one is named."""
    return core.alerts.acknowledge(record, actor_id(who), incident=body.incident).to_dict()

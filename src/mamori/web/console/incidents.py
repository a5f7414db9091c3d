"""``/console/incidents``: leaks, losses and damage with their report deadlines (Art. 26),
the open alerts, and the drafts of the preliminary and final reports (Rule 8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN
from mamori.staff import Principal
from mamori.web.console.auth import staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, lang, render

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/incidents", route_class=Route, include_in_schema=False)

Reader = Annotated[Principal, staff_page(C.incidents_read)]
IncidentId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.get("", response_class=HTMLResponse)
def incidents_page(
    request: Request, who: Reader, show: Annotated[str, Query(pattern=r"^(open|all)$")] = "open"
) -> HTMLResponse:
    core = core_of(request)
    return render(
        request,
        "console/incidents.html.j2",
        principal=who,
        incidents=core.incidents.list(open_only=show == "open"),
        alerts=core.alerts.list(open_only=True),
        show=show,
        incident_zone=core.settings.zone,
    )


@router.get("/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    incident_id: IncidentId,
    who: Reader,
    draft: Annotated[str | None, Query(pattern=r"^(preliminary|final)$")] = None,
) -> HTMLResponse:
    core = core_of(request)
    incident = core.incidents.get(incident_id)
    made = core.incidents.draft(incident.id, draft, lang=lang(request)) if draft else None
    return render(
        request,
        "console/incident.html.j2",
        principal=who,
        incident=incident,
        events=core.incidents.events(incident.id),
        notices=core.incidents.notices(incident.id),
        draft=made.to_dict() if made else None,
        incident_zone=core.settings.zone,
    )

"""``/console``: what is due — requests, inquiries, incident reports, open alerts, the
last discovery scan and retention run — for what the role may see; and acknowledging an
alert."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.api.permissions import may
from mamori.api.types import ID_PATTERN
from mamori.requests.model import OPEN
from mamori.staff import Principal
from mamori.web.console.auth import Csrf, Staff, staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, redirect, render
from mamori.web.forms import check_form

__all__ = ["router"]

router = APIRouter(prefix=CONSOLE, route_class=Route, include_in_schema=False)

_SOON_DAYS = 7


def _due(request: Request, who: Principal) -> dict[str, Any]:
    core = core_of(request)
    today = core.today()
    out: dict[str, Any] = {}
    if may(who.role, who.is_officer, C.requests_read):
        open_requests = [r for r in core.requests.query() if r.state in OPEN]
        out["requests"] = open_requests
        out["requests_overdue"] = [r for r in open_requests if r.due_on < today]
        out["requests_soon"] = [
            r for r in open_requests if today <= r.due_on <= today + dt.timedelta(_SOON_DAYS)
        ]
    if may(who.role, who.is_officer, C.inquiries_read):
        tickets = [t for t in core.inquiries.list() if t.status.value != "closed"]
        out["inquiries"] = tickets
        out["inquiries_overdue"] = core.inquiries.overdue()
    if may(who.role, who.is_officer, C.incidents_read):
        out["incidents"] = core.incidents.list(open_only=True)
        out["alerts"] = core.alerts.list(open_only=True)
        out["may_ack"] = may(who.role, who.is_officer, C.incidents_write)
    if may(who.role, who.is_officer, C.scans_read):
        out["scans"] = core.scans.list(limit=1)
    if may(who.role, who.is_officer, C.records_read):
        out["retention_last"] = core.retention.last_daily()
    return out


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, who: Staff) -> HTMLResponse:
    core = core_of(request)
    return render(
        request,
        "console/dashboard.html.j2",
        principal=who,
        due=_due(request, who),
        incident_zone=core.settings.zone,
        done=request.query_params.get("done"),
    )


AlertId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.post("/alerts/{alert_id}/ack")
def acknowledge(
    request: Request,
    alert_id: AlertId,
    who: Annotated[Principal, staff_page(C.incidents_write)],
    csrf: Csrf,
) -> Response:
    check_form(request, csrf)
    core_of(request).alerts.acknowledge(alert_id, who.actor_id)
    return redirect(request, f"{CONSOLE}?done=alert")

"""``/console/alerts/{id}``: one alert to the officer — what raised it, its detail (ids,
counts and codes only), whether it was acknowledged and the incident it led to — with
the way to acknowledge it or to register an incident from it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.api.permissions import may
from mamori.api.types import ID_PATTERN
from mamori.staff import Principal
from mamori.web.console.auth import staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, render

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/alerts", route_class=Route, include_in_schema=False)


@router.get("/{alert_id}", response_class=HTMLResponse)
def alert_page(
    request: Request,
    alert_id: Annotated[str, Path(pattern=ID_PATTERN)],
    who: Annotated[Principal, staff_page(C.incidents_read)],
) -> HTMLResponse:
    alert = core_of(request).alerts.get(alert_id)
    return render(
        request,
        "console/alert.html.j2",
        principal=who,
        alert=alert,
        may_write=may(who.role, who.is_officer, C.incidents_write),
    )

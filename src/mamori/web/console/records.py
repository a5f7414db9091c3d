"""``/console/records``: the records of provision and receipt (Art. 29-31) with the dates
they are kept until."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN
from mamori.provision.model import RecordKind
from mamori.staff import Principal
from mamori.web.console.auth import staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, render

__all__ = ["router"]

router = APIRouter(prefix=CONSOLE, route_class=Route, include_in_schema=False)


@router.get("/records", response_class=HTMLResponse)
def records_page(
    request: Request,
    who: Annotated[Principal, staff_page(C.records_read)],
    kind: Annotated[RecordKind | None, Query()] = None,
    subject: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    expiring: Annotated[int | None, Query(ge=0, le=36500)] = None,
) -> HTMLResponse:
    core = core_of(request)
    found = core.records.query(kind=kind, subject=subject, expiring_within=expiring)
    return render(
        request,
        "console/records.html.j2",
        principal=who,
        found=found[:1000],
        total=len(found),
        kind=kind.value if kind else None,
        kinds=[k.value for k in RecordKind],
        subject=subject,
        expiring=expiring,
    )

"""``/console/reports``: make the self-inspection report over a period (signed by its
audit entry) and download it as HTML, JSON or PDF."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.reports import Period, previous_month, render_html, render_pdf
from mamori.staff import Principal
from mamori.web.console.auth import Csrf, staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, render
from mamori.web.forms import check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/reports", route_class=Route, include_in_schema=False)

Reader = Annotated[Principal, staff_page(C.reports_read)]
_TYPES = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


@router.get("", response_class=HTMLResponse)
def reports_form(request: Request, who: Reader) -> HTMLResponse:
    core = core_of(request)
    last = previous_month(core.today(), core.settings.zone)
    return render(request, "console/reports.html.j2", principal=who, period=last)


@router.post("")
def generate(
    request: Request,
    who: Reader,
    csrf: Csrf,
    since: Annotated[dt.date, Form()],
    until: Annotated[dt.date, Form()],
    fmt: Annotated[str, Form(pattern=r"^(html|json|pdf)$")] = "html",
    report_lang: Annotated[str, Form(pattern=r"^(ja|en)$")] = "ja",
) -> Response:
    """Make the report (recorded as ``report_generate``) and send it as a download."""
    check_form(request, csrf)
    core = core_of(request)
    made = core.report(Period(since, until, core.settings.zone), actor=who.actor_id)
    document = made.to_dict()
    policy = core.access().policy
    body: bytes
    if fmt == "json":
        body = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
    elif fmt == "pdf":
        body = render_pdf(document, lang=report_lang, policy=policy)
    else:
        body = render_html(document, lang=report_lang, policy=policy).encode()
    name = f"mamori-report-{since.isoformat()}-{until.isoformat()}.{fmt}"
    return Response(
        body,
        media_type=_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

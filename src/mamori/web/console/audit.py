"""``/console/audit``: the audit log's entries, newest first, by actor and action; and
the verification of the whole chain (an htmx swap of the result)."""

from __future__ import annotations

from itertools import islice
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.api.permissions import may
from mamori.staff import Principal
from mamori.web.console.auth import Csrf, staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, render
from mamori.web.forms import check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/audit", route_class=Route, include_in_schema=False)

_LABEL = r"^[A-Za-z0-9_.:@-]{1,200}$"
_SCAN = 100_000  # entries a filtered view looks through, newest first


@router.get("", response_class=HTMLResponse)
def entries(
    request: Request,
    who: Annotated[Principal, staff_page(C.audit_read)],
    actor: Annotated[str | None, Query(pattern=_LABEL)] = None,
    action: Annotated[str | None, Query(pattern=_LABEL)] = None,
    subject: Annotated[str | None, Query(pattern=_LABEL)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> HTMLResponse:
    log = core_of(request).audit
    if actor is None and action is None and subject is None:
        shown = list(reversed(log.tail(limit)))
    else:
        recent = reversed(log.tail(_SCAN))
        shown = list(
            islice(
                (
                    e
                    for e in recent
                    if (actor is None or e.actor == actor)
                    and (action is None or e.action == action)
                    and (subject is None or e.subject == subject)
                ),
                limit,
            )
        )
    return render(
        request,
        "console/audit.html.j2",
        principal=who,
        entries=[e.fields() for e in shown],
        total=log.count(),
        actor=actor,
        action=action,
        subject=subject,
        limit=limit,
        may_verify=may(who.role, who.is_officer, C.audit_verify),
    )


@router.post("/verify", response_class=HTMLResponse)
def verify(
    request: Request, who: Annotated[Principal, staff_page(C.audit_verify)], csrf: Csrf
) -> HTMLResponse:
    """Recompute the chain from the database and check the stored checkpoints."""
    check_form(request, csrf)
    report = core_of(request).audit.verify(workers=1)
    name = "console/_verify.html.j2"
    if request.headers.get("hx-request") != "true":
        name = "console/verify.html.j2"
    return render(request, name, principal=who, report=report, status=200 if report.ok else 409)

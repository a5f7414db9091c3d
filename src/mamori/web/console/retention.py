"""``/console/retention``: what the retention rules of the policy in force make due today
(by subject, items, rule, due day and method), the day of the last daily run, a dry run
or a run by the officer with what it did, and recording the events mamori cannot see
itself (an account closed, a purpose ended)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN
from mamori.errors import NoPolicyInForce
from mamori.retention import MARKED_EVENTS, RetentionRefused, RunReport
from mamori.staff import Principal
from mamori.web.console.auth import Csrf, Officer, staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, lang, redirect, render
from mamori.web.forms import api_of, check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/retention", route_class=Route, include_in_schema=False)

Reader = Annotated[Principal, staff_page(C.records_read)]
_SHOWN = 500
_WHEN = r"^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$"


def _page(
    request: Request,
    who: Principal,
    *,
    status: int = 200,
    report: RunReport | None = None,
    problems: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    core = core_of(request)
    try:
        plan = core.retention.plan()
        policy = core.access().policy
        purposes = [(pid, p.label.get(lang(request))) for pid, p in policy.purposes.items()]
        no_policy = False
    except NoPolicyInForce:
        plan, purposes, no_policy = [], [], True
    return render(
        request,
        "console/retention.html.j2",
        principal=who,
        status=status,
        plan=plan[:_SHOWN],
        planned=len(plan),
        subjects=len({d.subject for d in plan}),
        no_policy=no_policy,
        last_daily=core.retention.last_daily(),
        daily_at=core.settings.retention_daily,
        purposes=purposes,
        events=MARKED_EVENTS,
        report=report,
        shown_max=_SHOWN,
        problems=problems or {},
        values=values or {},
        done=request.query_params.get("done"),
    )


@router.get("", response_class=HTMLResponse)
def retention_page(request: Request, who: Reader) -> HTMLResponse:
    return _page(request, who)


@router.post("/run", response_class=HTMLResponse)
def run(
    request: Request,
    who: Officer,
    csrf: Csrf,
    mode: Annotated[str, Form(pattern=r"^(dry_run|run)$")] = "dry_run",
) -> HTMLResponse:
    """A dry run reports what is due and changes nothing; a run disposes of it (each
    subject in one transaction with its disposal records and audit entry)."""
    check_form(request, csrf)
    core = api_of(request).writing()
    report = core.retention.run(actor=who.actor_id, dry_run=mode == "dry_run")
    return _page(request, who, report=report)


@router.post("/events", response_class=HTMLResponse)
def record_event(
    request: Request,
    who: Officer,
    csrf: Csrf,
    event: Annotated[str, Form(pattern=r"^(account_closed|purpose_ended)$")],
    subject: Annotated[str, Form(pattern=r"^$|" + ID_PATTERN)] = "",
    purpose: Annotated[str, Form(pattern=r"^$|^[a-z][a-z0-9_]{0,63}$")] = "",
    at: Annotated[str, Form(pattern=_WHEN)] = "",
) -> Response:
    """Record that a subject's account was closed, or that a purpose ended (for one
    subject, or for everyone when no subject is given), at ``at`` (now when empty)."""
    check_form(request, csrf)
    core = api_of(request).writing()
    values = {"event": event, "subject": subject, "purpose": purpose, "at": at}
    when: dt.datetime | None = None
    if at:
        try:
            when = dt.datetime.fromisoformat(at).replace(tzinfo=core.settings.zone)
        except ValueError:
            return _page(request, who, status=400, problems={"at": "not_a_time"}, values=values)
    try:
        core.retention.mark_event(
            subject or None, event, when, actor=who.actor_id, purpose=purpose or None
        )
    except RetentionRefused as exc:
        return _page(request, who, status=400, problems=exc.problems, values=values)
    return redirect(request, f"{CONSOLE}/retention?done={event}")

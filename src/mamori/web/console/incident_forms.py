"""The officer's incident forms (Art. 26, PPC Rules 7-8): register an incident (from
nothing, or from an alert), confirm its reportable categories, record the preliminary
and final reports, notify the persons affected, and close it.

Registering is ``/console/incidents/new``; the other forms sit on the incident's page
(``console/_incident_actions.html.j2``) and post here. Every step goes through
``core.incidents``, which writes it with its event and audit entry in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import StringConstraints

from mamori.api.permissions import Capability as C
from mamori.api.types import ID_PATTERN
from mamori.core import Mamori
from mamori.incidents import Category, Cause, IncidentRefused, Reporter, ReportKind
from mamori.staff import Principal
from mamori.web.console.auth import Csrf, Officer, staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, redirect, render
from mamori.web.forms import api_of, check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/incidents", route_class=Route, include_in_schema=False)

Writer = Annotated[Principal, staff_page(C.incidents_write)]
IncidentId = Annotated[str, Path(pattern=ID_PATTERN)]
AlertRef = Annotated[str, Form(pattern=r"^$|" + ID_PATTERN)]
_NO_NUL = r"^[^\x00]*$"
_NAME = r"^[a-z][a-z0-9_]{0,63}$"
_WHEN = r"^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$"
_DAY = r"^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
Text = Annotated[str, Form(max_length=4000, pattern=_NO_NUL)]
When = Annotated[str, Form(pattern=_WHEN)]
Day = Annotated[str, Form(pattern=_DAY)]
Names = Annotated[list[Annotated[str, StringConstraints(pattern=_NAME)]], Form(max_length=64)]
_SPLIT = re.compile(r"[\s,、]+")


def _time(problems: dict[str, str], name: str, text: str, zone: dt.tzinfo) -> dt.datetime | None:
    """A ``datetime-local`` value, in the configured zone."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=zone)
    except ValueError:
        problems[name] = "not_a_time"
        return None


def _day(
    problems: dict[str, str], name: str, text: str, zone: dt.tzinfo, *, after: bool = False
) -> dt.datetime | None:
    """The start of a day in the configured zone (of the next day with ``after``: the day
    given is included)."""
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        problems[name] = "not_a_date"
        return None
    if after:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), zone)


def _form_page(
    request: Request,
    who: Principal,
    *,
    values: dict[str, Any],
    problems: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    core = core_of(request)
    policy = core.access().policy
    alert = core.alerts.get(values["alert"]) if values.get("alert") else None
    return render(
        request,
        "console/incident_new.html.j2",
        principal=who,
        status=status,
        policy=policy,
        causes=[c.value for c in Cause],
        values=values,
        problems=problems or {},
        alert=alert,
    )


@router.get("/new", response_class=HTMLResponse)
def new_incident(
    request: Request,
    who: Writer,
    alert: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> HTMLResponse:
    core = core_of(request)
    now = core.clock.now().astimezone(core.settings.zone)
    values: dict[str, Any] = {
        "learned_at": now.strftime("%Y-%m-%dT%H:%M"),
        "mode": "list",
        "reporter": "ppc",
        "items": [],
        "holding": [],
        "alert": alert or "",
    }
    if alert is not None:
        found = core.alerts.get(alert)
        values["learned_at"] = found.created_at.astimezone(core.settings.zone).strftime(
            "%Y-%m-%dT%H:%M"
        )
        if found.subject:
            values["subjects"] = found.subject
    return _form_page(request, who, values=values)


@router.post("/new")
def register(
    request: Request,
    who: Writer,
    csrf: Csrf,
    learned_at: When = "",
    items: Names = [],  # noqa: B006 - FastAPI copies the default
    cause: Annotated[str, Form(pattern=r"^$|" + _NAME)] = "",
    occurred_at: When = "",
    found_by: Text = "",
    overview: Text = "",
    cause_detail: Text = "",
    mode: Annotated[str, Form(pattern=r"^(list|query)$")] = "list",
    subjects: Annotated[str, Form(max_length=2_000_000, pattern=_NO_NUL)] = "",
    holding: Names = [],  # noqa: B006 - FastAPI copies the default
    created_from: Day = "",
    created_until: Day = "",
    estimated_count: Annotated[str, Form(pattern=r"^\s*[0-9]{0,10}\s*$")] = "",
    reporter: Annotated[str, Form(pattern=r"^(ppc|client)$")] = "ppc",
    client_recipient: Annotated[str, Form(pattern=r"^$|" + _NAME)] = "",
    client_name: Annotated[str, Form(max_length=200, pattern=_NO_NUL)] = "",
    client_email: Annotated[str, Form(max_length=320, pattern=_NO_NUL)] = "",
    alert: AlertRef = "",
) -> Response:
    """Register an incident: day 1 is the day it was learned of; the affected subjects are
    a list of ids or those the query finds (an upper bound)."""
    check_form(request, csrf)
    core = api_of(request).writing()
    zone = core.settings.zone
    values: dict[str, Any] = {
        "learned_at": learned_at, "occurred_at": occurred_at, "cause": cause,
        "found_by": found_by, "overview": overview, "cause_detail": cause_detail,
        "items": items, "mode": mode, "subjects": subjects, "holding": holding,
        "created_from": created_from, "created_until": created_until,
        "estimated_count": estimated_count, "reporter": reporter,
        "client_recipient": client_recipient, "client_name": client_name,
        "client_email": client_email, "alert": alert,
    }  # fmt: skip
    problems: dict[str, str] = {}
    fields: dict[str, Any] = {"items": items, "reporter": reporter}
    learned = _time(problems, "learned_at", learned_at, zone)
    if learned is not None:
        fields["learned_at"] = learned
    elif not alert and "learned_at" not in problems:
        problems["learned_at"] = "required"
    occurred = _time(problems, "occurred_at", occurred_at, zone)
    if occurred is not None:
        fields["occurred_at"] = occurred
    if cause:
        fields["cause"] = cause
    elif not alert:
        problems["cause"] = "required"
    if mode == "list":
        if subjects.strip():
            fields["subjects"] = [s for s in _SPLIT.split(subjects) if s]
        elif not alert:
            fields["subjects"] = []
    else:
        if holding:
            fields["holding"] = holding
        since = _day(problems, "created_from", created_from, zone)
        until = _day(problems, "created_until", created_until, zone, after=True)
        if since is not None:
            fields["created_from"] = since
        if until is not None:
            fields["created_until"] = until
    if estimated_count.strip():
        fields["estimated_count"] = int(estimated_count)
    if reporter == Reporter.client.value:
        if client_recipient:
            fields["client_recipient"] = client_recipient
        if client_name.strip():
            fields["client_name"] = client_name.strip()
        if client_email.strip():
            fields["client_email"] = client_email.strip()
    texts = {"found_by": found_by, "overview": overview, "cause_detail": cause_detail}
    fields["texts"] = {k: v for k, v in texts.items() if v.strip()}
    if problems:
        return _form_page(request, who, values=values, problems=problems, status=400)
    try:
        if alert:
            incident = core.alerts.to_incident(alert, actor=who.actor_id, **fields)
        else:
            incident = core.incidents.open(actor=who.actor_id, **fields)
    except IncidentRefused as exc:
        return _form_page(request, who, values=values, problems=exc.problems, status=400)
    return redirect(request, f"{CONSOLE}/incidents/{incident.id}?done=registered")


def _back(request: Request, incident_id: str, done: str) -> Response:
    return redirect(request, f"{CONSOLE}/incidents/{incident_id}?done={done}")


@router.post("/{incident_id}/classify")
def classify(
    request: Request,
    incident_id: IncidentId,
    who: Officer,
    csrf: Csrf,
    categories: Annotated[list[Category], Form(max_length=4)] = [],  # noqa: B006
    reason: Annotated[str, Form(max_length=2000, pattern=_NO_NUL)] = "",
    excluded: Annotated[str, Form(pattern=r"^(yes|no)$")] = "no",
    excluded_reason: Annotated[str, Form(max_length=2000, pattern=_NO_NUL)] = "",
) -> Response:
    """Confirm the categories ticked: those suggested, or a choice with its reason. With
    ``excluded`` the data was under advanced encryption whose key is safe (then nothing is
    suggested), and ``excluded_reason`` says how."""
    check_form(request, csrf)
    api_of(request).writing().incidents.classify(
        incident_id,
        actor=who.actor_id,
        categories=list(categories),
        reason=reason.strip() or None,
        excluded_reason=excluded_reason if excluded == "yes" else None,
    )
    return _back(request, incident_id, "classified")


@router.post("/{incident_id}/report")
def record_report(
    request: Request,
    incident_id: IncidentId,
    who: Officer,
    csrf: Csrf,
    kind: Annotated[ReportKind, Form()],
    submitted_at: When = "",
) -> Response:
    """Record that the preliminary or final report was submitted (now, by default)."""
    check_form(request, csrf)
    core = api_of(request).writing()
    problems: dict[str, str] = {}
    when = _time(problems, "submitted_at", submitted_at, core.settings.zone)
    if problems:
        raise IncidentRefused(problems)
    core.incidents.record_report(incident_id, kind, actor=who.actor_id, submitted_at=when)
    return _back(request, incident_id, f"reported_{kind.value}")


@router.post("/{incident_id}/notify")
def notify(
    request: Request,
    incident_id: IncidentId,
    who: Officer,
    csrf: Csrf,
    notice_lang: Annotated[str, Form(pattern=r"^(ja|en)$")] = "ja",
) -> Response:
    """Send the notice to each affected person not notified yet (Art. 26(2))."""
    check_form(request, csrf)
    core: Mamori = api_of(request).writing()
    summary = core.incidents.notify(incident_id, actor=who.actor_id, lang=notice_lang)
    counts = (
        f"sent={summary.sent}&no_contact={summary.no_contact}&already={summary.already}"
        f"&failed={summary.failed}"
    )
    return _back(request, incident_id, f"notified&{counts}")


@router.post("/{incident_id}/close")
def close(
    request: Request,
    incident_id: IncidentId,
    who: Officer,
    csrf: Csrf,
    note: Annotated[str, Form(max_length=200, pattern=_NO_NUL)] = "",
) -> Response:
    """Close after the final report, or once classified as not reportable."""
    check_form(request, csrf)
    api_of(request).writing().incidents.close(incident_id, actor=who.actor_id, note=note.strip())
    return _back(request, incident_id, "closed")

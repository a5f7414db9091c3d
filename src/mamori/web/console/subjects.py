"""``/console/subjects``, ``/console/consent``, ``/console/suspensions``: look a person up
(by id, or by a searchable item's value through the blind index), say for which purpose,
and see only the items that purpose needs and the role may see — decided, and recorded
by the vault — with their consent choices and suspensions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.api.permissions import may
from mamori.api.types import ID_PATTERN, SubjectId
from mamori.errors import CollectRefused
from mamori.staff import Principal
from mamori.vault.normalise import InvalidValue
from mamori.web.console.auth import Csrf, staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, redirect, render
from mamori.web.forms import check_form

__all__ = ["router"]

router = APIRouter(prefix=CONSOLE, route_class=Route, include_in_schema=False)

Reader = Annotated[Principal, staff_page(C.subjects_read)]
_NAME = r"^[a-z][a-z0-9_]{0,63}$"


def _purposes(request: Request, who: Principal) -> list[tuple[str, str]]:
    """The purposes the role may use, with their labels."""
    access = core_of(request).access()
    policy = access.policy
    role = policy.roles.get(who.role)
    chosen = set(role.purposes) if role is not None and not who.is_officer else set()
    lang = request.query_params.get("lang", "ja")
    return [
        (pid, p.label.get(lang))
        for pid, p in policy.purposes.items()
        if who.is_officer or pid in chosen
    ]


@router.get("/subjects", response_class=HTMLResponse)
def lookup_form(request: Request, who: Reader) -> HTMLResponse:
    policy = core_of(request).access().policy
    searchable = [i for i, d in policy.items.items() if d.normaliser.value in ("email", "phone")]
    return render(
        request,
        "console/subjects.html.j2",
        principal=who,
        purposes=_purposes(request, who),
        searchable=searchable,
        policy=policy,
        found=None,
        error=None,
    )


@router.post("/subjects/find", response_class=HTMLResponse)
def find(
    request: Request,
    who: Annotated[Principal, staff_page(C.subjects_find)],
    csrf: Csrf,
    item: Annotated[str, Form(pattern=_NAME)],
    value: Annotated[str, Form(min_length=1, max_length=320)],
    purpose: Annotated[str, Form(pattern=_NAME)],
) -> Response:
    """Search by a value (posted, never in a URL); one match opens it for ``purpose``."""
    check_form(request, csrf)
    core = core_of(request)
    policy = core.access().policy
    searchable = [i for i, d in policy.items.items() if d.normaliser.value in ("email", "phone")]
    try:
        found = core.vault.find(item, value)
    except (CollectRefused, InvalidValue):
        found = None
    if found is not None and len(found) == 1:
        return redirect(request, f"{CONSOLE}/subjects/{found[0]}?purpose={purpose}")
    return render(
        request,
        "console/subjects.html.j2",
        principal=who,
        purposes=_purposes(request, who),
        searchable=searchable,
        policy=policy,
        found=found or [],
        purpose=purpose,
        error="invalid" if found is None else None,
        status=400 if found is None else 200,
    )


@router.get("/subjects/open")
def open_by_id(
    request: Request,
    who: Reader,
    subject: Annotated[str, Query(pattern=ID_PATTERN)],
    purpose: Annotated[str, Query(pattern=_NAME)],
) -> Response:
    return redirect(request, f"{CONSOLE}/subjects/{subject}?purpose={purpose}")


@router.get("/subjects/{subject}", response_class=HTMLResponse)
def subject_page(
    request: Request,
    subject: SubjectId,
    who: Reader,
    purpose: Annotated[str, Query(pattern=_NAME)],
) -> HTMLResponse:
    """The items of ``purpose`` the role may see, after the access decision (recorded by
    the vault); a deny shows the reasons and no value."""
    core = core_of(request)
    access = core.access()
    needed = access.purpose_items(purpose)
    items = sorted(needed & access.role_items(who.role)) or sorted(needed) or ["-"]
    used = core.vault.use(subject, items, purpose, who.actor())
    consent = core.consent.state(subject) if may(who.role, who.is_officer, C.consent_read) else None
    suspended = (
        core.suspensions.active(subject)
        if may(who.role, who.is_officer, C.suspensions_read)
        else None
    )
    return render(
        request,
        "console/subject.html.j2",
        principal=who,
        subject=subject,
        purpose=purpose,
        purposes=_purposes(request, who),
        used=used,
        values=used.values if used.allowed else None,
        policy=access.policy,
        consent=consent,
        suspended=suspended,
    )


@router.get("/consent", response_class=HTMLResponse)
def consent_page(
    request: Request,
    who: Annotated[Principal, staff_page(C.consent_read)],
    subject: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> HTMLResponse:
    """Consents to ask again after a policy change; one subject's choices and history."""
    core = core_of(request)
    return render(
        request,
        "console/consent.html.j2",
        principal=who,
        pending=core.consent.pending()[:500],
        subject=subject,
        state=core.consent.state(subject) if subject else None,
        history=core.consent.history(subject) if subject else None,
    )


@router.get("/suspensions", response_class=HTMLResponse)
def suspensions_page(
    request: Request,
    who: Annotated[Principal, staff_page(C.suspensions_read)],
    subject: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> HTMLResponse:
    core = core_of(request)
    return render(
        request,
        "console/suspensions.html.j2",
        principal=who,
        active=core.suspensions.all_active()[:1000],
        subject=subject,
        history=core.suspensions.history(subject) if subject else None,
    )

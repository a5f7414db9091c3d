"""``/console/requests``: the queue of the persons' requests, oldest due first, and one
request with its history and the next steps: verify (documents checked), approve,
reject with the reason the person reads, fulfil."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.api.permissions import may
from mamori.api.requests import safe_details
from mamori.api.types import RequestId
from mamori.requests.model import OPEN, RejectCode, RequestState
from mamori.staff import Principal
from mamori.web.console.auth import Csrf, staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, redirect, render
from mamori.web.forms import api_of, check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/requests", route_class=Route, include_in_schema=False)

Reader = Annotated[Principal, staff_page(C.requests_read)]
Handler = Annotated[Principal, staff_page(C.requests_handle)]
Decider = Annotated[Principal, staff_page(C.requests_decide)]
_NO_NUL = r"^[^\x00]*$"


@router.get("", response_class=HTMLResponse)
def queue(
    request: Request,
    who: Reader,
    state: Annotated[RequestState | None, Query()] = None,
    show: Annotated[str, Query(pattern=r"^(open|all|overdue)$")] = "open",
) -> HTMLResponse:
    core = core_of(request)
    if state is not None:
        found = core.requests.query(state=state)
    elif show == "overdue":
        found = core.requests.query(overdue=True)
    else:
        found = core.requests.query()
        if show == "open":
            found = [r for r in found if r.state in OPEN]
    return render(
        request,
        "console/requests.html.j2",
        principal=who,
        found=found,
        state=state.value if state else None,
        show=show,
        states=[s.value for s in RequestState],
    )


@router.get("/{request_id}", response_class=HTMLResponse)
def detail(request: Request, request_id: RequestId, who: Reader) -> HTMLResponse:
    core = core_of(request)
    desk = core.requests.get(request_id)
    return render(
        request,
        "console/request.html.j2",
        principal=who,
        desk=desk,
        details=safe_details(core.requests.details(desk)),
        events=core.requests.events(desk.id),
        may_handle=may(who.role, who.is_officer, C.requests_handle),
        may_decide=may(who.role, who.is_officer, C.requests_decide),
        reject_codes=[c.value for c in RejectCode],
        done=request.query_params.get("done"),
    )


def _back(request: Request, request_id: str, done: str) -> Response:
    return redirect(request, f"{CONSOLE}/requests/{request_id}?done={done}")


@router.post("/{request_id}/verify")
def verify(
    request: Request,
    request_id: RequestId,
    who: Handler,
    csrf: Csrf,
    checked: Annotated[str, Form(min_length=1, max_length=1000, pattern=_NO_NUL)],
    method: Annotated[
        str, Form(pattern=r"^(documents|in_person|account_login|agent_documents)$")
    ] = "documents",
) -> Response:
    """The person was verified by staff: the documents checked (names, never copies)."""
    check_form(request, csrf)
    names = [n.strip() for n in checked.replace("、", ",").split(",") if n.strip()]
    api_of(request).writing().requests.verify_by_staff(
        request_id, actor=who.actor_id, checked=names, method=method
    )
    return _back(request, request_id, "verified")


@router.post("/{request_id}/approve")
def approve(request: Request, request_id: RequestId, who: Decider, csrf: Csrf) -> Response:
    check_form(request, csrf)
    api_of(request).writing().requests.start(request_id, actor=who.actor_id)
    return _back(request, request_id, "approved")


@router.post("/{request_id}/reject")
def reject(
    request: Request,
    request_id: RequestId,
    who: Decider,
    csrf: Csrf,
    code: Annotated[RejectCode, Form()],
    reason: Annotated[str, Form(min_length=1, max_length=2000, pattern=_NO_NUL)],
) -> Response:
    """Refuse, with the reason shown to the person (Art. 36)."""
    check_form(request, csrf)
    api_of(request).writing().requests.reject(
        request_id, code=code, reason=reason, actor=who.actor_id
    )
    return _back(request, request_id, "rejected")


@router.post("/{request_id}/fulfil")
def fulfil(request: Request, request_id: RequestId, who: Decider, csrf: Csrf) -> Response:
    """Approve if need be and fulfil now (the disclosure package is made here)."""
    check_form(request, csrf)
    api_of(request).writing().fulfil(request_id, actor=who.actor_id, now=True)
    return _back(request, request_id, "fulfilled")

"""``/center/inquiry``: questions and complaints (policy §8, Art. 40), answered with a
reference number and the date a reply is due."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.privacy import limited
from mamori.inquiries.model import InquiryKind
from mamori.web.center.pages import Route, core_of, lang, render
from mamori.web.center.session import CENTER, person_or_none
from mamori.web.forms import api_of, check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CENTER}/inquiry", route_class=Route, tags=["privacy center"])

_NO_NUL = r"^[^\x00]*$"


@router.get("", response_class=HTMLResponse)
def inquiry_form(request: Request) -> HTMLResponse:
    policy = core_of(request).access().policy
    return render(request, "center/inquiry.html.j2", policy=policy)


@router.post("", dependencies=[limited("forms")])
def inquiry_send(
    request: Request,
    kind: Annotated[InquiryKind, Form()],
    title: Annotated[str, Form(min_length=1, max_length=200, pattern=_NO_NUL)],
    body: Annotated[str, Form(min_length=1, max_length=20_000, pattern=_NO_NUL)],
    csrf: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=320, pattern=_NO_NUL)] = "",
) -> Response:
    check_form(request, csrf)
    core = api_of(request).writing()
    session = person_or_none(request)
    ticket = core.inquiries.open(
        kind,
        title=title,
        body=body,
        actor="person",
        channel="web",
        subject=session.subject if session is not None else None,
        contact=email or None,
        lang=lang(request),
    )
    return render(request, "center/inquiry_done.html.j2", status=201, ticket=ticket)

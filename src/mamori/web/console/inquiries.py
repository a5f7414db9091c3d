"""``/console/inquiries``: questions and complaints, soonest due first; one ticket with its
texts (the read is audited), a reply (mailed to the person when they gave an address),
and closing with a summary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability as C
from mamori.api.permissions import may
from mamori.inquiries.model import InquiryStatus
from mamori.staff import Principal
from mamori.web.console.auth import Csrf, staff_page
from mamori.web.console.pages import CONSOLE, Route, core_of, redirect, render
from mamori.web.forms import api_of, check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/inquiries", route_class=Route, include_in_schema=False)

Reader = Annotated[Principal, staff_page(C.inquiries_read)]
Writer = Annotated[Principal, staff_page(C.inquiries_write)]
TicketId = Annotated[str, Path(pattern=r"^INQ-[0-9]{4}-[A-Z2-7]{5}-[A-Z2-7]{5}$")]
_NO_NUL = r"^[^\x00]*$"


@router.get("", response_class=HTMLResponse)
def tickets(
    request: Request,
    who: Reader,
    status: Annotated[InquiryStatus | None, Query()] = None,
    overdue: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    core = core_of(request)
    found = core.inquiries.list(status=status, overdue=overdue)
    return render(
        request,
        "console/inquiries.html.j2",
        principal=who,
        found=found,
        chosen=status.value if status else None,
        overdue=overdue,
        statuses=[s.value for s in InquiryStatus],
    )


@router.get("/{ticket_id}", response_class=HTMLResponse)
def ticket(request: Request, ticket_id: TicketId, who: Reader) -> HTMLResponse:
    core = core_of(request)
    opened = core.inquiries.get(ticket_id, actor=who.actor_id)
    return render(
        request,
        "console/inquiry.html.j2",
        principal=who,
        detail=opened,
        ticket=opened.inquiry,
        may_write=may(who.role, who.is_officer, C.inquiries_write),
        done=request.query_params.get("done"),
    )


@router.post("/{ticket_id}/reply")
def reply(
    request: Request,
    ticket_id: TicketId,
    who: Writer,
    csrf: Csrf,
    text: Annotated[str, Form(min_length=1, max_length=20_000, pattern=_NO_NUL)],
    status: Annotated[str, Form(pattern=r"^(answered|waiting_on_person)$")] = "answered",
    send: Annotated[str, Form(pattern=r"^(yes|no)$")] = "no",
) -> Response:
    check_form(request, csrf)
    api_of(request).writing().inquiries.reply(
        ticket_id, text, actor=who.actor_id, send=send == "yes", status=status
    )
    return redirect(request, f"{CONSOLE}/inquiries/{ticket_id}?done=replied")


@router.post("/{ticket_id}/close")
def close(
    request: Request,
    ticket_id: TicketId,
    who: Writer,
    csrf: Csrf,
    summary: Annotated[str, Form(min_length=1, max_length=5000, pattern=_NO_NUL)],
) -> Response:
    check_form(request, csrf)
    api_of(request).writing().inquiries.close(ticket_id, summary, actor=who.actor_id)
    return redirect(request, f"{CONSOLE}/inquiries/{ticket_id}?done=closed")

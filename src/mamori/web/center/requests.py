"""``/center/requests``: the person's requests (開示等の請求). Choose a kind, give the
registered email address, enter the code sent to it, then follow the request to its end:
its state, the days left, the reasons of a refusal, and the disclosure package."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from mamori.api.person import PersonSession
from mamori.api.privacy import limited
from mamori.api.requests import ZIP
from mamori.api.types import RequestId
from mamori.errors import Conflict, Forbidden
from mamori.policy.model import Policy, RequestKind
from mamori.requests import Request as DeskRequest
from mamori.requests.model import RequestState
from mamori.web.center.pages import Route, core_of, redirect, render
from mamori.web.center.session import CENTER, open_session, person
from mamori.web.forms import PageError, api_of, check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CENTER}/requests", route_class=Route, tags=["privacy center"])

PERSON = "person"
Csrf = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=2000, pattern=r"^[^\x00]*$")]
_CODE_STATES = {RequestState.received, RequestState.verifying}


def _offered(policy: Policy) -> list[str]:
    return [o.kind.value for o in policy.requests.kinds]


@router.get("/new", response_class=HTMLResponse)
def new_request(
    request: Request,
    kind: Annotated[RequestKind | None, Query()] = None,
) -> HTMLResponse:
    """The kinds offered; with ``kind``, its form, the purposes shown first."""
    policy = core_of(request).access().policy
    offered = _offered(policy)
    if kind is not None and kind.value not in offered:
        raise PageError(
            404,
            "not_offered",
            "この請求は受け付けていません。",
            "This kind of request is not offered.",
        )
    offer = next((o for o in policy.requests.kinds if kind is not None and o.kind is kind), None)
    return render(
        request,
        "center/request_new.html.j2",
        policy=policy,
        offered=offered,
        kind=kind.value if kind is not None else None,
        offer=offer,
    )


def _details(kind: RequestKind, form: dict[str, Any], policy: Policy) -> dict[str, Any] | None:
    """What the form asks, in the desk's shape (the desk checks it against the policy)."""
    if kind in (RequestKind.disclosure, RequestKind.provision_records):
        method = form.get("method")
        return {"method": method} if method else None
    if kind is RequestKind.suspension:
        return {"scope": form.get("scope") or "all"}
    if kind is RequestKind.stop_provision:
        return {"recipients": [r for r in form.get("recipients", []) if r]}
    if kind is RequestKind.erasure:
        reason = (form.get("reason") or "").strip()
        return {"reason": reason} if reason else None
    if kind is RequestKind.correction:
        values = {
            item: str(form[f"value_{item}"]).strip()
            for item in policy.items
            if str(form.get(f"value_{item}") or "").strip()
        }
        return {"values": values}
    return None


@router.post("", dependencies=[limited("forms")])
async def submit(request: Request) -> Response:
    """Receive the request, then send the code to the registered address (if any)."""
    form = await request.form()
    values: dict[str, Any] = {
        k: v for k, v in form.multi_items() if isinstance(v, str) and k != "recipients"
    }
    values["recipients"] = [r for r in form.getlist("recipients") if isinstance(r, str)]
    return await run_in_threadpool(_submit, request, values)


def _submit(request: Request, values: dict[str, Any]) -> Response:
    check_form(request, str(values.get("csrf") or ""))
    core = api_of(request).writing()
    policy = core.access().policy
    try:
        kind = RequestKind(str(values.get("kind") or ""))
    except ValueError:
        raise PageError(400, "bad_request", "請求の種類を選んでください。",
                        "Please choose the kind of request.") from None  # fmt: skip
    email = str(values.get("email") or "").strip()
    if not email or len(email) > 320:
        raise PageError(400, "bad_request", "メールアドレスを入力してください。",
                        "Please enter your email address.")  # fmt: skip
    if any(len(str(v)) > 2000 for v in values.values() if isinstance(v, str)):
        raise PageError(400, "bad_request", "入力が長すぎます。", "An entry is too long.")
    email_item = next(
        (i for i, d in policy.items.items() if d.normaliser.value == "email"), "email"
    )
    done = core.requests.submit(
        kind,
        actor=PERSON,
        contact=(email_item, email),
        channel="web",
        by_agent=values.get("by_agent") == "yes",
        details=_details(kind, values, policy),
    )
    desk = done.request
    if desk.state in _CODE_STATES:
        _send_code(request, desk.id)
    return redirect(request, f"{CENTER}/requests/{desk.id}/verify")


def _send_code(request: Request, request_id: str) -> bool:
    """Send a code; False when the policy offers no code (staff verify instead)."""
    try:
        core_of(request).requests.send_code(request_id, actor=PERSON)
    except Conflict:
        return False
    return True


@router.get("/{request_id}/verify", response_class=HTMLResponse)
def verify_form(request: Request, request_id: RequestId) -> HTMLResponse:
    desk = core_of(request).requests.get(request_id)
    return render(request, "center/request_verify.html.j2", desk=desk, error=None)


@router.post("/{request_id}/code", dependencies=[limited("codes")])
def resend_code(request: Request, request_id: RequestId, csrf: Csrf) -> Response:
    check_form(request, csrf)
    desk = api_of(request).writing().requests.get(request_id)
    if desk.state in _CODE_STATES:
        _send_code(request, desk.id)
    return redirect(request, f"{CENTER}/requests/{request_id}/verify?sent=1")


@router.post("/{request_id}/verify", dependencies=[limited("attempts")])
def verify(
    request: Request,
    request_id: RequestId,
    code: Annotated[str, Form(pattern=r"^\s*[0-9]{6}\s*$")],
    csrf: Csrf,
) -> Response:
    """A right code verifies the request and opens the person's session for it."""
    check_form(request, csrf)
    core = api_of(request).writing()
    desk = core.requests.get(request_id)
    ok = desk.state is RequestState.verifying and core.requests.verify_code(
        request_id, code, actor=PERSON
    )
    if not ok:
        return render(request, "center/request_verify.html.j2", status=401, desk=desk,
                      error="code")  # fmt: skip
    verified = core.requests.get(request_id)
    response = redirect(request, f"{CENTER}/requests/{request_id}")
    open_session(request, response, verified.id, verified.subject or "")
    return response


def _mine(request: Request, request_id: str) -> tuple[DeskRequest, PersonSession]:
    """The request, if the session opens it: its own, or any of the signed-in person."""
    session = person(request)
    desk = core_of(request).requests.get(request_id)
    if session.request_id == desk.id or (session.subject and session.subject == desk.subject):
        return desk, session
    raise Forbidden("this session does not open that request")


@router.get("/{request_id}", response_class=HTMLResponse)
def status_page(request: Request, request_id: RequestId) -> HTMLResponse:
    """Where the request stands: state, the date it is due and days left, a refusal's
    reasons, and the package once it is ready."""
    desk, _ = _mine(request, request_id)
    core = core_of(request)
    return render(
        request,
        "center/request_status.html.j2",
        desk=desk,
        today=core.today(),
        withdrawable=desk.state in _CODE_STATES | {RequestState.verified},
    )


@router.get("/{request_id}/download")
def download(request: Request, request_id: RequestId) -> Response:
    desk, _ = _mine(request, request_id)
    body = core_of(request).requests.download(desk.id, actor=PERSON)
    return Response(
        body,
        media_type=ZIP,
        headers={
            "Content-Disposition": f'attachment; filename="{desk.id}.zip"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/{request_id}/withdraw")
def withdraw(request: Request, request_id: RequestId, csrf: Csrf) -> Response:
    check_form(request, csrf)
    desk, _ = _mine(request, request_id)
    api_of(request).writing().requests.withdraw(desk.id, actor=PERSON)
    return redirect(request, f"{CENTER}/requests/{request_id}")

"""Staff in the console: a login with username, password and the authenticator's code
(``core.staff.login``) opens a session held in an HttpOnly, SameSite=Strict cookie scoped to
``/console``; every page asks for the capability its role needs (the API's table,
:mod:`mamori.api.permissions`) and answers 403 in the console's style otherwise. A member
of staff who must change their password is sent to do so first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.permissions import Capability
from mamori.api.privacy import limited
from mamori.errors import Unauthenticated
from mamori.staff import Principal, StaffRefused
from mamori.web.console.pages import CONSOLE, Route, allowed, core_of, redirect, render
from mamori.web.forms import PageError, check_form, secure

__all__ = ["COOKIE", "Csrf", "Officer", "Staff", "router", "staff_page"]

COOKIE = "mamori_console"
Csrf = Annotated[str, Form(max_length=200)]

router = APIRouter(prefix=CONSOLE, route_class=Route, tags=["console"], include_in_schema=False)

_OPEN_PATHS = (f"{CONSOLE}/password", f"{CONSOLE}/logout")


def _principal(request: Request) -> Principal:
    token = request.cookies.get(COOKIE)
    principal = core_of(request).staff.session(token) if token else None
    if principal is None:
        raise PageError(
            401,
            "login_required",
            "ログインしてください。",
            "Please log in.",
        )
    request.state.console_principal = principal
    if principal.must_change_password and request.url.path not in _OPEN_PATHS:
        raise PageError(
            403,
            "password_change_required",
            "続ける前にパスワードを変更してください。",
            "Please change your password before you go on.",
        )
    return principal


def staff_page(need: Capability | str | None = None) -> Any:
    """A dependency giving the logged-in principal whose role has ``need`` (a capability,
    ``"officer"``, or None for any member of staff)."""

    def check(request: Request) -> Principal:
        principal = _principal(request)
        if not allowed(principal, need):
            raise PageError(
                403,
                "forbidden",
                "この画面を開く権限がありません。",
                "Your role may not open this page.",
            )
        return principal

    return Depends(check)


Staff = Annotated[Principal, staff_page()]
Officer = Annotated[Principal, staff_page("officer")]


def _safe_next(target: str | None) -> str:
    if target and target.startswith(CONSOLE) and "//" not in target and "\\" not in target:
        return target
    return CONSOLE


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(
        request,
        "console/login.html.j2",
        principal=None,
        error=None,
        next=_safe_next(request.query_params.get("next")),
    )


@router.post("/login", dependencies=[limited("logins")])
def login(
    request: Request,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    csrf: Csrf,
    totp: Annotated[str, Form(max_length=10)] = "",
    next: Annotated[str, Form(max_length=300)] = CONSOLE,
) -> Response:
    check_form(request, csrf)
    core = core_of(request)
    ip = request.client.host if request.client else None
    try:
        opened = core.staff.login(username, password, totp.strip() or None, ip=ip)
    except Unauthenticated as exc:
        return render(
            request,
            "console/login.html.j2",
            principal=None,
            status=401,
            error=exc.reason if exc.reason in ("totp_required", "locked") else "wrong",
            next=_safe_next(next),
        )
    target = f"{CONSOLE}/password" if opened.must_change_password else _safe_next(next)
    response = redirect(request, target)
    response.set_cookie(
        COOKIE, opened.token, path=CONSOLE, secure=secure(request), httponly=True,
        samesite="strict",
    )  # fmt: skip
    return response


@router.post("/logout")
def logout(request: Request, csrf: Csrf) -> Response:
    check_form(request, csrf)
    token = request.cookies.get(COOKIE)
    if token:
        core_of(request).staff.logout(token)
    response = redirect(request, f"{CONSOLE}/login")
    response.delete_cookie(COOKIE, path=CONSOLE)
    return response


@router.get("/password", response_class=HTMLResponse)
def password_form(request: Request, who: Staff) -> HTMLResponse:
    return render(request, "console/password.html.j2", principal=who, error=None)


@router.post("/password")
def change_password(
    request: Request,
    who: Staff,
    current: Annotated[str, Form(min_length=1, max_length=1024)],
    new: Annotated[str, Form(min_length=1, max_length=1024)],
    confirm: Annotated[str, Form(min_length=1, max_length=1024)],
    csrf: Csrf,
) -> Response:
    check_form(request, csrf)
    if new != confirm:
        return render(
            request, "console/password.html.j2", principal=who, status=400, error="mismatch"
        )
    try:
        core_of(request).staff.set_password(
            who.username,
            new,
            actor=who.actor_id,
            current_password=current,
            keep_session=who.credential_id,
        )
    except StaffRefused as exc:
        reason = next(iter(exc.problems.values()), "refused")
        return render(request, "console/password.html.j2", principal=who, status=400, error=reason)
    return redirect(request, f"{CONSOLE}?done=password")


@router.get("/totp", response_class=HTMLResponse)
def totp_page(request: Request, who: Staff) -> HTMLResponse:
    account = core_of(request).staff.get(who.username)
    return render(request, "console/totp.html.j2", principal=who, account=account, uri=None)


@router.post("/totp/start", response_class=HTMLResponse)
def totp_start(request: Request, who: Staff, csrf: Csrf) -> HTMLResponse:
    check_form(request, csrf)
    core = core_of(request)
    uri = core.staff.enroll_totp(who.username, actor=who.actor_id)
    secret = uri.split("secret=", 1)[-1].split("&", 1)[0]
    account = core.staff.get(who.username)
    return render(
        request, "console/totp.html.j2", principal=who, account=account, uri=uri, secret=secret
    )


@router.post("/totp/confirm")
def totp_confirm(
    request: Request,
    who: Staff,
    code: Annotated[str, Form(pattern=r"^\s*[0-9]{6}\s*$")],
    csrf: Csrf,
) -> Response:
    check_form(request, csrf)
    core_of(request).staff.confirm_totp(who.username, code.strip(), actor=who.actor_id)
    return redirect(request, f"{CONSOLE}/totp?done=1")

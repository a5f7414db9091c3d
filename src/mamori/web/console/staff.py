"""``/console/staff`` (the officer only): the staff accounts and their API tokens.

An account is added with a one-time password and a token issued with its secret: each is
shown once, on the page that answers the post (never in a URL, never again). Password
hashes, TOTP secrets and token MACs stay in the store; pages get :class:`Account` and
:class:`TokenInfo`, which hold none.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.types import ID_PATTERN
from mamori.staff import Principal, StaffRefused
from mamori.staff.tokens import DAYS_MAX
from mamori.web.console.auth import Csrf, Officer
from mamori.web.console.pages import CONSOLE, Route, core_of, lang, redirect, render
from mamori.web.forms import api_of, check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/staff", route_class=Route, include_in_schema=False)

_USERNAME = r"^[A-Za-z][A-Za-z0-9._-]{1,63}$"
Username = Annotated[str, Path(pattern=_USERNAME)]
_NO_NUL = r"^[^\x00]*$"


def _page(request: Request, who: Principal, *, status: int = 200, **shown: Any) -> HTMLResponse:
    core = core_of(request)
    now = core.clock.now()
    accounts = core.staff.list()
    tokens = core.staff.list_tokens()
    roles = core.access().policy.roles
    return render(
        request,
        "console/staff.html.j2",
        principal=who,
        status=status,
        accounts=[(a, a.locked(now)) for a in accounts],
        tokens=[(t, t.state(now)) for t in tokens],
        roles=[(rid, r.label.get(lang(request))) for rid, r in roles.items()],
        officer_role=core.access().policy.officer_role,
        days_max=DAYS_MAX,
        done=request.query_params.get("done"),
        added=shown.get("added"),
        issued=shown.get("issued"),
        problems=shown.get("problems", {}),
    )


@router.get("", response_class=HTMLResponse)
def staff_page(request: Request, who: Officer) -> HTMLResponse:
    return _page(request, who)


@router.post("/add", response_class=HTMLResponse)
def add_account(
    request: Request,
    who: Officer,
    csrf: Csrf,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    role: Annotated[str, Form(pattern=r"^[a-z][a-z0-9_]{0,63}$")],
    display_name: Annotated[str, Form(max_length=200, pattern=_NO_NUL)] = "",
) -> HTMLResponse:
    """Add an account; its one-time password is on this answer only."""
    check_form(request, csrf)
    core = api_of(request).writing()
    try:
        account, password = core.staff.add(
            username, role=role, display_name=display_name or None, actor=who.actor_id
        )
    except StaffRefused as exc:
        return _page(request, who, status=400, problems=exc.problems)
    return _page(request, who, added=(account, password))


@router.post("/{username}/disable")
def disable(request: Request, username: Username, who: Officer, csrf: Csrf) -> Response:
    """Disable an account: its sessions end and its tokens stop working."""
    check_form(request, csrf)
    api_of(request).writing().staff.disable(username, who.actor_id)
    return redirect(request, f"{CONSOLE}/staff?done=disabled")


@router.post("/{username}/enable")
def enable(request: Request, username: Username, who: Officer, csrf: Csrf) -> Response:
    check_form(request, csrf)
    api_of(request).writing().staff.enable(username, who.actor_id)
    return redirect(request, f"{CONSOLE}/staff?done=enabled")


@router.post("/tokens", response_class=HTMLResponse)
def issue_token(
    request: Request,
    who: Officer,
    csrf: Csrf,
    username: Annotated[str, Form(pattern=_USERNAME)],
    name: Annotated[str, Form(min_length=1, max_length=100, pattern=_NO_NUL)],
    days: Annotated[int, Form(ge=1, le=DAYS_MAX)] = 90,
) -> HTMLResponse:
    """Issue an API token; its secret is on this answer only."""
    check_form(request, csrf)
    core = api_of(request).writing()
    try:
        info, secret = core.staff.issue_token(username, name=name, days=days, actor=who.actor_id)
    except StaffRefused as exc:
        return _page(request, who, status=400, problems=exc.problems)
    return _page(request, who, issued=(info, secret))


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    token_id: Annotated[str, Path(pattern=ID_PATTERN)],
    who: Officer,
    csrf: Csrf,
) -> Response:
    check_form(request, csrf)
    api_of(request).writing().staff.revoke_token(token_id, who.actor_id)
    return redirect(request, f"{CONSOLE}/staff?done=revoked#tokens")

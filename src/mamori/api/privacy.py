"""``/v1/privacy``: the person's side of the privacy center, without a staff token.

Submit a request by the contact registered with us; ask for a one-time code (it goes to
the registered address only); verify it to open a short session for that one request;
then see its status, download the disclosure package, or withdraw it. Submissions, codes
and attempts are rate-limited per address; answers never reveal whether a contact is
registered. Form posts made with the session cookie need the CSRF token, and a foreign
``Origin`` is refused on every post.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Cookie, Depends, Header, Request, Response, status
from pydantic import BaseModel, Field

from mamori.api.context import Core, Ctx, WritingCore
from mamori.api.errors import RateLimited
from mamori.api.person import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, PersonSession
from mamori.api.requests import ZIP, Contact, Details, details_of
from mamori.api.types import RequestId
from mamori.errors import Forbidden, Unauthenticated
from mamori.requests import Request as DeskRequest
from mamori.requests.model import RequestKind

__all__ = ["router"]

PERSON = "person"
PREFIX = "/v1/privacy"


async def same_origin(request: Request, origin: Annotated[str | None, Header()] = None) -> None:
    """Refuse a post whose ``Origin`` names another site (a cross-site form)."""
    if origin is None or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    host = request.headers.get("host", "")
    if origin == "null" or urlsplit(origin).netloc != host:
        raise Forbidden("a post from another site is refused")


router = APIRouter(prefix=PREFIX, tags=["privacy center"], dependencies=[Depends(same_origin)])


def limited(group: str) -> Any:
    """A dependency taking a token from the client address's bucket for ``group``."""

    async def take(ctx: Ctx, request: Request) -> None:
        client = request.client.host if request.client else "-"
        wait = ctx.buckets.take(f"{group}|{client}")
        if wait is not None:
            raise RateLimited(wait)

    return Depends(take)


SessionCookie = Annotated[str | None, Cookie(alias=SESSION_COOKIE)]


async def person(ctx: Ctx, request_id: RequestId, token: SessionCookie = None) -> PersonSession:
    """The person's session, for this request only."""
    session = ctx.sessions.read(token)
    if session.request_id != request_id:
        raise Forbidden("this session opens another request")
    return session


Person = Annotated[PersonSession, Depends(person)]


class PersonSubmit(BaseModel):
    kind: RequestKind
    contact: Contact = Field(description="The email or phone registered with us")
    by_agent: bool = False
    details: Details | None = None
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class CodeBody(BaseModel):
    code: Annotated[str, Field(pattern=r"^\s*[0-9]{6}\s*$")]


def _status(core: Core, request: DeskRequest) -> dict[str, Any]:
    """What the person sees of their request: no subject id, no internal results."""
    full = request.to_dict(core.today())
    keep = ("id", "kind", "state", "received_at", "due_on", "days_left", "closed_at", "fee")
    shown = {k: full[k] for k in keep}
    shown["reject_code"] = full["reject_code"]
    shown["reject_reason"] = full["reject_reason"]
    return shown


@router.post("/requests", status_code=status.HTTP_201_CREATED, dependencies=[limited("forms")])
def submit(core: WritingCore, body: PersonSubmit) -> dict[str, Any]:
    """Make a request. The answer is the same whether or not the contact is registered:
    ask for a code next."""
    done = core.requests.submit(
        body.kind,
        actor=PERSON,
        contact=(body.contact.item, body.contact.value),
        channel="web",
        by_agent=body.by_agent,
        details=details_of(body.details),
        idempotency_key=body.idempotency_key,
    )
    request = done.request
    return {"id": request.id, "kind": request.kind.value, "due_on": request.due_on.isoformat()}


@router.post(
    "/requests/{request_id}/code",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[limited("codes")],
)
def send_code(core: WritingCore, request_id: RequestId) -> dict[str, Any]:
    """Send a one-time code to the contact registered for the person, if there is one."""
    core.requests.send_code(request_id, actor=PERSON)
    return {"id": request_id, "message": "if the contact is registered, a code was sent to it"}


@router.post("/requests/{request_id}/verify", dependencies=[limited("attempts")])
def verify(
    ctx: Ctx, request: Request, response: Response, request_id: RequestId, body: CodeBody
) -> dict[str, Any]:
    """Check the code; a right one opens a session for this request (a cookie) and gives
    the CSRF token for form posts."""
    core = ctx.writing()
    if not core.requests.verify_code(request_id, body.code, actor=PERSON):
        raise Unauthenticated("the code is wrong, expired or used up", "code_invalid")
    verified = core.requests.get(request_id)
    token = ctx.sessions.issue(verified.id, verified.subject or "")
    csrf = ctx.sessions.csrf(token)
    secure = request.url.scheme == "https"
    age = ctx.sessions.seconds
    response.set_cookie(
        SESSION_COOKIE, token, max_age=age, path=PREFIX, secure=secure,
        httponly=True, samesite="strict",
    )  # fmt: skip
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=age, path=PREFIX, secure=secure,
        httponly=False, samesite="strict",
    )  # fmt: skip
    return {"verified": True, "csrf": csrf, "expires_in": age, **_status(core, verified)}


@router.get("/requests/{request_id}")
def request_status(core: Core, request_id: RequestId, session: Person) -> dict[str, Any]:
    """Where your request stands."""
    return _status(core, core.requests.get(session.request_id))


@router.get(
    "/requests/{request_id}/download",
    response_class=Response,
    responses={200: {"content": {ZIP: {}}, "description": "Your disclosure package"}},
)
def download(core: Core, request_id: RequestId, session: Person) -> Response:
    """The disclosure package of your completed request."""
    body = core.requests.download(session.request_id, actor=PERSON)
    return Response(
        body,
        media_type=ZIP,
        headers={"Content-Disposition": f'attachment; filename="{session.request_id}.zip"'},
    )


@router.post("/requests/{request_id}/withdraw")
def withdraw(
    ctx: Ctx,
    request_id: RequestId,
    session: Person,
    token: SessionCookie = None,
    csrf: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> dict[str, Any]:
    """Withdraw your request (a form post: needs the CSRF token)."""
    ctx.sessions.check_csrf(token or "", csrf)
    core = ctx.core
    return _status(core, core.requests.withdraw(session.request_id, actor=PERSON))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout() -> Response:
    """End the session on this browser."""
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    response.delete_cookie(CSRF_COOKIE, path=PREFIX)
    return response

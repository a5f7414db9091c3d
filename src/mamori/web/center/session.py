"""The person's session on the privacy center: the API's person session token
(:class:`mamori.api.person.PersonSessions`) in a cookie scoped to ``/center``.

A session opened by a request's verified code opens that request (and the person's
choices); one opened by signing in (:mod:`mamori.web.center.signin`) carries no request.
"""

from __future__ import annotations

from fastapi import Request, Response

from mamori.api.person import PersonSession
from mamori.errors import Unauthenticated
from mamori.web.forms import api_of, secure

__all__ = ["CENTER", "COOKIE", "end_session", "open_session", "person", "person_or_none"]

CENTER = "/center"
COOKIE = "mamori_center"


def open_session(request: Request, response: Response, request_id: str, subject: str) -> None:
    """Set the session cookie: HttpOnly, SameSite=Strict, Secure over TLS, short-lived."""
    sessions = api_of(request).sessions
    token = sessions.issue(request_id, subject)
    response.set_cookie(
        COOKIE, token, max_age=sessions.seconds, path=CENTER, secure=secure(request),
        httponly=True, samesite="strict",
    )  # fmt: skip


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path=CENTER)


def person(request: Request) -> PersonSession:
    """The session; :class:`Unauthenticated` without a valid one."""
    return api_of(request).sessions.read(request.cookies.get(COOKIE))


def person_or_none(request: Request) -> PersonSession | None:
    try:
        session = person(request)
    except Unauthenticated:
        return None
    return session if session.subject else None

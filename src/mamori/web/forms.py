"""What the privacy center's and the console's HTML pages share: one template
environment, the CSRF token of every form, and errors rendered as pages.

Every browser gets a random form nonce in an HttpOnly, SameSite=Strict cookie; a form
carries the token derived from it with the API's CSRF derivation
(:meth:`mamori.api.person.PersonSessions.csrf`), and a post without the matching token is
refused (403). A foreign ``Origin`` is refused as the API refuses it.

Routes of the two routers use :func:`html_route`: a mamori error, a rate limit or a form
that does not validate becomes a page in the router's own style with the status the API
would give (:func:`mamori.api.errors.status_of`), never a JSON body.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from mamori.api.context import ApiContext
from mamori.api.errors import RateLimited, status_of
from mamori.errors import Forbidden, MamoriError

__all__ = [
    "FORM_COOKIE",
    "Lang",
    "PageError",
    "Pages",
    "api_of",
    "check_form",
    "html_route",
    "lang_of",
    "secure",
]

Lang = Literal["ja", "en"]
FORM_COOKIE = "mamori_form"
_NONCE_MAX = 128


class PageError(Exception):
    """An error a page shows: its status, a code, and the message in both languages."""

    def __init__(self, status: int, code: str, ja: str, en: str) -> None:
        super().__init__(en)
        self.status = status
        self.code = code
        self.ja = ja
        self.en = en


def api_of(request: Request) -> ApiContext:
    """The API's context of the app (its core, sessions, buckets)."""
    found: ApiContext = request.app.state.mamori_api
    return found


def lang_of(request: Request, default: str = "ja") -> Lang:
    """``?lang=en`` or ``?lang=ja`` (a form posts it too); the service default else."""
    chosen = request.query_params.get("lang") or default
    return "en" if chosen == "en" else "ja"


def secure(request: Request) -> bool:
    """Cookies are Secure when the page was served over TLS."""
    return request.url.scheme == "https"


def _nonce(request: Request) -> str | None:
    value = request.cookies.get(FORM_COOKIE)
    if value and len(value) <= _NONCE_MAX and value.isascii():
        return value
    return None


def check_form(request: Request, given: str | None) -> None:
    """Refuse a post whose CSRF token does not belong to this browser's form nonce, or
    that comes from another site."""
    # A browser says where a post comes from. ``Origin: null`` is what it sends for a form
    # of a page served with ``Referrer-Policy: no-referrer`` (ours), so only an origin
    # naming another host, or a fetch marked cross-site, is refused here; the token and the
    # SameSite=Strict cookie do the rest.
    origin = request.headers.get("origin") or "null"
    host = request.headers.get("host", "")
    site = request.headers.get("sec-fetch-site")
    foreign = origin != "null" and urlsplit(origin).netloc != host
    if foreign or site in ("cross-site", "same-site"):
        raise Forbidden("a post from another site is refused")
    nonce = _nonce(request)
    if nonce is None or not given:
        raise Forbidden("the form has expired: open the page again and resend it")
    api_of(request).sessions.check_csrf(nonce, given)


class Pages:
    """Renders the pages of one router from the shared environment."""

    def __init__(self, package: str, common: Mapping[str, Any] | None = None) -> None:
        self.env = Environment(
            loader=ChoiceLoader(
                [PackageLoader(package, "templates"), PackageLoader("mamori.web", "templates")]
            ),
            autoescape=select_autoescape(["html", "j2"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(common or {})

    def render(
        self,
        request: Request,
        name: str,
        *,
        lang: Lang,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **values: Any,
    ) -> HTMLResponse:
        """The page ``name`` with ``values``, the language, links that keep it, and the
        form token; a browser without a form nonce gets one."""
        ctx: ApiContext = api_of(request)
        nonce = _nonce(request)
        fresh = nonce is None
        if nonce is None:
            nonce = secrets.token_urlsafe(24)

        def link(path: str, **params: Any) -> str:
            query = {k: v for k, v in params.items() if v is not None}
            query["lang"] = lang
            return f"{path}?{urlencode(query)}"

        other: Lang = "en" if lang == "ja" else "ja"
        query = dict(request.query_params)
        query["lang"] = other
        body = self.env.get_template(name).render(
            request=request,
            lang=lang,
            path=request.url.path,
            switch_url=f"{request.url.path}?{urlencode(query)}",
            link=link,
            csrf=ctx.sessions.csrf(nonce),
            **values,
        )
        response = HTMLResponse(body, status_code=status, headers=dict(headers or {}))
        response.headers.setdefault("cache-control", "no-store")
        if fresh:
            response.set_cookie(
                FORM_COOKIE, nonce, path="/", secure=secure(request), httponly=True,
                samesite="strict",
            )  # fmt: skip
        return response


ErrorPage = Callable[[Request, int, str, str, str], Response]


def _describe(exc: Exception) -> tuple[int, str, str, str]:
    """Status, code and the message in Japanese and English."""
    if isinstance(exc, PageError):
        return exc.status, exc.code, exc.ja, exc.en
    if isinstance(exc, RequestValidationError):
        errors = exc.errors()
        fields = sorted({str(e.get("loc", ("", ""))[-1]) for e in errors})
        named = ", ".join(fields)
        return (
            400,
            "bad_request",
            f"入力内容を確認してください（{named}）。",
            f"Please check what you entered ({named}).",
        )
    if isinstance(exc, RateLimited):
        return (
            429,
            exc.code,
            f"操作が多すぎます。{exc.retry_after}秒ほどおいて、もう一度お試しください。",
            exc.message,
        )
    assert isinstance(exc, MamoriError)
    status = status_of(exc)
    ja = _JA_BY_STATUS.get(status, "処理できませんでした。")
    return status, exc.code, f"{ja}（{exc.message}）", exc.message


_JA_BY_STATUS = {
    400: "入力内容を確認してください。",
    401: "確認できませんでした。もう一度お試しください。",
    403: "この操作はできません。",
    404: "見つかりませんでした。",
    409: "現在の状態ではこの操作はできません。",
    422: "入力内容を受け付けられませんでした。",
    502: "送信できませんでした。しばらくしてからお試しください。",
    503: "ただいま処理できません。しばらくしてからお試しください。",
}


def html_route(error_page: ErrorPage) -> type[APIRoute]:
    """A route class whose errors become pages made by ``error_page``."""

    class HtmlRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except (MamoriError, PageError, RequestValidationError) as exc:
                    status, code, ja, en = _describe(exc)
                    response = error_page(request, status, code, ja, en)
                    if isinstance(exc, RateLimited):
                        response.headers["Retry-After"] = str(exc.retry_after)
                    if request.headers.get("hx-request") == "true":
                        # an htmx swap shows the error page's main in place of the page's
                        response.headers["HX-Retarget"] = "#main"
                        response.headers["HX-Reselect"] = "#main"
                        response.headers["HX-Reswap"] = "outerHTML"
                    return response

            return handle

    return HtmlRoute

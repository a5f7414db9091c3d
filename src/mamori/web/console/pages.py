"""How the console renders: its pages with the staff member's navigation, its error page
(a missing session sends a page load to the login), and its route class."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from mamori.api.permissions import Capability as C
from mamori.api.permissions import may
from mamori.core import Mamori
from mamori.staff import Principal
from mamori.web.forms import Lang, Pages, api_of, html_route, lang_of

__all__ = ["CONSOLE", "NAV", "Route", "core_of", "lang", "redirect", "render"]

CONSOLE = "/console"
PAGES = Pages("mamori.web.console")

# path, ja, en, what the role needs (None: any staff; "officer": the officer only)
NAV: tuple[tuple[str, str, str, C | str | None], ...] = (
    ("", "ダッシュボード", "Dashboard", None),
    ("/requests", "請求", "Requests", C.requests_read),
    ("/subjects", "本人の検索", "Subjects", C.subjects_read),
    ("/consent", "同意", "Consent", C.consent_read),
    ("/suspensions", "利用停止", "Suspensions", C.suspensions_read),
    ("/incidents", "漏えい等", "Incidents", C.incidents_read),
    ("/inquiries", "問い合わせ", "Inquiries", C.inquiries_read),
    ("/records", "提供記録", "Provision records", C.records_read),
    ("/retention", "保存期間", "Retention", C.records_read),
    ("/scans", "検出スキャン", "Discovery scans", C.scans_read),
    ("/audit", "監査ログ", "Audit log", C.audit_read),
    ("/reports", "自己点検", "Reports", C.reports_read),
    ("/policy", "ポリシー", "Policy", "officer"),
    ("/staff", "職員", "Staff", "officer"),
)


def allowed(principal: Principal, need: C | str | None) -> bool:
    if need is None:
        return True
    if need == "officer":
        return principal.is_officer
    assert isinstance(need, C)
    return may(principal.role, principal.is_officer, need)


def core_of(request: Request) -> Mamori:
    return api_of(request).core


def lang(request: Request) -> Lang:
    return lang_of(request, core_of(request).settings.default_lang)


def render(
    request: Request,
    name: str,
    *,
    principal: Principal | None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    chosen = lang(request)

    def tr(ja: str, en: str) -> str:
        return ja if chosen == "ja" else en

    nav = []
    if principal is not None:
        nav = [
            (f"{CONSOLE}{path}", ja, en) for path, ja, en, need in NAV if allowed(principal, need)
        ]
    return PAGES.render(
        request,
        name,
        lang=chosen,
        status=status,
        tr=tr,
        who=principal,
        nav=nav,
        zone=core_of(request).settings.zone,
        today=core_of(request).today(),
        **values,
    )


def redirect(request: Request, path: str) -> RedirectResponse:
    """303 to ``path`` in the page's language."""
    path, hash_, fragment = path.partition("#")
    sep = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{sep}lang={lang(request)}{hash_}{fragment}", status_code=303)


def _error_page(request: Request, status: int, code: str, ja: str, en: str) -> Response:
    htmx = request.headers.get("hx-request") == "true"
    if request.method == "GET" and not htmx:
        if status == 401:
            target = quote(request.url.path, safe="/")
            return redirect(request, f"{CONSOLE}/login?next={target}")
        if code == "password_change_required":
            return redirect(request, f"{CONSOLE}/password")
    who = getattr(request.state, "console_principal", None)
    return render(
        request,
        "console/error.html.j2",
        principal=who,
        status=status,
        http_status=status,
        code=code,
        ja=ja,
        en=en,
    )


Route = html_route(_error_page)

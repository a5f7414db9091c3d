"""FastAPI application: the published policy, its history, and the public matters page.

Pages come from the version *in force* (published, effective date reached), never from
the file on disk: what a person reads is what was published.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from mamori import __version__
from mamori.api import install_api
from mamori.core import Mamori
from mamori.policy.render import policy_document, public_matters_document, render_html
from mamori.policy.versions import PolicyVersion
from mamori.web import center, console

__all__ = ["create_app", "create_app_from_env"]

Lang = Literal["ja", "en"]
LangQuery = Annotated[Lang | None, Query(description="ja (default) or en")]

_TITLES = {
    "ja": {
        "policy": "プライバシーポリシー",
        "matters": "保有個人データに関する事項の公表",
        "history": "改定履歴",
        "none": "公表されたプライバシーポリシーはまだありません。",
    },
    "en": {
        "policy": "Privacy policy",
        "matters": "Public matters on retained personal data",
        "history": "Version history",
        "none": "No privacy policy has been published yet.",
    },
}


def create_app(core: Mamori) -> FastAPI:
    """Build the app around one :class:`Mamori`; the caller owns (and closes) the core."""
    app = FastAPI(title="mamori", version=__version__, docs_url=None, redoc_url=None)
    install_api(app, core)
    app.mount("/static", StaticFiles(packages=[("mamori.web", "static")]), name="static")
    center.install(app)
    console.install(app)
    env = Environment(
        loader=PackageLoader("mamori.web", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    templates = Jinja2Templates(env=env)
    default_lang: Lang = core.settings.default_lang

    def page(
        request: Request, name: str, lang: Lang, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            name,
            {"lang": lang, "t": _TITLES[lang], "path": request.url.path, **ctx},
            status_code=status,
        )

    rendered: dict[tuple[int, str, str], tuple[str, str]] = {}

    def in_force() -> PolicyVersion | None:
        return core.versions.in_force(core.today())

    def document_page(
        request: Request, lang: Lang, version: PolicyVersion | None, kind: str
    ) -> HTMLResponse:
        if version is None:
            return page(request, "empty.html.j2", lang, status=404)
        key = (version.number, kind, lang)  # a published version never changes
        found = rendered.get(key)
        if found is None:
            if kind == "policy":
                doc = policy_document(version.policy, lang, effective=version.effective_on)
            else:
                doc = public_matters_document(version.policy, lang)
            found = rendered[key] = (doc.title, render_html(doc, standalone=False))
        title, body = found
        return page(request, "document.html.j2", lang, title=title, body=body, version=version)

    @app.get("/", include_in_schema=False)
    async def index() -> RedirectResponse:
        return RedirectResponse("/policy", status_code=307)

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/policy", response_class=HTMLResponse, tags=["pages"])
    def policy_page(request: Request, lang: LangQuery = None) -> HTMLResponse:
        return document_page(request, lang or default_lang, in_force(), "policy")

    @app.get("/policy/history", response_class=HTMLResponse, tags=["pages"])
    def history_page(request: Request, lang: LangQuery = None) -> HTMLResponse:
        lang = lang or default_lang
        versions = list(reversed(core.versions.history()))
        current = in_force()
        announced = core.announcements.list()
        return page(
            request,
            "history.html.j2",
            lang,
            versions=versions,
            current=current,
            announcements=announced,
        )

    @app.get("/policy/{ref}", response_class=HTMLResponse, tags=["pages"])
    def version_page(request: Request, ref: str, lang: LangQuery = None) -> HTMLResponse:
        return document_page(request, lang or default_lang, core.versions.get(ref), "policy")

    @app.get("/public-matters", response_class=HTMLResponse, tags=["pages"])
    def matters_page(request: Request, lang: LangQuery = None) -> HTMLResponse:
        return document_page(request, lang or default_lang, in_force(), "public_matters")

    return app


def create_app_from_env() -> FastAPI:
    """The app over a core opened from the settings the environment names: the factory
    each worker process of ``mamori serve --workers N`` calls (``uvicorn --factory``).
    The core lives as long as the process."""
    from mamori.settings import Settings

    return create_app(Mamori.open(Settings.load()))

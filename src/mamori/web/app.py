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

    # A published version never changes: its pages are rendered once per kind, language
    # and path, and served from memory afterwards.
    rendered: dict[tuple[int, str, str, str], str] = {}

    def in_force() -> PolicyVersion | None:
        return core.in_force()

    def document_html(lang: Lang, version: PolicyVersion, kind: str, path: str) -> str:
        key = (version.number, kind, lang, path)
        found = rendered.get(key)
        if found is None:
            if kind == "policy":
                doc = policy_document(version.policy, lang, effective=version.effective_on)
            else:
                doc = public_matters_document(version.policy, lang)
            found = rendered[key] = env.get_template("document.html.j2").render(
                lang=lang,
                t=_TITLES[lang],
                path=path,
                title=doc.title,
                body=render_html(doc, standalone=False),
                version=version,
            )
        return found

    def document_page(
        request: Request, lang: Lang, version: PolicyVersion | None, kind: str
    ) -> HTMLResponse:
        if version is None:
            return page(request, "empty.html.j2", lang, status=404)
        return HTMLResponse(document_html(lang, version, kind, request.url.path))

    @app.get("/", include_in_schema=False)
    async def index() -> RedirectResponse:
        return RedirectResponse("/policy", status_code=307)

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    # The pages of the version in force are async: served from memory, they need no thread
    # (the version in force is itself cached by the core and looked up at most once a second).
    @app.get("/policy", response_class=HTMLResponse, tags=["pages"])
    async def policy_page(request: Request, lang: LangQuery = None) -> HTMLResponse:
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

    @app.get("/public-matters", response_class=HTMLResponse, tags=["pages"])
    async def matters_page(request: Request, lang: LangQuery = None) -> HTMLResponse:
        return document_page(request, lang or default_lang, in_force(), "public_matters")

    # Routes are matched in the order they were added: the public pages above come first
    # (the most requested), then the API, the privacy center and the console.
    install_api(app, core)
    app.mount("/static", StaticFiles(packages=[("mamori.web", "static")]), name="static")
    center.install(app)
    console.install(app)

    @app.get("/policy/{ref}", response_class=HTMLResponse, tags=["pages"])
    def version_page(request: Request, ref: str, lang: LangQuery = None) -> HTMLResponse:
        return document_page(request, lang or default_lang, core.versions.get(ref), "policy")

    return app


def create_app_from_env() -> FastAPI:
    """The app over a core opened from the settings the environment names: the factory
    each worker process of ``mamori serve --workers N`` calls (``uvicorn --factory``).
    The core lives as long as the process."""
    from mamori.settings import Settings

    return create_app(Mamori.open(Settings.load()))

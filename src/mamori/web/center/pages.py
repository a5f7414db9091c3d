"""How the privacy center renders: its page environment, its error page, its route
class, and the labels of request kinds and states in both languages."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from mamori.core import Mamori
from mamori.web.forms import Lang, Pages, api_of, html_route, lang_of

__all__ = ["KIND_LABELS", "STATE_LABELS", "Route", "core_of", "lang", "redirect", "render"]

PAGES = Pages("mamori.web.center")

KIND_LABELS: dict[str, tuple[str, str, str, str]] = {
    # kind: (ja title, en title, ja summary, en summary)
    "disclosure": (
        "開示の請求",
        "Disclosure",
        "当社が保有するあなたの個人データの開示を求めます（法第33条）。",
        "Ask for a copy of the personal data we hold about you (Art. 33).",
    ),
    "purpose_notice": (
        "利用目的の通知の求め",
        "Notice of purposes",
        "あなたの個人データの利用目的の通知を求めます（法第32条第2項）。",
        "Ask us to tell you the purposes we use your personal data for (Art. 32(2)).",
    ),
    "provision_records": (
        "第三者提供記録の開示の請求",
        "Records of provision",
        "第三者提供に係る記録の開示を求めます（法第33条第5項）。",
        "Ask for the records of our provision of your data to others (Art. 33(5)).",
    ),
    "correction": (
        "訂正等の請求",
        "Correction",
        "内容が事実でない個人データの訂正、追加又は削除を求めます（法第34条）。",
        "Ask us to correct, add to or delete data that is not true (Art. 34).",
    ),
    "suspension": (
        "利用停止等の請求",
        "Suspension of use",
        "個人データの利用の停止又は消去を求めます（法第35条第1項）。",
        "Ask us to stop using your personal data (Art. 35(1)).",
    ),
    "erasure": (
        "消去の請求",
        "Erasure",
        "個人データの消去を求めます（法第35条第1項）。",
        "Ask us to erase your personal data (Art. 35(1)).",
    ),
    "stop_provision": (
        "第三者提供の停止の請求",
        "Stop provision",
        "個人データの第三者への提供の停止を求めます（法第35条第3項）。",
        "Ask us to stop giving your personal data to others (Art. 35(3)).",
    ),
}

STATE_LABELS: dict[str, tuple[str, str]] = {
    "received": ("受付済み", "Received"),
    "verifying": ("ご本人確認中", "Verifying who you are"),
    "verified": ("ご本人確認済み", "Verified"),
    "in_progress": ("対応中", "In progress"),
    "completed": ("完了", "Completed"),
    "rejected": ("お応えできませんでした", "Refused"),
    "withdrawn": ("取り下げ済み", "Withdrawn"),
}


def core_of(request: Request) -> Mamori:
    return api_of(request).core


def lang(request: Request) -> Lang:
    return lang_of(request, core_of(request).settings.default_lang)


def render(request: Request, name: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    chosen = lang(request)

    def tr(ja: str, en: str) -> str:
        return ja if chosen == "ja" else en

    return PAGES.render(
        request,
        name,
        lang=chosen,
        status=status,
        tr=tr,
        kinds=KIND_LABELS,
        states=STATE_LABELS,
        zone=core_of(request).settings.zone,
        **values,
    )


def redirect(request: Request, path: str) -> RedirectResponse:
    """303 to ``path`` in the page's language."""
    path, hash_, fragment = path.partition("#")
    sep = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{sep}lang={lang(request)}{hash_}{fragment}", status_code=303)


def _error_page(request: Request, status: int, code: str, ja: str, en: str) -> Response:
    return render(
        request, "center/error.html.j2", status=status, http_status=status, code=code, ja=ja, en=en
    )


Route = html_route(_error_page)

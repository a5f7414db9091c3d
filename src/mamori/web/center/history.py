"""``/policy/history/diff``: what changed between two published versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from mamori.web.center.compare import compare
from mamori.web.center.pages import Route, core_of, lang, render
from mamori.web.forms import PageError

__all__ = ["router"]

router = APIRouter(route_class=Route, tags=["pages"])

VersionRef = Annotated[str | None, Query(pattern=r"^v?[0-9]{1,9}$", max_length=10)]


@router.get("/policy/history/diff", response_class=HTMLResponse)
def version_diff(
    request: Request,
    old: Annotated[VersionRef, Query(alias="from")] = None,
    new: Annotated[VersionRef, Query(alias="to")] = None,
) -> HTMLResponse:
    """The differences between two versions (default: the newest and the one before)."""
    versions = core_of(request).versions
    history = versions.history()
    if len(history) < 2 and (old is None or new is None):
        raise PageError(
            404,
            "not_found",
            "比較できる版がまだありません。",
            "There is no earlier version to compare with yet.",
        )
    after = versions.get(new) if new is not None else history[-1]
    if old is not None:
        before = versions.get(old)
    else:
        earlier = [v for v in history if v.number < after.number]
        if not earlier:
            raise PageError(
                404, "not_found", "これより前の版はありません。", "This is the first version."
            )
        before = earlier[-1]
    result = compare(before, after, lang(request))
    return render(request, "center/diff.html.j2", result=result, history=history)

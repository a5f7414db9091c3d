"""``/console/policy`` (the officer only): the published versions, the differences
between two of them or between the configured file and the newest version, and the
publication of the file with its effective date."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from mamori.policy.versions import PolicyVersion, content_hash
from mamori.web.center.compare import compare
from mamori.web.console.auth import Csrf, Officer
from mamori.web.console.pages import CONSOLE, Route, core_of, lang, redirect, render
from mamori.web.forms import api_of, check_form

__all__ = ["router"]

router = APIRouter(prefix=f"{CONSOLE}/policy", route_class=Route, include_in_schema=False)

VersionRef = Annotated[str | None, Query(pattern=r"^v?[0-9]{1,9}$", max_length=10)]


@router.get("", response_class=HTMLResponse)
def policy_page(
    request: Request,
    who: Officer,
    old: Annotated[VersionRef, Query(alias="from")] = None,
    new: Annotated[VersionRef, Query(alias="to")] = None,
) -> HTMLResponse:
    core = core_of(request)
    history = core.versions.history()
    latest = history[-1] if history else None
    loaded = core.load_policy()
    pending = latest is None or content_hash(loaded.policy) != latest.content_hash
    result = None
    if old is not None and new is not None:
        result = compare(core.versions.get(old), core.versions.get(new), lang(request))
    draft = None
    if pending and latest is not None:
        candidate = PolicyVersion(
            number=latest.number + 1,
            content_hash=content_hash(loaded.policy),
            effective_on=core.today(),
            published_at=core.clock.now(),
            source_name=loaded.file,
            source=loaded.source,
        )
        draft = compare(latest, candidate, lang(request))
    return render(
        request,
        "console/policy.html.j2",
        principal=who,
        history=list(reversed(history)),
        current=core.versions.in_force(core.today()),
        file=str(loaded.file),
        warnings=loaded.warnings,
        pending=pending,
        draft=draft,
        result=result,
        done=request.query_params.get("done"),
    )


@router.post("/publish")
def publish(
    request: Request,
    who: Officer,
    csrf: Csrf,
    effective: Annotated[dt.date, Form()],
) -> Response:
    """Publish the configured policy file as a new version from ``effective``."""
    check_form(request, csrf)
    core = api_of(request).writing()
    result = core.publish(core.load_policy(), effective=effective, actor=who.actor_id)
    return redirect(request, f"{CONSOLE}/policy?done={result.version.label}")

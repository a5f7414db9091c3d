"""The HTTP API ``/v1/...``: thin routers over :class:`~mamori.core.Mamori`, staff bearer
tokens with a capability per route, the person's side of the privacy center, one error
shape, security headers, a body size limit and rate limits on public endpoints.

``install_api(app, core)`` adds all of it to a FastAPI app (``mamori.web.create_app``
does); ``authenticate`` replaces ``core.staff.authenticate`` where staff come from
elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from mamori.api import (
    audit,
    consent,
    incidents,
    inquiries,
    jobs,
    oversight,
    policy,
    privacy,
    provision,
    requests,
    scans,
    subjects,
    suspensions,
)
from mamori.api.auth import document_bearer
from mamori.api.context import ApiContext, StaffPrincipal
from mamori.api.docs import install_docs
from mamori.api.errors import install_error_handlers
from mamori.api.guard import Guard
from mamori.api.permissions import ROLE_CAPABILITIES, Capability
from mamori.api.person import PersonSessions
from mamori.api.ratelimit import TokenBuckets
from mamori.core import Mamori

__all__ = ["ROLE_CAPABILITIES", "Capability", "StaffPrincipal", "install_api"]

ROUTERS = (
    policy, subjects, consent, suspensions, requests, provision, audit, jobs,
    incidents, inquiries, oversight, scans, privacy,
)  # fmt: skip


def _by_token(core: Mamori) -> Callable[[str], StaffPrincipal]:
    """``core.staff.authenticate``, looked up on first use (it opens the keyring)."""

    def authenticate(secret: str) -> StaffPrincipal:
        return core.staff.authenticate(secret)

    return authenticate


def install_api(
    app: FastAPI,
    core: Mamori,
    *,
    authenticate: Callable[[str], StaffPrincipal] | None = None,
) -> None:
    """Add the API's routers, error mapper, docs and guard to ``app``."""
    settings = core.settings

    app.state.mamori_api = ApiContext(
        core=core,
        authenticate=authenticate or _by_token(core),
        buckets=TokenBuckets(settings.api_rate_per_minute, settings.api_rate_burst),
        sessions=PersonSessions(lambda: core.keys, core.clock, settings.person_session_minutes),
    )
    install_error_handlers(app)
    for module in ROUTERS:
        app.include_router(module.router)
    document_bearer(app, (route for module in ROUTERS for route in module.router.routes))
    install_docs(app)
    app.add_middleware(Guard, body_limit=settings.api_body_limit)

"""The staff console (``/console``): what is due, the persons' requests, subject look-ups
through the access decision, consent and suspensions, incidents and alerts, inquiries,
provision records, the audit log, reports, and the policy's versions. Plain server-rendered
pages with htmx for small swaps; no inline script.

``install(app)`` adds its routes to an app that already has the API installed; the console
uses the API's capability table, CSRF derivation and rate limits.
"""

from __future__ import annotations

from fastapi import FastAPI

from mamori.web.console import (
    audit,
    auth,
    dashboard,
    incidents,
    inquiries,
    policy,
    records,
    reports,
    requests,
    subjects,
)

__all__ = ["install"]

ROUTERS = (
    auth,
    dashboard,
    requests,
    subjects,
    incidents,
    inquiries,
    records,
    audit,
    reports,
    policy,
)


def install(app: FastAPI) -> None:
    for module in ROUTERS:
        app.include_router(module.router)

"""The staff console (``/console``): what is due, the persons' requests, subject look-ups
through the access decision, consent and suspensions, incidents (registered, classified,
reported, notified and closed) and alerts, inquiries, provision records, discovery scans,
retention, the audit log, reports, the policy's versions, and the staff accounts and
their API tokens. Plain server-rendered
pages with htmx for small swaps; no inline script.

``install(app)`` adds its routes to an app that already has the API installed; the console
uses the API's capability table, CSRF derivation and rate limits.
"""

from __future__ import annotations

from fastapi import FastAPI

from mamori.web.console import (
    alerts,
    audit,
    auth,
    dashboard,
    incident_forms,
    incidents,
    inquiries,
    policy,
    records,
    reports,
    requests,
    retention,
    scans,
    staff,
    subjects,
)

__all__ = ["install"]

ROUTERS = (
    auth,
    dashboard,
    requests,
    subjects,
    incident_forms,  # before incidents: /incidents/new is not an incident id
    incidents,
    alerts,
    inquiries,
    records,
    scans,
    retention,
    audit,
    reports,
    policy,
    staff,
)


def install(app: FastAPI) -> None:
    for module in ROUTERS:
        app.include_router(module.router)

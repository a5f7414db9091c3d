"""The privacy center (policy §7-9): the persons whose data mamori holds read the policy
and its changes, manage their consent, make requests and follow them, and send questions
and complaints. Japanese first, English with ``?lang=en``.

``install(app)`` adds its routes to an app that already has the API installed
(:func:`mamori.api.install_api`), whose person sessions, CSRF derivation and rate limits
the center uses.
"""

from __future__ import annotations

from fastapi import FastAPI

from mamori.web.center import choices, history, inquiry, requests

__all__ = ["install"]


def install(app: FastAPI) -> None:
    for module in (history, choices, requests, inquiry):
        app.include_router(module.router)

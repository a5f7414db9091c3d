"""What every route reaches through ``request.app.state``: the core and the API's own
helpers (staff authentication, rate limits, person sessions)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from mamori.api.person import PersonSessions
from mamori.api.ratelimit import TokenBuckets
from mamori.core import Mamori
from mamori.staff import Principal

StaffPrincipal = Principal  # who a bearer token belongs to

__all__ = ["ApiContext", "Core", "Ctx", "StaffPrincipal", "WritingCore", "api_context", "context"]


@dataclass
class ApiContext:
    core: Mamori
    authenticate: Callable[[str], StaffPrincipal]
    buckets: TokenBuckets
    sessions: PersonSessions
    _keys_ready: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def writing(self) -> Mamori:
        """The core, with its service keys made first (once): on SQLite a key made on
        first use inside a write transaction would wait on that transaction's lock."""
        if not self._keys_ready:
            with self._lock:
                if not self._keys_ready:
                    self.core.keys.ensure_service_keys()
                    self._keys_ready = True
        return self.core


def api_context(request: Request) -> ApiContext:
    found: ApiContext = request.app.state.mamori_api
    return found


# The dependencies are coroutines: FastAPI would run plain functions in its thread pool,
# one hand-off per dependency per request.
async def context(request: Request) -> ApiContext:
    return api_context(request)


async def _core(request: Request) -> Mamori:
    return api_context(request).core


async def _writing(request: Request) -> Mamori:
    return api_context(request).writing()


Ctx = Annotated[ApiContext, Depends(context)]
Core = Annotated[Mamori, Depends(_core)]
WritingCore = Annotated[Mamori, Depends(_writing)]

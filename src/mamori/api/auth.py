"""Staff authentication: ``Authorization: Bearer <token>``, checked by ``core.staff``;
then the route's capability for the token's role (:mod:`mamori.api.permissions`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mamori.access import Actor
from mamori.api.context import StaffPrincipal, api_context
from mamori.api.permissions import Capability, may
from mamori.errors import Forbidden, Unauthenticated

__all__ = ["actor_id", "actor_of", "staff"]

_bearer = HTTPBearer(auto_error=False, description="A staff API token (mamori staff tokens)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def actor_id(principal: StaffPrincipal) -> str:
    """How staff appear in audit entries and request events."""
    return principal.actor_id


def actor_of(principal: StaffPrincipal) -> Actor:
    """The actor of the access decision: the member of staff in their policy role."""
    return principal.actor()


def staff(capability: Capability) -> Any:
    """A dependency giving the authenticated staff principal allowed ``capability``:
    401 without a valid token, 403 when the role may not call the route."""

    async def authenticated(request: Request, credentials: Credentials) -> StaffPrincipal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated("a staff token is required: Authorization: Bearer <token>")
        principal = api_context(request).authenticate(credentials.credentials)
        if not may(principal.role, principal.is_officer, capability):
            raise Forbidden(f"role '{principal.role}' may not call this ({capability.value})")
        return principal

    authenticated.capability = capability  # type: ignore[attr-defined]  # for listings
    return Depends(authenticated)


def capability_of(call: Any) -> Capability | None:
    """The capability a dependency made by :func:`staff` requires (None for others)."""
    found = getattr(call, "capability", None)
    return found if isinstance(found, Capability) else None

"""Staff authentication: ``Authorization: Bearer <token>``, checked by ``core.staff``;
then the route's capability for the token's role (:mod:`mamori.api.permissions`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute

from mamori.access import Actor
from mamori.api.context import StaffPrincipal, api_context
from mamori.api.permissions import Capability, may
from mamori.errors import Forbidden, Unauthenticated

__all__ = ["actor_id", "actor_of", "document_bearer", "route_capability", "staff"]

#: The OpenAPI security scheme of staff routes (declared by :func:`document_bearer`: the
#: header is read by the dependency itself, one dependency fewer on every call).
BEARER = "StaffToken"


def actor_id(principal: StaffPrincipal) -> str:
    """How staff appear in audit entries and request events."""
    return principal.actor_id


def actor_of(principal: StaffPrincipal) -> Actor:
    """The actor of the access decision: the member of staff in their policy role."""
    return principal.actor()


def staff(capability: Capability) -> Any:
    """A dependency giving the authenticated staff principal allowed ``capability``:
    401 without a valid token, 403 when the role may not call the route."""

    async def authenticated(request: Request) -> StaffPrincipal:
        # The token is read here rather than through FastAPI's HTTPBearer dependency: one
        # dependency fewer to solve on every staff call; document_bearer declares it.
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("a staff token is required: Authorization: Bearer <token>")
        principal = api_context(request).authenticate(token.strip())
        if not may(principal.role, principal.is_officer, capability):
            raise Forbidden(f"role '{principal.role}' may not call this ({capability.value})")
        return principal

    authenticated.capability = capability  # type: ignore[attr-defined]  # for listings
    return Depends(authenticated)


def capability_of(call: Any) -> Capability | None:
    """The capability a dependency made by :func:`staff` requires (None for others)."""
    found = getattr(call, "capability", None)
    return found if isinstance(found, Capability) else None


def route_capability(route: APIRoute) -> Capability | None:
    """The capability a route requires (None for routes without a staff token)."""

    def walk(dependant: Any) -> Capability | None:
        for sub in dependant.dependencies:
            found = capability_of(sub.call) or walk(sub)
            if found is not None:
                return found
        return None

    return walk(route.dependant)


def document_bearer(app: FastAPI, routes: Iterable[Any]) -> None:
    """Declare the bearer token in the OpenAPI description, on every staff route among
    ``routes`` (the routers' own routes: included routers keep theirs)."""
    build = app.openapi
    staff_routes = [r for r in routes if isinstance(r, APIRoute) and route_capability(r)]

    def openapi() -> dict[str, Any]:
        schema = build()  # built once and kept by FastAPI; marked below once
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        if BEARER in schemes:
            return schema
        schemes[BEARER] = {
            "type": "http",
            "scheme": "bearer",
            "description": "A staff API token (`mamori tokens issue`)",
        }
        paths = schema.get("paths", {})
        for route in staff_routes:
            for method in route.methods or ():
                operation = paths.get(route.path_format, {}).get(method.lower())
                if operation is not None:
                    operation["security"] = [{BEARER: []}]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

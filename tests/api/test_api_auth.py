"""Every staff route answers 401 without a valid token and 403 to each policy role the
capability table does not allow; the roles it allows get past the check."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from tests.api.conftest import ROLES, bearer

from mamori.api.auth import route_capability
from mamori.api.permissions import Capability, capabilities
from mamori.core import Mamori

_SAMPLE = {"subject": "s_none", "request_id": "rq_none", "record": "cr_none", "seq": "1",
           "job_id": "1", "record_id": "pr_none", "ref": "v1", "scan_id": "sc_none",
           "dataset": "none", "kind": "preliminary"}  # fmt: skip


def staff_routes() -> list[tuple[str, str, Capability]]:
    """(method, path, capability) of every route that needs a staff token."""
    from mamori.api import ROUTERS

    out = []
    for module in ROUTERS:
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            capability = route_capability(route)
            if capability is None:
                continue
            for method in sorted(route.methods):
                out.append((method, route.path, capability))
    return out


ROUTES = staff_routes()


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    url = re.sub(r"\{(\w+)\}", lambda m: _SAMPLE[m.group(1)], path)
    body = {} if method in ("POST", "PATCH", "PUT") else None
    return client.request(method, url, json=body, headers=headers)


def test_the_table_covers_the_api() -> None:
    assert len(ROUTES) >= 40
    assert {c for _, _, c in ROUTES} >= {
        Capability.decide,
        Capability.requests_decide,
        Capability.audit_verify,
        Capability.provision,
    }


def test_the_openapi_description_declares_the_token_on_every_staff_route(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["StaffToken"]["scheme"] == "bearer"
    for method, path, _ in ROUTES:
        assert schema["paths"][path][method.lower()]["security"] == [{"StaffToken": []}], path
    public = schema["paths"]["/v1/privacy/requests"]["post"]
    assert "security" not in public


def test_no_token_or_a_wrong_one_is_401(client: TestClient) -> None:
    for method, path, _ in ROUTES:
        for headers in ({}, bearer("mst_not-a-token"), {"Authorization": "Basic eDp5"}):
            response = _call(client, method, path, headers)
            assert response.status_code == 401, (path, headers, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_role_is_refused_what_its_capabilities_do_not_include(
    core: Mamori, client: TestClient, tokens: dict[str, str]
) -> None:
    checked = 0
    for method, path, capability in ROUTES:
        for role in ROLES:
            allowed = capability in capabilities(role, core.access().policy.roles[role].officer)
            response = _call(client, method, path, bearer(tokens[role]))
            if allowed:
                assert response.status_code not in (401, 403), (role, path, response.text)
            else:
                assert response.status_code == 403, (role, path, response.text)
                assert response.json()["error"]["code"] == "forbidden"
            checked += 1
    assert checked == len(ROUTES) * len(ROLES)


def test_the_table_reads_like_the_policy(core: Mamori) -> None:
    officer = core.access().policy.roles["officer"].officer
    assert officer and capabilities("officer", officer) == frozenset(Capability)
    assert Capability.decide in capabilities("marketing", False)
    assert Capability.subjects_read not in capabilities("marketing", False)
    assert Capability.requests_handle in capabilities("support", False)
    assert Capability.requests_decide not in capabilities("support", False)
    assert Capability.audit_verify in capabilities("engineer", False)
    assert capabilities("nobody", False) == frozenset()

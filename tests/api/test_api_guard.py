"""One error shape for every failure, security headers on every response, the body size
limit, and the docs served without a CDN."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import bearer

from mamori.api.errors import InvalidInput, RateLimited, status_of
from mamori.audit import AuditChainBroken
from mamori.core import Mamori
from mamori.errors import (
    AccessDenied,
    CollectRefused,
    ConfigError,
    Conflict,
    Forbidden,
    MamoriError,
    NoPolicyInForce,
    NotFound,
    PolicyFileError,
    StoreError,
    SubjectNotFound,
    Unauthenticated,
)
from mamori.requests import RequestRefused
from mamori.staff import StaffRefused
from mamori.web import create_app


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Unauthenticated("no"), 401),
        (Forbidden("no"), 403),
        (AccessDenied(("role_lacks_item",)), 403),
        (NotFound("x"), 404),
        (SubjectNotFound("x"), 404),
        (Conflict("x"), 409),
        (NoPolicyInForce("x"), 409),
        (AuditChainBroken("x", 3), 409),
        (CollectRefused({"email": "invalid"}), 422),
        (RequestRefused({"kind": "kind_unknown"}), 422),
        (StaffRefused({"username": "invalid"}), 422),
        (PolicyFileError([], "unreadable"), 422),
        (InvalidInput("since: out of range"), 422),
        (RateLimited(3), 429),
        (StoreError("down"), 503),
        (ConfigError("bad"), 500),
        (MamoriError("other"), 409),
    ],
)
def test_each_error_class_has_its_status(error: MamoriError, status: int) -> None:
    assert status_of(error) == status


def test_errors_over_http_have_one_shape(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer = bearer(tokens["officer"])
    cases = [
        (client.get("/v1/policy/versions/v9"), 404, "policy_version_not_found"),
        (client.get("/v1/requests/rq_missing", headers=officer), 404, "not_found"),
        (client.get("/v1/nothing-here"), 404, "not_found"),
        (client.delete("/v1/policy/versions"), 405, "method_not_allowed"),
        (client.post("/v1/requests/rq_x/approve", headers=officer), 404, "not_found"),
        (client.get(f"/v1/subjects/{hanako}", headers=officer), 422, "bad_request"),
        (client.post("/v1/subjects", content=b"{not json", headers=officer), 422, "bad_request"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"error"}
        assert body["error"]["code"] == code
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    missing = client.get(f"/v1/subjects/{hanako}", headers=officer).json()["error"]
    assert "purpose" in missing["message"] and missing["fields"] == ["query.purpose"]


def test_an_unexpected_error_is_500_without_detail(
    core: Mamori, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(core)

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret detail hanako@example.jp")

    with TestClient(app) as client, caplog.at_level(logging.ERROR, "mamori.api"):
        response = client.get("/v1/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal", "message": "an unexpected error occurred; it was logged"}
    }
    assert "hanako" not in response.text and "Traceback" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert any("unexpected error" in r.message for r in caplog.records)


def test_security_headers_on_pages_api_and_errors(core: Mamori, client: TestClient) -> None:
    for path in ("/policy", "/v1/policy/versions", "/v1/nothing", "/docs"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in headers  # plain HTTP
    assert client.get("/v1/policy/versions").headers["cache-control"] == "no-store"
    with TestClient(create_app(core), base_url="https://testserver") as tls:
        assert "max-age=" in tls.get("/v1/policy/versions").headers["strict-transport-security"]


def test_bodies_over_the_limit_are_413(client: TestClient, tokens: dict[str, str]) -> None:
    big = {"purpose": "account_admin", "values": {"name": "x" * 5000}}
    response = client.post("/v1/subjects", json=big, headers=bearer(tokens["officer"]))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

    def chunks() -> object:
        for _ in range(10):
            yield b"x" * 1000

    streamed = client.post(
        "/v1/privacy/requests", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


def test_openapi_and_docs_need_no_cdn(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/v1/subjects/{subject}/decision" in schema["paths"]
    assert "StaffToken" in schema["components"]["securitySchemes"]
    page = client.get("/docs")
    assert page.status_code == 200 and "http" not in page.text.replace("http-equiv", "")
    assert client.get("/docs/start.js").status_code == 200
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200

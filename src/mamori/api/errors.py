"""One error mapper: every failure leaves the API as ``{"error": {"code", "message"}}``.

A :class:`~mamori.errors.MamoriError` keeps its stable ``code`` and gets the HTTP status of
its class; a request that does not match the schema is 422 naming the field; anything
unexpected is 500 ``internal`` with no detail (the traceback goes to the log, never to the
client). Messages come from mamori's own errors, which never carry a personal data value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mamori.audit import AuditChainBroken, InvalidAuditEvent, InvalidCheckpoint
from mamori.connectors import ConnectorError
from mamori.discovery.scanners.errors import ScanInputError, ScanSourceError
from mamori.errors import (
    AccessDenied,
    CollectRefused,
    ConfigError,
    Conflict,
    Forbidden,
    MamoriError,
    NotFound,
    PolicyError,
    StoreError,
    Unauthenticated,
)
from mamori.incidents import IncidentRefused
from mamori.keys import DecryptionError, KeyProviderError
from mamori.notify import NotifyError
from mamori.provision import ExportError
from mamori.staff import StaffRefused

__all__ = [
    "DatasetNotConfigured",
    "InvalidInput",
    "RateLimited",
    "error_response",
    "install_error_handlers",
    "status_of",
]

AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="mamori"'}


class RateLimited(MamoriError):
    """Too many requests from one address to a public endpoint (HTTP 429)."""

    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests: try again in {retry_after} s")
        self.retry_after = retry_after


class InvalidInput(MamoriError):
    """A value the schema let through is still unusable (e.g. a time out of range)."""

    code = "bad_request"
    exit_code = 2


class DatasetNotConfigured(MamoriError):
    """A dataset of the data map has no usable URL in the settings (HTTP 422)."""

    code = "dataset_not_configured"
    exit_code = 2


# Most specific first: the first class an error is an instance of gives its status.
_STATUS: tuple[tuple[type[MamoriError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (AccessDenied, 403),
    (RateLimited, 429),
    (NotFound, 404),
    (AuditChainBroken, 409),
    (Conflict, 409),
    (CollectRefused, 422),
    (StaffRefused, 422),
    (IncidentRefused, 422),
    (InvalidInput, 422),
    (DatasetNotConfigured, 422),
    (PolicyError, 422),
    (InvalidAuditEvent, 422),
    (InvalidCheckpoint, 422),
    (ExportError, 422),
    (ScanSourceError, 502),
    (ScanInputError, 422),
    (StoreError, 503),
    (KeyProviderError, 503),
    (DecryptionError, 500),
    (ConfigError, 500),
    (NotifyError, 502),
    (ConnectorError, 502),
)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def status_of(exc: MamoriError) -> int:
    """The HTTP status of a mamori error: by class, else 400 for bad input, 409 otherwise."""
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 400 if exc.exit_code == 2 else 409


def error_response(
    status: int,
    code: str,
    message: str,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message, **(extra or {})}
    return JSONResponse({"error": body}, status_code=status, headers=dict(headers or {}))


def _mamori_body(exc: MamoriError) -> dict[str, Any]:
    body = dict(exc.to_dict())
    if isinstance(exc, AccessDenied):
        body["reasons"] = list(exc.reasons)
    return {k: v for k, v in body.items() if k not in ("code", "message")}


def _headers(exc: MamoriError) -> dict[str, str]:
    if isinstance(exc, Unauthenticated):
        return AUTHENTICATE
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after)}
    return {}


def _api_path(request: Request) -> bool:
    return request.url.path.startswith("/v1/")


def install_error_handlers(app: FastAPI) -> None:
    """Map mamori errors, schema mismatches and HTTP errors to the one error shape."""

    @app.exception_handler(MamoriError)
    async def _mamori(_: Request, exc: MamoriError) -> JSONResponse:
        return error_response(
            status_of(exc), exc.code, exc.message, _mamori_body(exc), _headers(exc)
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        field = ".".join(str(p) for p in first.get("loc", ()))
        message = f"{field}: {first.get('msg', 'invalid request')}"
        fields = sorted({".".join(str(p) for p in e.get("loc", ())) for e in errors})
        # The published pages answered 400 before the API existed; the API answers 422.
        status = 422 if _api_path(request) else 400
        return error_response(status, "bad_request", message, {"fields": fields})

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

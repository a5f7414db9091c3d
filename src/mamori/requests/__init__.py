"""Requests of the person (Art. 32-39): received, verified (Art. 37), tracked to their
target date, and fulfilled in the vault and every system of the data map."""

from mamori.requests.fulfil import Fulfiller, identities_of
from mamori.requests.model import (
    OPEN,
    Channel,
    RejectCode,
    Request,
    RequestEvent,
    RequestKind,
    RequestState,
    Submitted,
)
from mamori.requests.package import build_package
from mamori.requests.registry import CODE_ATTEMPTS, CODE_MINUTES, RequestDesk, RequestRefused

__all__ = [
    "CODE_ATTEMPTS",
    "CODE_MINUTES",
    "OPEN",
    "Channel",
    "Fulfiller",
    "RejectCode",
    "Request",
    "RequestDesk",
    "RequestEvent",
    "RequestKind",
    "RequestRefused",
    "RequestState",
    "Submitted",
    "build_package",
    "identities_of",
]

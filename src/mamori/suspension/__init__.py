"""Suspension of use (利用停止, Art. 35): per subject, for one purpose, for all use, or for
third-party provision; every access decision reads the subject's active scopes."""

from mamori.suspension.registry import (
    Scope,
    Suspension,
    SuspensionEvent,
    SuspensionReason,
    Suspensions,
    parse_scope,
)

__all__ = [
    "Scope",
    "Suspension",
    "SuspensionEvent",
    "SuspensionReason",
    "Suspensions",
    "parse_scope",
]

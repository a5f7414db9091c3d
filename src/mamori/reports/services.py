"""Sections whose figures come from other registers' own ``summary(since, until)``:
incidents, alerts, inquiries and retention. Each returns a JSON-able dict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mamori.reports.period import Period

if TYPE_CHECKING:
    from mamori.core import Mamori

__all__ = ["SERVICES", "service_section"]

SERVICES = ("incidents", "alerts", "inquiries", "retention")


def service_section(core: Mamori, name: str, period: Period) -> dict[str, Any]:
    """``{"available": true, ...the service's summary}``, or ``{"available": false}`` when
    this core has no such service."""
    service = getattr(core, name, None)
    if service is None:
        return {"available": False}
    summary = service.summary(period.start, period.end)
    return {"available": True, **dict(summary)}

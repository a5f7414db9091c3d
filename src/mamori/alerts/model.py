"""An alert to the officer, what a detector found, and the detectors' thresholds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Alert", "Finding", "Thresholds"]


@dataclass(frozen=True)
class Alert:
    """Something the officer should look at (policy §5: the reporting line)."""

    id: str
    kind: str
    about: str | None
    summary: str
    detail: Mapping[str, Any]
    actor: str
    subject: str | None
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    incident_id: str | None

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "about": self.about,
            "summary": self.summary,
            "detail": dict(self.detail),
            "actor": self.actor,
            "subject": self.subject,
            "created_at": self.created_at.isoformat(),
            "open": self.open,
            "acknowledged_at": (
                self.acknowledged_at.isoformat() if self.acknowledged_at is not None else None
            ),
            "acknowledged_by": self.acknowledged_by,
            "incident_id": self.incident_id,
        }


@dataclass(frozen=True)
class Finding:
    """A condition a detector found. ``key`` identifies the condition: a finding whose key
    was already raised is not raised again. ``watermark`` is the last audit entry covered."""

    kind: str
    key: str
    about: str | None
    summary: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    watermark: int | None = None


@dataclass(frozen=True)
class Thresholds:
    """When the detectors fire (see the ``alert_*`` settings)."""

    deny_count: int = 5
    deny_window: dt.timedelta = dt.timedelta(minutes=10)
    read_floor: int = 50
    read_factor: int = 5
    baseline_days: int = 30
    kek_days: int = 365

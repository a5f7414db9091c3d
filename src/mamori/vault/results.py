"""What the vault hands back: frozen values, never live rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mamori.access import Decision
from mamori.errors import AccessDenied

__all__ = ["Collected", "Corrected", "Erased", "Refused", "Use"]


@dataclass(frozen=True, slots=True)
class Collected:
    """Values stored for a subject; ``created`` when the subject is new."""

    subject: str
    created: bool
    items: tuple[str, ...]
    versions: Mapping[str, int]
    index: int = 0  # the row's position in a batch

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "created": self.created,
            "items": list(self.items),
            "versions": dict(self.versions),
        }


@dataclass(frozen=True, slots=True)
class Refused:
    """A row of a batch that was not stored; ``problems`` maps item -> reason code."""

    index: int
    problems: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "problems": dict(self.problems)}


@dataclass(frozen=True, slots=True)
class Use:
    """The decision on a use and, only when it allowed the use, the values."""

    decision: Decision
    _values: Mapping[str, str] | None = field(default=None, repr=False)

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    @property
    def values(self) -> Mapping[str, str]:
        """The values asked for that the subject has. Reading them after a deny is an error."""
        if self._values is None:
            raise AccessDenied(self.decision.reasons)
        return self._values

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"decision": self.decision.to_dict()}
        if self._values is not None:
            out["values"] = dict(self._values)
        return out


@dataclass(frozen=True, slots=True)
class Corrected:
    subject: str
    items: tuple[str, ...]
    versions: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "items": list(self.items), "versions": dict(self.versions)}


@dataclass(frozen=True, slots=True)
class Erased:
    """A subject erased by destroying its data key; the disposal record stays."""

    subject: str
    items: tuple[str, ...]
    disposal_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "items": list(self.items), "disposal": self.disposal_id}

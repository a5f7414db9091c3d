"""The error of the incident register: what was wrong, field by field."""

from __future__ import annotations

from collections.abc import Mapping

from mamori.errors import MamoriError

__all__ = ["IncidentRefused"]


class IncidentRefused(MamoriError):
    """An incident (or an alert) was not recorded as given; ``problems`` maps each field
    to what is wrong with it. Nothing was written."""

    code = "incident_refused"
    exit_code = 2

    def __init__(self, problems: Mapping[str, str], message: str | None = None) -> None:
        self.problems = dict(problems)
        detail = "; ".join(f"{field}: {reason}" for field, reason in self.problems.items())
        super().__init__(message or f"not recorded ({detail})")

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "problems": self.problems}

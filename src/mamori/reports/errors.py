"""The errors of the self-inspection report."""

from __future__ import annotations

from mamori.errors import MamoriError

__all__ = ["InvalidPeriod", "InvalidReport"]


class InvalidPeriod(MamoriError):
    """The period asked for is not a range of days (since after until, a bad date)."""

    code = "report_period_invalid"
    exit_code = 2


class InvalidReport(MamoriError):
    """A report file to verify is not a mamori report (not JSON, a field missing)."""

    code = "report_invalid"
    exit_code = 2

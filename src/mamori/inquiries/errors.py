"""The error of the inquiry desk: what was refused, field by field.

In the tree of :mod:`mamori.errors`::

    CollectRefused           collect_refused
    └── InquiryRefused       inquiry_refused
"""

from __future__ import annotations

from collections.abc import Mapping

from mamori.errors import CollectRefused

__all__ = ["InquiryRefused"]


class InquiryRefused(CollectRefused):
    """An inquiry, reply, assignment or closing was not recorded as given.

    ``problems`` maps each field to a reason code (``empty``, ``too_long``, ``kind_unknown``,
    ``subject_unknown``, ...); ``hints`` adds what would be accepted. Nothing was written.
    """

    code = "inquiry_refused"

    def __init__(
        self,
        problems: Mapping[str, str],
        hints: Mapping[str, str] | None = None,
        *,
        action: str = "recorded",
    ) -> None:
        extra = dict(hints or {})
        parts = []
        for field, reason in problems.items():
            hint = extra.get(field)
            parts.append(f"{field}: {reason}" + (f" ({hint})" if hint else ""))
        super().__init__(dict(problems), f"inquiry not {action}: " + "; ".join(parts))

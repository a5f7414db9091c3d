"""How a scan reports its progress: a phase with an optional total, then steps of it.

The scanners call a :class:`Progress`; the CLI gives one that draws a Rich progress bar,
everything else gets :data:`SILENT`.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["SILENT", "Progress"]


class Progress(Protocol):
    def begin(self, label: str, total: int | None) -> None:
        """A phase starts: ``total`` steps (bytes of a file, columns of a database)."""

    def update(self, done: int) -> None:
        """``done`` steps of the current phase are finished."""


class _Silent:
    def begin(self, label: str, total: int | None) -> None:
        return None

    def update(self, done: int) -> None:
        return None


SILENT: Progress = _Silent()

"""Show a found value without showing it: ``090-1234-5678`` → ``0**-****-**78``."""

from __future__ import annotations

__all__ = ["mask"]


def mask(value: str) -> str:
    """Mask ``value`` for display: letters, digits and kana become ``*``.

    Separators (spaces, ``-``, ``@``, ``.``, ``:``, ``/``) stay so the shape is visible. The
    first character stays; the last two stay too when the value has at least eight masked
    characters (enough that two of them do not identify anyone).
    """
    keep = [i for i, c in enumerate(value) if _masked(c)]
    shown = set(keep[:1])
    if len(keep) >= 8:
        shown.update(keep[-2:])
    return "".join(c if (i in shown or not _masked(c)) else "*" for i, c in enumerate(value))


def _masked(c: str) -> bool:
    return c.isalnum() and c not in "ーｰ"

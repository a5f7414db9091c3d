"""Secret-holding objects: a repr that shows only a key id, and no pickling or copying.

Every class that holds key material derives from :class:`Secret`. Its ``repr`` (and so its
``str`` and f-string form) names the key, never the bytes; ``pickle``, ``copy`` and
``deepcopy`` raise :class:`TypeError`, so a key cannot leave the process by accident
(a task queue, a cache, a crash dump of pickled state).
"""

from __future__ import annotations

from typing import NoReturn, SupportsIndex

__all__ = ["Secret", "SecretBytes"]


class Secret:
    """Base of every object holding key material."""

    __slots__ = ()

    def _label(self) -> str:
        """What ``repr`` shows: a key id or a name, never key material."""
        return ""

    def __repr__(self) -> str:
        label = self._label()
        return f"<{type(self).__name__} {label}>" if label else f"<{type(self).__name__}>"

    def _refuse(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} holds key material and cannot be pickled or copied")

    def __reduce__(self) -> NoReturn:
        self._refuse()

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        self._refuse()

    def __getstate__(self) -> NoReturn:
        self._refuse()


class SecretBytes(Secret):
    """Raw key bytes. ``expose()`` is the one, explicit way to read them."""

    __slots__ = ("_value", "key_id")

    def __init__(self, value: bytes, key_id: str = "") -> None:
        self._value = bytes(value)
        self.key_id = key_id

    def _label(self) -> str:
        return self.key_id or f"{len(self._value)} bytes"

    def expose(self) -> bytes:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

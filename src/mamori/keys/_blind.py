"""Blind index: HMAC-SHA256 under a service key, to find a subject by a normalised value."""

from __future__ import annotations

import hmac

from mamori.keys._secret import Secret

__all__ = ["BlindIndex"]


class BlindIndex(Secret):
    """``digest(item, normalised)`` = HMAC-SHA256(key, item + NUL + value): 32 bytes.

    The same value gives the same digest for the same item and key; another item or another
    key gives another digest. Normalising the value (case, width, phone format) is the
    caller's job and must happen before this.
    """

    __slots__ = ("_key", "key_id")

    def __init__(self, key: bytes, key_id: str) -> None:
        if len(key) != 32:
            raise ValueError("a blind index key is 32 bytes")
        self._key = bytes(key)
        self.key_id = key_id

    def _label(self) -> str:
        return f"key_id={self.key_id}"

    def key_bytes(self) -> bytes:
        """The raw key, for a consumer that keys its own HMAC (erasure masks)."""
        return self._key

    def digest(self, item: str, normalised: str) -> bytes:
        if "\x00" in item:
            raise ValueError("an item id cannot contain NUL")
        return hmac.digest(self._key, item.encode() + b"\x00" + normalised.encode(), "sha256")

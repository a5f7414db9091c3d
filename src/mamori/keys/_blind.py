"""Blind index: HMAC-SHA256 under a service key, to find a subject by a normalised value."""

from __future__ import annotations

import hashlib

from mamori.keys._secret import Secret

__all__ = ["BlindIndex"]

_BLOCK = 64  # SHA-256's block size: HMAC pads the key to it
_IPAD = bytes(b ^ 0x36 for b in range(256))  # translation tables: XOR each byte
_OPAD = bytes(b ^ 0x5C for b in range(256))
_MAX_ITEMS = 1_000  # item ids are few; past this many, states are made and not kept


class BlindIndex(Secret):
    """``digest(item, normalised)`` = HMAC-SHA256(key, item + NUL + value): 32 bytes.

    The same value gives the same digest for the same item and key; another item or another
    key gives another digest. Normalising the value (case, width, phone format) is the
    caller's job and must happen before this.

    HMAC is computed from SHA-256 states made once (RFC 2104: the inner state keyed with
    key XOR ipad, then fed ``item + NUL`` per item; the outer state keyed with key XOR
    opad) and copied per digest, which gives the same bytes as ``hmac.digest`` without
    keying HMAC again for every value.
    """

    __slots__ = ("_items", "_key", "_outer", "_start", "key_id")

    def __init__(self, key: bytes, key_id: str) -> None:
        if len(key) != 32:
            raise ValueError("a blind index key is 32 bytes")
        self._key = bytes(key)
        self.key_id = key_id
        block = self._key.ljust(_BLOCK, b"\x00")
        self._start = hashlib.sha256(block.translate(_IPAD))
        self._outer = hashlib.sha256(block.translate(_OPAD))
        self._items: dict[str, hashlib._Hash] = {}

    def _label(self) -> str:
        return f"key_id={self.key_id}"

    def key_bytes(self) -> bytes:
        """The raw key, for a consumer that keys its own HMAC (erasure masks)."""
        return self._key

    def _inner(self, item: str) -> hashlib._Hash:
        """The inner state after ``item + NUL``; never updated once it is kept."""
        state = self._items.get(item)
        if state is None:
            if "\x00" in item:
                raise ValueError("an item id cannot contain NUL")
            state = self._start.copy()
            state.update(item.encode() + b"\x00")
            if len(self._items) < _MAX_ITEMS:
                self._items[item] = state
        return state

    def digest(self, item: str, normalised: str) -> bytes:
        state = self._items.get(item)
        inner = (self._inner(item) if state is None else state).copy()
        inner.update(normalised.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

"""Masks: what ``erase: mask`` writes in place of a value.

A mask is lowercase hex made of two keyed hashes (HMAC-SHA256 under the mask key): a body,
the hash of the value, and a tag, the hash of the body. The body is stable (the same value
gives the same mask, so masked rows can still be counted or joined) and cannot be reversed
without the key; the tag lets a later erasure recognise a mask and leave it alone, which is
what makes erasure idempotent.

A mask is 64 characters, or the column's length when that is shorter (at least 16): the
tag is 16 characters (8 below 48), the body the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import re

__all__ = ["MASK_MAX", "MASK_MIN", "is_mask", "mask_value"]

MASK_MAX = 64
MASK_MIN = 16
_HEX = re.compile(r"^[0-9a-f]+$")


def _tag_length(length: int) -> int:
    return 16 if length >= 48 else 8


def _tag(key: bytes, body: str, length: int) -> str:
    digest = hmac.new(key, b"mamori-mask-tag\x00" + body.encode(), hashlib.sha256)
    return digest.hexdigest()[:length]


def mask_value(key: bytes, value: str, length: int | None = None) -> str:
    """The mask of ``value``, fitting a column of ``length`` characters (None: no limit)."""
    size = MASK_MAX if length is None else min(MASK_MAX, length)
    if size < MASK_MIN:
        raise ValueError(f"a mask needs at least {MASK_MIN} characters, the column has {size}")
    tag = _tag_length(size)
    body = hmac.new(key, b"mamori-mask\x00" + value.encode(), hashlib.sha256).hexdigest()
    body = body[: size - tag]
    return body + _tag(key, body, tag)


def is_mask(key: bytes, value: object) -> bool:
    """True when ``value`` is a mask made with ``key`` (of any length)."""
    if not isinstance(value, str) or not MASK_MIN <= len(value) <= MASK_MAX:
        return False
    if not _HEX.match(value):
        return False
    tag = _tag_length(len(value))
    body, given = value[:-tag], value[-tag:]
    return hmac.compare_digest(_tag(key, body, tag), given)

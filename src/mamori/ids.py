"""Opaque random ids: a short prefix naming the kind of thing, and 80 random bits.

Ids carry no time and no order, so an id never tells when a person registered or which
record came first; 16 lower-case base32 characters are easy to read out and to copy.
"""

from __future__ import annotations

import base64
import secrets

__all__ = ["random_id"]


def random_id(prefix: str) -> str:
    """``prefix`` and 16 base32 characters (80 random bits), e.g. ``rq_4g2...``."""
    return prefix + base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()

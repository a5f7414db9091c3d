"""Blind index: HMAC-SHA256 over item NUL value, deterministic per key."""

from __future__ import annotations

import hashlib
import hmac
import os

import pytest

from mamori.keys import BlindIndex


def test_digest_is_hmac_sha256_of_item_nul_value() -> None:
    key = bytes(range(32))
    expected = hmac.new(key, b"email\x00yamada@example.jp", hashlib.sha256).digest()
    assert BlindIndex(key, "hmac-1").digest("email", "yamada@example.jp") == expected
    assert len(expected) == 32


def test_same_value_same_digest_for_one_key() -> None:
    key = os.urandom(32)
    a, b = BlindIndex(key, "k"), BlindIndex(key, "k")
    assert a.digest("phone", "+819012345678") == b.digest("phone", "+819012345678")


def test_digest_differs_per_item_and_per_key() -> None:
    one, two = BlindIndex(os.urandom(32), "1"), BlindIndex(os.urandom(32), "2")
    assert one.digest("email", "x@example.jp") != one.digest("phone", "x@example.jp")
    assert one.digest("email", "x@example.jp") != two.digest("email", "x@example.jp")
    assert one.digest("email", "x@example.jp") != one.digest("email", "y@example.jp")


def test_item_cannot_contain_nul_and_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="NUL"):
        BlindIndex(os.urandom(32), "k").digest("email\x00x", "y")
    with pytest.raises(ValueError, match="32 bytes"):
        BlindIndex(os.urandom(16), "k")

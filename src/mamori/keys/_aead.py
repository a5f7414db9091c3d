"""AES-256-GCM for values: one :class:`DataKey` per subject, its id in every ciphertext.

Ciphertext format v1::

    0x01 | key id (8) | nonce (12) | ciphertext || tag (16)

The header (version and key id) is authenticated along with the caller's associated data,
which :func:`value_aad` builds from the subject, the item and the value's version, so a
ciphertext moved to another record does not open. Every failure to open is one
:class:`DecryptionError`.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mamori.keys._errors import DecryptionError
from mamori.keys._secret import Secret, SecretBytes

__all__ = ["DataKey", "frame", "generate_many", "new_data_key", "value_aad"]

VERSION = b"\x01"
KEY_BYTES = 32
KEY_ID_BYTES = 8
NONCE_BYTES = 12
TAG_BYTES = 16
_HEADER_BYTES = 1 + KEY_ID_BYTES
_BODY_START = _HEADER_BYTES + NONCE_BYTES
OVERHEAD = _BODY_START + TAG_BYTES
_VALUE = b"mamori:value:v1"
_LENGTH = struct.Struct(">I").pack


def frame(*parts: bytes) -> bytes:
    """Each part prefixed by its length (4 bytes, big-endian): an unambiguous encoding."""
    out = bytearray()
    for part in parts:
        out += _LENGTH(len(part))
        out += part
    return bytes(out)


def value_aad(subject_id: str, item: str, version: int) -> bytes:
    """Associated data binding a value to its subject, item and version (length-prefixed)."""
    try:
        tail = version.to_bytes(8, "big")
    except (OverflowError, AttributeError):
        raise ValueError("version must be an integer from 0 to 2**64 - 1") from None
    return _subject_part(subject_id) + _item_part(item) + tail


def _subject_part(subject_id: str) -> bytes:
    subject = subject_id.encode()
    return _VALUE + _LENGTH(len(subject)) + subject


_items: dict[str, bytes] = {}  # item id -> its framed bytes; item ids are few


def _item_part(item: str) -> bytes:
    part = _items.get(item)
    if part is None:
        name = item.encode()
        part = _LENGTH(len(name)) + name
        if len(_items) < 10_000:
            _items[item] = part
    return part


class DataKey(Secret):
    """One subject's AES-256-GCM key. ``encrypt`` and ``decrypt`` require associated data."""

    __slots__ = ("_aead", "_header")

    def __init__(self, key: bytes | SecretBytes, key_id: bytes) -> None:
        raw = key.expose() if isinstance(key, SecretBytes) else key
        if len(raw) != KEY_BYTES:
            raise ValueError(f"a data key is {KEY_BYTES} bytes")
        if len(key_id) != KEY_ID_BYTES:
            raise ValueError(f"a data key id is {KEY_ID_BYTES} bytes")
        self._header = VERSION + bytes(key_id)
        self._aead = AESGCM(raw)

    @property
    def key_id(self) -> bytes:
        return self._header[1:]

    def _label(self) -> str:
        return f"key_id={self.key_id.hex()}"

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        return self._seal(os.urandom(NONCE_BYTES), plaintext, aad)

    def _seal(self, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt with a chosen nonce: for known-answer tests only, never in production."""
        header = self._header
        return header + nonce + self._aead.encrypt(nonce, plaintext, header + aad)

    def encrypt_values(
        self, subject_id: str, values: Sequence[tuple[str, int, bytes]]
    ) -> list[bytes]:
        """Encrypt a subject's values, each given as (item, version, plaintext): the same
        as :meth:`encrypt` with :func:`value_aad` per value, the subject's part of the
        associated data built once and the nonces drawn in one call."""
        header = self._header
        bound = header + _subject_part(subject_id)
        seal = self._aead.encrypt
        tails = _tails
        nonces = os.urandom(NONCE_BYTES * len(values))
        out: list[bytes] = []
        add = out.append
        at = 0
        for item, version, plaintext in values:
            tail = tails.get((item, version))
            if tail is None:
                tail = _tail(item, version)
            nonce = nonces[at : at + NONCE_BYTES]
            at += NONCE_BYTES
            add(header + nonce + seal(nonce, plaintext, bound + tail))
        return out

    def decrypt(self, ciphertext: bytes, aad: bytes) -> bytes:
        header = self._header
        if len(ciphertext) < OVERHEAD or ciphertext[:_HEADER_BYTES] != header:
            raise DecryptionError()
        try:
            return self._aead.decrypt(
                ciphertext[_HEADER_BYTES:_BODY_START], ciphertext[_BODY_START:], header + aad
            )
        except InvalidTag:
            raise DecryptionError() from None

    def decrypt_values(
        self, subject_id: str, stored: Sequence[tuple[str, int, bytes]]
    ) -> list[bytes]:
        """Decrypt a subject's values, each given as (item, version, ciphertext): the same
        as :meth:`decrypt` with :func:`value_aad` per value, with the subject's part of the
        associated data built once and the (item, version) part remembered."""
        header = self._header
        bound = header + _subject_part(subject_id)
        open_ = self._aead.decrypt
        tails = _tails
        out: list[bytes] = []
        add = out.append
        for item, version, ciphertext in stored:
            if len(ciphertext) < OVERHEAD or not ciphertext.startswith(header):
                raise DecryptionError()
            tail = tails.get((item, version))
            if tail is None:
                tail = _tail(item, version)
            try:
                add(
                    open_(
                        ciphertext[_HEADER_BYTES:_BODY_START],
                        ciphertext[_BODY_START:],
                        bound + tail,
                    )
                )
            except InvalidTag:
                raise DecryptionError() from None
        return out


_tails: dict[tuple[str, int], bytes] = {}  # (item, version) -> the end of its value_aad


def _tail(item: str, version: int) -> bytes:
    tail = _item_part(item) + version.to_bytes(8, "big")
    if len(_tails) < 100_000:
        _tails[(item, version)] = tail
    return tail


def generate() -> tuple[SecretBytes, DataKey]:
    """A fresh data key and its raw bytes (to be wrapped by a key-encryption key)."""
    raw = SecretBytes(os.urandom(KEY_BYTES))
    return raw, DataKey(raw, os.urandom(KEY_ID_BYTES))


def generate_many(count: int) -> list[tuple[bytes, bytes, DataKey]]:
    """``count`` fresh data keys as (raw key, key id, key), all cut from one draw of random
    bytes: each key and each id is its own slice of the draw, never shared or reused."""
    step = KEY_BYTES + KEY_ID_BYTES
    pool = os.urandom(step * count)
    new = DataKey.__new__
    out: list[tuple[bytes, bytes, DataKey]] = []
    add = out.append
    for at in range(0, step * count, step):
        raw = pool[at : at + KEY_BYTES]
        key_id = pool[at + KEY_BYTES : at + step]
        key = new(DataKey)  # the lengths are right by construction: skip __init__'s checks
        key._header = VERSION + key_id
        key._aead = AESGCM(raw)
        add((raw, key_id, key))
    return out


def new_data_key() -> DataKey:
    """A fresh random data key with a random 8-byte id."""
    return generate()[1]

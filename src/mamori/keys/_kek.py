"""Key-encryption keys (KEKs): the :class:`KekProvider` protocol and the env provider.

A provider wraps small secrets (data keys, service keys) under its primary KEK and unwraps
them under any KEK it still holds. ``context`` is bound to the wrapped blob (AES-GCM
associated data here, a digest inside the plaintext for Vault), so a blob copied to another
subject or key does not open. Every failure to unwrap is one :class:`UnwrapError`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import os
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mamori.errors import ConfigError
from mamori.keys._aead import frame
from mamori.keys._errors import UnwrapError
from mamori.keys._secret import Secret

__all__ = ["EnvKek", "KekCipher", "KekInfo", "KekProvider", "Rewrap"]

_LENGTH = struct.Struct(">I").pack

Rewrap = tuple[str, bytes, bytes]
"""One blob to rewrap: (kek id, wrapped blob, context)."""


@dataclass(frozen=True)
class KekInfo:
    """One key-encryption key as a provider describes it (no key material)."""

    id: str
    created: dt.datetime | None
    primary: bool
    retired: bool
    retired_at: dt.datetime | None = None


class KekProvider(Protocol):
    """Where key-encryption keys live: a key file, an env var, a KMS."""

    @property
    def primary_id(self) -> str:
        """The KEK that ``wrap`` uses."""
        ...

    def wrap(self, plaintext: bytes, context: bytes) -> tuple[str, bytes]:
        """Wrap under the primary KEK; returns (the KEK id used, the blob)."""
        ...

    def wrap_many(self, items: Sequence[tuple[bytes, bytes]]) -> tuple[str, list[bytes]]:
        """Wrap each (plaintext, context) under the primary KEK, in order, in one go;
        returns (the KEK id used for all, the blobs). Each blob is what ``wrap`` gives
        for that pair and opens with ``unwrap``."""
        ...

    def unwrap(self, kek_id: str, blob: bytes, context: bytes) -> bytes:
        """Open a blob wrapped under ``kek_id`` with the same context, or raise UnwrapError."""
        ...

    def rewrap(self, items: Sequence[Rewrap]) -> list[tuple[str, bytes]]:
        """Rewrap each (kek id, blob, context) under the primary KEK, in order."""
        ...

    def rotate(self) -> str:
        """Make a new primary KEK and return its id; older KEKs still unwrap."""
        ...

    def retire(self, kek_id: str) -> None:
        """Stop holding a non-primary KEK: blobs under it no longer open."""
        ...

    def ids(self) -> list[str]:
        """The KEKs that can unwrap (not retired), oldest first."""
        ...

    def describe(self) -> list[KekInfo]:
        """Every KEK known, retired ones included, oldest first."""
        ...


class KekCipher(Secret):
    """One local AES-256-GCM KEK. Blob: 0x01 | nonce (12) | ciphertext || tag."""

    __slots__ = ("_aead", "_prefix", "kek_id")

    def __init__(self, kek_id: str, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a key-encryption key is 32 bytes")
        self.kek_id = kek_id
        self._aead = AESGCM(key)
        self._prefix = b"mamori:kek:v1" + frame(kek_id.encode())

    def _label(self) -> str:
        return self.kek_id

    def _aad(self, context: bytes) -> bytes:
        """``mamori:kek:v1`` + frame(kek id, context)."""
        return b"".join((self._prefix, _LENGTH(len(context)), context))

    def wrap(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(12)
        return b"\x01" + nonce + self._aead.encrypt(nonce, plaintext, self._aad(context))

    def wrap_many(self, items: Sequence[tuple[bytes, bytes]]) -> list[bytes]:
        """``wrap`` of each (plaintext, context), the nonces drawn in one call."""
        nonces = os.urandom(12 * len(items))
        seal = self._aead.encrypt
        prefix = self._prefix
        out: list[bytes] = []
        add = out.append
        at = 0
        for plaintext, context in items:
            nonce = nonces[at : at + 12]
            at += 12
            aad = b"".join((prefix, _LENGTH(len(context)), context))
            add(b"".join((b"\x01", nonce, seal(nonce, plaintext, aad))))
        return out

    def unwrap(self, blob: bytes, context: bytes) -> bytes:
        if len(blob) < 29 or blob[0] != 1:
            raise UnwrapError(self.kek_id)
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], self._aad(context))
        except InvalidTag:
            raise UnwrapError(self.kek_id) from None


_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")


def decode_key(value: str, name: str) -> bytes:
    """Base64 (standard or URL-safe) of 32 bytes; errors name ``name``, never the value."""
    text = value.strip()
    if not text:
        raise ConfigError(f"{name} is empty: set it to base64 of 32 random bytes")
    if not _BASE64.fullmatch(text):
        raise ConfigError(f"{name} is not valid base64")
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{name} is not valid base64 (check its length and padding)") from None
    if len(raw) != 32:
        raise ConfigError(
            f"{name} must be base64 of 32 bytes, it decodes to {len(raw)} bytes "
            "(make one with: openssl rand -base64 32)"
        )
    return raw


class EnvKek(Secret):
    """One KEK from an environment variable (``MAMORI_KEK``). It cannot be rotated."""

    __slots__ = ("_cipher",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a key-encryption key is 32 bytes")
        self._cipher = KekCipher("env-" + hashlib.sha256(key).hexdigest()[:12], key)

    @classmethod
    def from_base64(cls, value: str, name: str = "MAMORI_KEK") -> EnvKek:
        return cls(decode_key(value, name))

    def _label(self) -> str:
        return self.primary_id

    @property
    def primary_id(self) -> str:
        return self._cipher.kek_id

    def wrap(self, plaintext: bytes, context: bytes) -> tuple[str, bytes]:
        return self._cipher.kek_id, self._cipher.wrap(plaintext, context)

    def wrap_many(self, items: Sequence[tuple[bytes, bytes]]) -> tuple[str, list[bytes]]:
        return self._cipher.kek_id, self._cipher.wrap_many(items)

    def unwrap(self, kek_id: str, blob: bytes, context: bytes) -> bytes:
        if kek_id != self._cipher.kek_id:
            raise UnwrapError(kek_id)
        return self._cipher.unwrap(blob, context)

    def rewrap(self, items: Sequence[Rewrap]) -> list[tuple[str, bytes]]:
        return [self.wrap(self.unwrap(k, b, c), c) for k, b, c in items]

    def rotate(self) -> str:
        raise ConfigError(
            "MAMORI_KEK holds a single key-encryption key, so mamori cannot rotate it: "
            "use key_provider 'file' (a keyring file) or 'vault' (Vault transit) to rotate"
        )

    def retire(self, kek_id: str) -> None:
        raise ConfigError("the key-encryption key in MAMORI_KEK cannot be retired")

    def ids(self) -> list[str]:
        return [self.primary_id]

    def describe(self) -> list[KekInfo]:
        return [KekInfo(self.primary_id, None, True, False)]

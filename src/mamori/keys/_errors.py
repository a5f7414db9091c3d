"""The errors of ``mamori.keys``, each a subclass of an existing :mod:`mamori.errors` class.

::

    MamoriError
    ├── DecryptionError        decrypt_failed        a value (or key) cannot be opened
    │   └── UnwrapError        key_unwrap_failed     a wrapped key cannot be opened
    └── KeyProviderError       key_provider_failed   the KEK source cannot be used now

A failure to open is one opaque error: it never says whether the key, the associated data,
the length or the version was wrong, and it never carries key material.
"""

from __future__ import annotations

from mamori.errors import MamoriError

__all__ = ["DecryptionError", "KeyProviderError", "UnwrapError"]


class DecryptionError(MamoriError):
    """A ciphertext cannot be opened: wrong key, wrong associated data, damaged or unknown."""

    code = "decrypt_failed"

    def __init__(self, message: str = "value cannot be decrypted") -> None:
        super().__init__(message)


class UnwrapError(DecryptionError):
    """A wrapped key cannot be opened with the key-encryption key it names."""

    code = "key_unwrap_failed"

    def __init__(self, kek_id: str) -> None:
        super().__init__(f"key cannot be unwrapped with key-encryption key '{kek_id[:80]}'")


class KeyProviderError(MamoriError):
    """The key-encryption key source (e.g. Vault) refused or could not be reached."""

    code = "key_provider_failed"

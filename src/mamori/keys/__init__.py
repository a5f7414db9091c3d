"""Keys: AES-256-GCM data keys, key-encryption key providers, blind indexes, the keyring.

Raw cryptography lives here and nowhere else in mamori. The recipe most callers want is
:class:`Keyring` (``Keyring.from_settings(settings, store, clock)``); values are encrypted
with a :class:`DataKey` and :func:`value_aad`. Every failure to open a value or a wrapped
key is one opaque :class:`DecryptionError`. Secret-holding objects show only a key id in
their ``repr`` and refuse to be pickled.
"""

from mamori.keys._aead import DataKey, new_data_key, value_aad
from mamori.keys._blind import BlindIndex
from mamori.keys._errors import DecryptionError, KeyProviderError, UnwrapError
from mamori.keys._factory import provider_from_settings, provider_kind
from mamori.keys._kek import EnvKek, KekInfo, KekProvider
from mamori.keys._keyfile import LocalKeyring
from mamori.keys._secret import SecretBytes
from mamori.keys._values import KeyStatus, RotationReport, WrappedDataKey
from mamori.keys._vault_transit import VaultTransitKek
from mamori.keys.keyring import AUDIT_SIGNING, BLIND_INDEX, CODES, MASKS, SEALING, Keyring

__all__ = [
    "AUDIT_SIGNING",
    "BLIND_INDEX",
    "CODES",
    "MASKS",
    "SEALING",
    "BlindIndex",
    "DataKey",
    "DecryptionError",
    "EnvKek",
    "KekInfo",
    "KekProvider",
    "KeyProviderError",
    "KeyStatus",
    "Keyring",
    "LocalKeyring",
    "RotationReport",
    "SecretBytes",
    "UnwrapError",
    "VaultTransitKek",
    "WrappedDataKey",
    "new_data_key",
    "provider_from_settings",
    "provider_kind",
    "value_aad",
]

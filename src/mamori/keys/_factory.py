"""Choosing the key-encryption key provider from the settings."""

from __future__ import annotations

from mamori.clock import Clock
from mamori.errors import SettingMissing
from mamori.keys._kek import EnvKek, KekProvider
from mamori.keys._keyfile import LocalKeyring
from mamori.keys._vault_transit import vault_from_settings
from mamori.settings import Settings

__all__ = ["provider_from_settings", "provider_kind"]


def provider_kind(settings: Settings) -> str:
    """``file``, ``env`` or ``vault``: ``auto`` picks env if kek is set, else vault if
    vault_addr is set, else file."""
    if settings.key_provider != "auto":
        return settings.key_provider
    if settings.kek:
        return "env"
    if settings.vault_addr:
        return "vault"
    return "file"


def provider_from_settings(settings: Settings, clock: Clock) -> KekProvider:
    """The provider the settings name. The key file must exist (``mamori init`` makes it)."""
    kind = provider_kind(settings)
    if kind == "env":
        if not settings.kek:
            raise SettingMissing("key_provider is 'env' but MAMORI_KEK is not set")
        return EnvKek.from_base64(settings.kek, "MAMORI_KEK")
    if kind == "vault":
        return vault_from_settings(
            settings.vault_addr, settings.vault_token, settings.vault_mount, settings.vault_key
        )
    return LocalKeyring.load(settings.key_file, clock)

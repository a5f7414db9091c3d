"""The env KEK (MAMORI_KEK) and choosing a provider from the settings."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from mamori.clock import FixedClock
from mamori.errors import ConfigError, SettingMissing
from mamori.keys import (
    EnvKek,
    LocalKeyring,
    UnwrapError,
    VaultTransitKek,
    provider_from_settings,
)
from mamori.settings import Settings

KEY = bytes(range(32))
B64 = base64.b64encode(KEY).decode()


def test_id_is_stable_and_derived_from_the_key() -> None:
    kek = EnvKek.from_base64(B64)
    assert kek.primary_id == "env-" + hashlib.sha256(KEY).hexdigest()[:12]
    assert EnvKek.from_base64(base64.urlsafe_b64encode(KEY).decode()).primary_id == kek.primary_id
    assert EnvKek.from_base64(f"  {B64}\n").primary_id == kek.primary_id
    assert kek.ids() == [kek.primary_id] and kek.describe()[0].primary


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "is empty"),
        ("not base64!!", "not valid base64"),
        ("QUJD=A", "not valid base64"),
        ("QUJDRA", "not valid base64"),
        (base64.b64encode(b"x" * 16).decode(), "it decodes to 16 bytes"),
        (base64.b64encode(b"x" * 48).decode(), "it decodes to 48 bytes"),
    ],
)
def test_bad_values_name_the_variable_never_the_value(value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        EnvKek.from_base64(value)
    message = caught.value.message
    assert message.startswith("MAMORI_KEK ") and expected in message
    if value:
        assert value not in message


def test_wrap_round_trip_and_a_wrong_kek_fails_cleanly() -> None:
    right, wrong = EnvKek(KEY), EnvKek(bytes(32))
    kek_id, blob = right.wrap(b"data key", b"ctx")
    assert right.unwrap(kek_id, blob, b"ctx") == b"data key"
    assert right.rewrap([(kek_id, blob, b"ctx")])[0][0] == kek_id
    with pytest.raises(UnwrapError):
        wrong.unwrap(kek_id, blob, b"ctx")
    with pytest.raises(UnwrapError):
        right.unwrap(kek_id, blob, b"other")


def test_an_env_kek_cannot_rotate_or_retire() -> None:
    kek = EnvKek(KEY)
    with pytest.raises(ConfigError, match=r"cannot rotate it: use key_provider 'file'.*'vault'"):
        kek.rotate()
    with pytest.raises(ConfigError):
        kek.retire(kek.primary_id)


def test_auto_picks_env_then_vault_then_file(tmp_path: Path, clock: FixedClock) -> None:
    key_file = tmp_path / "k.key"
    LocalKeyring.create(key_file, clock)
    both = Settings(kek=B64, vault_addr="http://127.0.0.1:1", key_file=key_file)
    assert isinstance(provider_from_settings(both, clock), EnvKek)
    vault = Settings(vault_addr="http://127.0.0.1:1", key_file=key_file)
    provider = provider_from_settings(vault, clock)
    assert isinstance(provider, VaultTransitKek)
    assert (provider.mount, provider.key_name) == ("transit", "mamori")
    assert isinstance(provider_from_settings(Settings(key_file=key_file), clock), LocalKeyring)
    forced = Settings(kek=B64, key_provider="file", key_file=key_file)
    assert isinstance(provider_from_settings(forced, clock), LocalKeyring)


def test_missing_pieces_are_named(tmp_path: Path, clock: FixedClock) -> None:
    with pytest.raises(SettingMissing, match="MAMORI_KEK is not set"):
        provider_from_settings(Settings(key_provider="env"), clock)
    with pytest.raises(SettingMissing, match="vault_addr"):
        provider_from_settings(Settings(key_provider="vault"), clock)
    with pytest.raises(ConfigError, match="mamori init"):
        provider_from_settings(Settings(key_file=tmp_path / "missing.key"), clock)
    with pytest.raises(ConfigError, match=r"^MAMORI_KEK must be base64 of 32 bytes"):
        provider_from_settings(Settings(kek="QUJD"), clock)

"""Batches: ``wrap_many`` on every KEK provider, ``Keyring.new_data_keys``, and the blind
index computed from kept SHA-256 states (byte-identical to ``hmac.digest``)."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.clock import FixedClock
from mamori.keys import (
    BlindIndex,
    EnvKek,
    KekProvider,
    KeyProviderError,
    Keyring,
    LocalKeyring,
    UnwrapError,
    VaultTransitKek,
    _blind,
    value_aad,
)
from mamori.keys._aead import frame
from mamori.keys.testing import FakeVaultClient
from mamori.store import Store
from mamori.store.tables import Base

ITEMS = [(b"k" * 32, b"ctx one"), (b"", b""), (os.urandom(32), b"\x00" * 70), (b"x", b"ctx one")]


def _vault() -> VaultTransitKek:
    client = FakeVaultClient()
    client.create_key("mamori")
    return VaultTransitKek(client, "transit", "mamori")


@pytest.fixture(params=["env", "file", "vault"])
def provider(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> KekProvider:
    if request.param == "env":
        return EnvKek(os.urandom(32))
    if request.param == "file":
        return LocalKeyring.create(tmp_path / "mamori.key", clock)
    return _vault()


def test_wrap_many_blobs_open_with_unwrap_like_wrap(provider: KekProvider) -> None:
    kek_id, blobs = provider.wrap_many(ITEMS)
    single_id, single = provider.wrap(*ITEMS[0])
    assert kek_id == single_id == provider.primary_id
    assert len(blobs) == len(ITEMS) and len(set(blobs)) == len(ITEMS)  # fresh nonces
    for (plaintext, context), blob in zip(ITEMS, blobs, strict=True):
        assert provider.unwrap(kek_id, blob, context) == plaintext
        with pytest.raises(UnwrapError):
            provider.unwrap(kek_id, blob, context + b"!")
    assert len(blobs[0]) == len(single)  # the same format as wrap
    assert provider.wrap_many([]) == (provider.primary_id, [])


def test_local_blob_layout(tmp_path: Path, clock: FixedClock) -> None:
    for provider in (EnvKek(os.urandom(32)), LocalKeyring.create(tmp_path / "k", clock)):
        _, [blob] = provider.wrap_many([(b"k" * 32, b"ctx")])
        assert blob[0] == 1 and len(blob) == 1 + 12 + 32 + 16


def test_env_blob_opens_by_the_documented_layout() -> None:
    key = os.urandom(32)
    kek = EnvKek(key)
    items = [(b"secret", b"ctx"), (b"other", b"")]
    kek_id, blobs = kek.wrap_many(items)
    for blob, (plaintext, context) in zip(blobs, items, strict=True):
        # 0x01 | nonce | AES-GCM under the KEK, aad "mamori:kek:v1" + frame(kek id, context)
        aad = b"mamori:kek:v1" + frame(kek_id.encode(), context)
        assert AESGCM(key).decrypt(blob[1:13], blob[13:], aad) == plaintext


def test_key_file_wrap_many_looks_at_the_file_once(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ring = LocalKeyring.create(tmp_path / "mamori.key", clock)
    stats: list[object] = []
    real = os.stat

    def counting(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        stats.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counting)
    ring.wrap_many(ITEMS * 10)
    assert len(stats) == 1


def test_key_file_wrap_many_uses_a_primary_rotated_by_another_process(
    tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "mamori.key"
    reader = LocalKeyring.create(path, clock)
    old = reader.primary_id
    new = LocalKeyring.load(path, clock).rotate()
    kek_id, [blob] = reader.wrap_many([(b"secret", b"ctx")])
    assert kek_id == new != old and reader.unwrap(new, blob, b"ctx") == b"secret"


def test_vault_wrap_many_is_one_request_under_the_newest_version() -> None:
    kek = _vault()
    fake = kek._client
    calls = fake.calls
    kek_id, blobs = kek.wrap_many(ITEMS)
    assert fake.calls == calls + 1
    assert kek_id == "vault:transit/mamori:v1" and all(b.startswith(b"vault:v1:") for b in blobs)
    kek.rotate()
    kek_id, blobs = kek.wrap_many(ITEMS)
    assert kek_id.endswith(":v2") and all(b.startswith(b"vault:v2:") for b in blobs)
    assert [kek.unwrap(kek_id, b, c) for b, (_, c) in zip(blobs, ITEMS, strict=True)] == [
        p for p, _ in ITEMS
    ]


class _Answer:
    """A transit client whose encrypt answers with given batch results."""

    def __init__(self, results: object) -> None:
        self.results = results
        self.secrets = self
        self.transit = self

    def encrypt_data(self, **_: object) -> dict[str, object]:
        return {"data": {"batch_results": self.results}}


@pytest.mark.parametrize(
    "results",
    [
        None,
        [{"ciphertext": "vault:v1:AAAA"}],  # one result for two items
        [{"ciphertext": "vault:v1:AAAA"}, {"error": "nope"}],
        [{"ciphertext": "vault:v1:AAAA"}, {"ciphertext": "garbage"}],
        [{"ciphertext": "vault:v1:AAAA"}, {"ciphertext": "vault:v2:AAAA"}],  # mixed versions
        [{"ciphertext": "vault:v1:AAAA"}, "not a dict"],
    ],
)
def test_vault_wrap_many_refuses_a_bad_answer(results: object) -> None:
    kek = VaultTransitKek(_Answer(results), "transit", "mamori")
    with pytest.raises(KeyProviderError, match="Vault transit encrypt"):
        kek.wrap_many(ITEMS[:2])


def test_vault_wrap_many_when_vault_is_down() -> None:
    kek = _vault()
    kek._client.down = True
    with pytest.raises(KeyProviderError, match=r"Vault transit encrypt .* failed"):
        kek.wrap_many(ITEMS)


def test_fake_vault_batch_encrypt_refuses_bad_base64() -> None:
    from hvac.exceptions import InvalidRequest

    fake = FakeVaultClient()
    with pytest.raises(InvalidRequest):
        fake.secrets.transit.encrypt_data(name="k", batch_input=[{"plaintext": "%%%"}])


# ------------------------------------------------------------------------- new_data_keys


class Counting:
    """A provider that counts the calls that reach it."""

    def __init__(self, inner: KekProvider) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.inner, name)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'keys.db'}")  # data keys never touch it
    yield store
    store.close()


def test_new_data_keys_are_like_new_data_key_with_one_provider_call(
    provider: KekProvider, store: Store, clock: FixedClock
) -> None:
    counting = Counting(provider)
    keyring = Keyring(counting, store, clock)  # type: ignore[arg-type]
    subjects = [f"s_{i}" for i in range(50)]
    made = keyring.new_data_keys(subjects)
    assert counting.calls == ["wrap_many"]
    assert keyring.new_data_keys([]) == [] and counting.calls == ["wrap_many"]
    assert len({w.key_id for _, w in made}) == 50 and len({w.wrapped for _, w in made}) == 50
    fresh = Keyring(provider, store, clock, cache_size=0)
    for sid, (key, wrapped) in zip(subjects, made, strict=True):
        assert key.key_id == wrapped.key_id and len(wrapped.key_id) == 8
        assert wrapped.kek_id == provider.primary_id
        ciphertext = key.encrypt(sid.encode(), value_aad(sid, "email", 1))
        opened = fresh.open_data_key(sid, wrapped.key_id, wrapped.kek_id, wrapped.wrapped)
        assert opened.decrypt(ciphertext, value_aad(sid, "email", 1)) == sid.encode()
        assert keyring.open_data_key(sid, wrapped.key_id, "unused", b"") is key  # cached
        with pytest.raises(UnwrapError):  # bound to its subject
            fresh.open_data_key("s_other", wrapped.key_id, wrapped.kek_id, wrapped.wrapped)
    one, wrapped_one = keyring.new_data_key("s_single")
    assert one.key_id == wrapped_one.key_id and counting.calls[-1] == "wrap"
    assert repr(one) == f"<DataKey key_id={one.key_id.hex()}>"


def test_new_data_keys_keeps_the_cache_bounded(store: Store, clock: FixedClock) -> None:
    keyring = Keyring(EnvKek(os.urandom(32)), store, clock, cache_size=3)
    made = keyring.new_data_keys(["a", "b", "c", "d", "e"])
    assert list(keyring._cache) == ["c", "d", "e"]
    assert keyring._cache["e"] == (made[-1][1].key_id, made[-1][0])
    uncached = Keyring(EnvKek(os.urandom(32)), store, clock, cache_size=0)
    uncached.new_data_keys(["a"])
    assert not uncached._cache


def test_mac_keys_are_made_once(store: Store, clock: FixedClock) -> None:
    Base.metadata.tables["service_keys"].create(store.engine)
    keyring = Keyring(EnvKek(os.urandom(32)), store, clock)
    assert keyring.mac("codes") is keyring.mac("codes")
    assert keyring.mac("codes").key_id != keyring.mac("masks").key_id


# --------------------------------------------------------------------------- blind index


def reference(key: bytes, item: str, value: str) -> bytes:
    return hmac.digest(key, item.encode() + b"\x00" + value.encode(), "sha256")


NO_NUL = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)))


@settings(max_examples=300)
@given(
    key=st.binary(min_size=32, max_size=32),
    pairs=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["email", "phone", "device_token"]), NO_NUL),
            st.one_of(NO_NUL, st.text(alphabet="aあ", min_size=60, max_size=200)),
        ),
        max_size=8,
    ),
)
def test_digest_is_byte_identical_to_hmac_digest(key: bytes, pairs: list[tuple[str, str]]) -> None:
    index = BlindIndex(key, "k")
    for _ in range(2):  # the second round uses the kept per-item states
        for item, value in pairs:
            assert index.digest(item, value) == reference(key, item, value)


def test_digest_known_answers_for_many_random_inputs() -> None:
    for _ in range(200):
        key = os.urandom(32)
        index = BlindIndex(key, "k")
        item = os.urandom(8).hex()
        value = os.urandom(int.from_bytes(os.urandom(1)) + 1).hex()
        expected = hmac.new(key, f"{item}\x00{value}".encode(), hashlib.sha256).digest()
        assert index.digest(item, value) == reference(key, item, value) == expected
        assert index.digest(item, value + "x") == reference(key, item, value + "x")


def test_digest_past_the_kept_items_and_with_nul(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_blind, "_MAX_ITEMS", 3)
    key = os.urandom(32)
    index = BlindIndex(key, "k")
    items = [f"item{i}" for i in range(10)]
    for _ in range(2):
        assert [index.digest(i, "v") for i in items] == [reference(key, i, "v") for i in items]
    assert len(index._items) == 3
    for bad in ("a\x00b", "\x00"):
        with pytest.raises(ValueError, match="NUL"):
            index.digest(bad, "v")
    assert "a\x00b" not in index._items


def test_blind_index_shows_no_key_and_refuses_pickling() -> None:
    import pickle

    key = os.urandom(32)
    index = BlindIndex(key, "hmac-1")
    index.digest("email", "x")
    assert repr(index) == "<BlindIndex key_id=hmac-1>"
    assert key.hex() not in repr(index)
    with pytest.raises(TypeError):
        pickle.dumps(index)

"""The keyring over a store: data keys bound to subjects, the cache, service keys, status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mamori.clock import FixedClock
from mamori.keys import (
    AUDIT_SIGNING,
    BLIND_INDEX,
    DecryptionError,
    EnvKek,
    KekProvider,
    Keyring,
    LocalKeyring,
    SecretBytes,
    UnwrapError,
    WrappedDataKey,
    value_aad,
)
from mamori.keys import keyring as keyring_module
from mamori.settings import Settings
from mamori.store import Store
from mamori.store.tables import Base

SUBJECTS = Base.metadata.tables["subjects"]
SERVICE_KEYS = Base.metadata.tables["service_keys"]


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    store.upgrade()
    yield store
    store.close()


@pytest.fixture
def ring(tmp_path: Path, clock: FixedClock) -> LocalKeyring:
    return LocalKeyring.create(tmp_path / "mamori.key", clock)


@pytest.fixture
def keyring(ring: LocalKeyring, store: Store, clock: FixedClock) -> Keyring:
    return Keyring(ring, store, clock)


def store_key(store: Store, clock: FixedClock, subject_id: str, wrapped: WrappedDataKey) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            SUBJECTS.insert().values(
                id=subject_id,
                created_at=clock.now(),
                source="t",
                key_id=wrapped.key_id,
                kek_id=wrapped.kek_id,
                wrapped=wrapped.wrapped,
            )
        )


def test_a_data_key_opens_from_its_row_in_another_keyring(
    keyring: Keyring, ring: LocalKeyring, store: Store, clock: FixedClock
) -> None:
    key, wrapped = keyring.new_data_key("s1")
    store_key(store, clock, "s1", wrapped)
    ciphertext = key.encrypt(b"yamada@example.jp", value_aad("s1", "email", 1))
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(SUBJECTS)).one()
    assert (row.key_id, row.kek_id) == (key.key_id, ring.primary_id)
    fresh = Keyring(LocalKeyring.load(ring.path), store, clock, cache_size=0)
    opened = fresh.open_data_key("s1", row.key_id, row.kek_id, row.wrapped)
    assert opened.decrypt(ciphertext, value_aad("s1", "email", 1)) == b"yamada@example.jp"


def test_a_wrapped_key_copied_to_another_subject_does_not_open(keyring: Keyring) -> None:
    _, w = keyring.new_data_key("s1")
    for subject, key_id in (("s2", w.key_id), ("s1", b"\x00" * 8)):
        with pytest.raises(UnwrapError) as caught:
            keyring.open_data_key(subject, key_id, w.kek_id, w.wrapped)
        assert isinstance(caught.value, DecryptionError)


def test_a_wrong_kek_fails_with_one_opaque_error(
    keyring: Keyring, store: Store, clock: FixedClock, tmp_path: Path
) -> None:
    _, w = keyring.new_data_key("s1")
    others: list[KekProvider] = [
        LocalKeyring.create(tmp_path / "other.key", clock),
        EnvKek(bytes(32)),
    ]
    for provider in others:
        stranger = Keyring(provider, store, clock)
        with pytest.raises(UnwrapError) as caught:
            stranger.open_data_key("s1", w.key_id, w.kek_id, w.wrapped)
        assert caught.value.code == "key_unwrap_failed"
        assert caught.value.message == (
            f"key cannot be unwrapped with key-encryption key '{w.kek_id}'"
        )
        assert caught.value.__cause__ is None


def test_opened_keys_are_cached_per_subject_and_forgotten(
    ring: LocalKeyring, store: Store, clock: FixedClock
) -> None:
    keyring = Keyring(ring, store, clock, cache_size=2)
    wrapped = {s: keyring.new_data_key(s)[1] for s in ("a", "b", "c")}

    def open_(s: str) -> object:
        w = wrapped[s]
        return keyring.open_data_key(s, w.key_id, w.kek_id, w.wrapped)

    assert open_("c") is open_("c")
    assert open_("b") is open_("b")
    first = open_("a")  # "c" is now the oldest and is evicted
    assert open_("a") is first
    assert len(keyring._cache) == 2 and "c" not in keyring._cache
    keyring.forget("a")
    assert open_("a") is not first


def test_service_keys_are_made_once_and_loaded_after(
    keyring: Keyring, ring: LocalKeyring, store: Store, clock: FixedClock
) -> None:
    digest = keyring.blind_index().digest("email", "yamada@example.jp")
    key_id, signer = keyring.audit_signer()
    assert keyring.blind_index() is keyring.blind_index()
    again = Keyring(LocalKeyring.load(ring.path), store, clock)
    assert again.blind_index().digest("email", "yamada@example.jp") == digest
    assert again.audit_signer()[0] == key_id and key_id.startswith("ed25519-")
    signature = signer.sign(b"checkpoint")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(again.audit_public_key()).verify(signature, b"checkpoint")
    assert len(again.audit_public_key()) == 32
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(SERVICE_KEYS).order_by(SERVICE_KEYS.c.name)).all()
    assert [(r.name, r.kek_id) for r in rows] == [
        (AUDIT_SIGNING, ring.primary_id),
        (BLIND_INDEX, ring.primary_id),
    ]
    assert all(len(r.wrapped) == 1 + 12 + 32 + 16 for r in rows)


def test_two_processes_making_a_service_key_at_once_agree(
    keyring: Keyring,
    ring: LocalKeyring,
    store: Store,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = Keyring(LocalKeyring.load(ring.path), store, clock)
    make = keyring_module._make_service_key
    raced: list[str] = []

    def racing(name: str) -> tuple[str, SecretBytes]:
        if not raced:
            raced.append(name)
            other.blind_index()  # the other process inserts its row first
        return make(name)

    monkeypatch.setattr(keyring_module, "_make_service_key", racing)
    mine = keyring.blind_index()
    assert mine.key_id == other.blind_index().key_id
    assert mine.digest("email", "x") == other.blind_index().digest("email", "x")
    assert raced == [BLIND_INDEX]


def test_status_counts_keys_per_kek(
    keyring: Keyring, ring: LocalKeyring, store: Store, clock: FixedClock
) -> None:
    for s in ("a", "b", "c"):
        store_key(store, clock, s, keyring.new_data_key(s)[1])
    keyring.ensure_service_keys()
    clock.advance(dt.timedelta(days=10))
    [only] = keyring.status()
    assert (only.id, only.primary, only.retired, only.missing) == (
        ring.primary_id,
        True,
        False,
        False,
    )
    # blind index, audit signing, sealing, codes, masks
    assert (only.data_keys, only.service_keys, only.age_days) == (3, 5, 10)
    with store.engine.begin() as conn:
        conn.execute(SUBJECTS.update().where(SUBJECTS.c.id == "c").values(kek_id="kek-lost"))
    lost = keyring.status()[-1]
    assert (lost.id, lost.missing, lost.data_keys, lost.created) == ("kek-lost", True, 1, None)
    assert lost.to_dict()["missing"] is True


def test_from_settings_uses_the_configured_provider(
    ring: LocalKeyring, store: Store, clock: FixedClock
) -> None:
    keyring = Keyring.from_settings(Settings(key_file=ring.path), store, clock)
    assert isinstance(keyring.provider, LocalKeyring)
    assert keyring.provider.primary_id == ring.primary_id

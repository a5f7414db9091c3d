"""Vault transit as the KEK provider: against the shipped fake, and a real Vault if present."""

from __future__ import annotations

import os
import uuid

import pytest

from mamori.errors import Conflict
from mamori.keys import KeyProviderError, UnwrapError, VaultTransitKek
from mamori.keys.testing import FakeVaultClient


@pytest.fixture
def fake() -> FakeVaultClient:
    client = FakeVaultClient()
    client.create_key("mamori")
    return client


@pytest.fixture
def kek(fake: FakeVaultClient) -> VaultTransitKek:
    return VaultTransitKek(fake, "transit", "mamori")


def test_wrap_keeps_the_vault_ciphertext_and_names_its_version(kek: VaultTransitKek) -> None:
    kek_id, blob = kek.wrap(b"k" * 32, b"ctx")
    assert kek_id == "vault:transit/mamori:v1" == kek.primary_id
    assert blob.startswith(b"vault:v1:")
    assert kek.unwrap(kek_id, blob, b"ctx") == b"k" * 32


def test_unwrap_failures_are_one_opaque_error(kek: VaultTransitKek) -> None:
    kek_id, blob = kek.wrap(b"k" * 32, b"ctx")
    kek.rotate()
    _, newer = kek.wrap(b"k" * 32, b"ctx")
    failures = [
        (kek_id, blob, b"other context"),
        ("vault:transit/mamori:v2", blob, b"ctx"),  # the id and the ciphertext disagree
        ("vault:transit/other:v1", blob, b"ctx"),
        ("kek-0123456789ab", blob, b"ctx"),
        (kek_id, blob[:-4] + b"AAAA", b"ctx"),
        (kek_id, b"not a vault ciphertext", b"ctx"),
        (kek_id, newer, b"ctx"),
    ]
    for args in failures:
        with pytest.raises(UnwrapError):
            kek.unwrap(*args)


def test_rotate_rewrap_and_retire(kek: VaultTransitKek, fake: FakeVaultClient) -> None:
    v1, blob = kek.wrap(b"data key", b"ctx")
    assert kek.rotate() == "vault:transit/mamori:v2" == kek.primary_id
    assert kek.wrap(b"x", b"")[0].endswith(":v2")
    assert kek.unwrap(v1, blob, b"ctx") == b"data key"
    calls = fake.calls
    [(v2, rewrapped)] = kek.rewrap([(v1, blob, b"ctx")])
    assert fake.calls == calls + 1  # one request for the whole batch
    assert v2.endswith(":v2") and rewrapped.startswith(b"vault:v2:")
    assert kek.unwrap(v2, rewrapped, b"ctx") == b"data key"
    assert kek.ids() == [v1, v2]
    with pytest.raises(Conflict, match="primary"):
        kek.retire(v2)
    kek.retire(v1)
    kek.retire(v1)
    assert kek.ids() == [v2]
    assert [(i.id, i.primary, i.retired) for i in kek.describe()] == [
        (v1, False, True),
        (v2, True, False),
    ]
    assert all(i.created is not None for i in kek.describe())
    with pytest.raises(UnwrapError):
        kek.unwrap(v1, blob, b"ctx")


def test_rewrap_of_a_bad_blob_is_an_unwrap_error(kek: VaultTransitKek) -> None:
    v1, blob = kek.wrap(b"data key", b"ctx")
    with pytest.raises(UnwrapError):
        kek.rewrap([(v1, blob[:-4] + b"AAAA", b"ctx")])
    assert kek.rewrap([]) == []


def test_an_unreachable_vault_is_not_a_decryption_failure(
    kek: VaultTransitKek, fake: FakeVaultClient
) -> None:
    kek_id, blob = kek.wrap(b"k" * 32, b"ctx")
    fake.down = True
    for call in (
        lambda: kek.unwrap(kek_id, blob, b"ctx"),
        lambda: kek.wrap(b"k", b"ctx"),
        lambda: kek.primary_id,
        kek.rotate,
    ):
        with pytest.raises(KeyProviderError, match=r"Vault transit .* transit/mamori failed"):
            call()


def test_a_missing_key_gets_a_hint() -> None:
    kek = VaultTransitKek(FakeVaultClient(), "transit", "absent")
    with pytest.raises(KeyProviderError, match=r"vault write -f transit/keys/absent"):
        _ = kek.primary_id


def _real_vault() -> VaultTransitKek:
    addr = os.environ.get("VAULT_ADDR", "")
    if not addr:
        pytest.skip("no Vault: set VAULT_ADDR (and VAULT_TOKEN) to a server with transit enabled")
    import hvac

    client = hvac.Client(url=addr, token=os.environ.get("VAULT_TOKEN") or None, timeout=3)
    try:
        client.sys.is_initialized()
    except Exception as exc:
        pytest.skip(f"no Vault reachable at VAULT_ADDR={addr}: {type(exc).__name__}")
    if not client.is_authenticated():
        pytest.skip(f"the Vault at VAULT_ADDR={addr} does not accept VAULT_TOKEN")
    mount = os.environ.get("VAULT_TRANSIT_MOUNT", "transit")
    name = f"mamori-test-{uuid.uuid4().hex[:8]}"
    client.secrets.transit.create_key(name=name, mount_point=mount)
    return VaultTransitKek(client, mount, name)


def test_real_vault_wrap_rotate_rewrap_retire() -> None:
    kek = _real_vault()
    client = kek._client
    try:
        v1, blob = kek.wrap(b"k" * 32, b"ctx")
        assert v1.endswith(":v1") and kek.unwrap(v1, blob, b"ctx") == b"k" * 32
        with pytest.raises(UnwrapError):
            kek.unwrap(v1, blob, b"other")
        items = [(b"a" * 32, b"ctx a"), (b"b" * 32, b"ctx b")]
        batch_id, blobs = kek.wrap_many(items)  # one transit/encrypt with batch_input
        assert batch_id == v1
        assert [kek.unwrap(v1, b, c) for b, (_, c) in zip(blobs, items, strict=True)] == [
            b"a" * 32,
            b"b" * 32,
        ]
        v2 = kek.rotate()
        [(got, rewrapped)] = kek.rewrap([(v1, blob, b"ctx")])
        assert got == v2 and kek.unwrap(v2, rewrapped, b"ctx") == b"k" * 32
        kek.retire(v1)
        assert kek.ids() == [v2]
        with pytest.raises(UnwrapError):
            kek.unwrap(v1, blob, b"ctx")
    finally:
        transit = client.secrets.transit
        transit.update_key_configuration(
            name=kek.key_name, deletion_allowed=True, mount_point=kek.mount
        )
        transit.delete_key(name=kek.key_name, mount_point=kek.mount)

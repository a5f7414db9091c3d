"""Secret-holding objects show only a key id and refuse to be pickled or copied."""

from __future__ import annotations

import base64
import copy
import json
import logging
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mamori.clock import FixedClock
from mamori.keys import (
    BlindIndex,
    DataKey,
    EnvKek,
    Keyring,
    LocalKeyring,
    SecretBytes,
    VaultTransitKek,
)
from mamori.keys._kek import KekCipher
from mamori.keys.testing import FakeVaultClient
from mamori.store import Store

KEY = bytes(range(100, 132))


def _forms(key: bytes) -> list[str]:
    """Ways key bytes could show up in text."""
    return [
        key.hex(),
        key.hex().upper(),
        base64.b64encode(key).decode(),
        base64.urlsafe_b64encode(key).decode().rstrip("="),
        repr(key)[2:-1],
        str(list(key))[1:-1],
    ]


@pytest.fixture
def secrets_(tmp_path: Path, clock: FixedClock) -> Iterator[dict[str, tuple[object, bytes]]]:
    ring = LocalKeyring.create(tmp_path / "k.key", clock)
    ring_key = base64.b64decode(json.loads(ring.path.read_text())["keys"][0]["key"])
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    yield {
        "SecretBytes": (SecretBytes(KEY, "k1"), KEY),
        "DataKey": (DataKey(KEY, b"12345678"), KEY),
        "BlindIndex": (BlindIndex(KEY, "hmac-1"), KEY),
        "KekCipher": (KekCipher("kek-1", KEY), KEY),
        "EnvKek": (EnvKek(KEY), KEY),
        "LocalKeyring": (ring, ring_key),
        "VaultTransitKek": (VaultTransitKek(FakeVaultClient()), KEY),
        "Keyring": (Keyring(ring, store, clock), ring_key),
    }
    store.close()


NAMES = [
    "SecretBytes",
    "DataKey",
    "BlindIndex",
    "KekCipher",
    "EnvKek",
    "LocalKeyring",
    "VaultTransitKek",
    "Keyring",
]


@pytest.mark.parametrize("name", NAMES)
def test_repr_shows_no_key_material(secrets_: dict[str, tuple[object, bytes]], name: str) -> None:
    obj, key = secrets_[name]
    for text in (repr(obj), str(obj), f"{obj}", f"{obj!r}", f"{[obj]}"):
        assert text.startswith(("<", "[<")) and name in text
        for form in _forms(key):
            assert form not in text


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "copier",
    [pickle.dumps, lambda o: pickle.dumps(o, protocol=0), copy.copy, copy.deepcopy],
    ids=["pickle", "pickle-0", "copy", "deepcopy"],
)
def test_secrets_refuse_pickling_and_copying(
    secrets_: dict[str, tuple[object, bytes]], name: str, copier: Callable[[object], object]
) -> None:
    obj, _ = secrets_[name]
    with pytest.raises(TypeError, match="holds key material and cannot be pickled"):
        copier(obj)
    for method in ("__reduce__", "__getstate__"):
        with pytest.raises(TypeError):
            getattr(obj, method)()
    with pytest.raises(TypeError):
        obj.__reduce_ex__(2)


def test_repr_names_the_key() -> None:
    assert repr(DataKey(KEY, b"\x01" * 8)) == "<DataKey key_id=0101010101010101>"
    assert repr(EnvKek(KEY)).startswith("<EnvKek env-")
    assert SecretBytes(KEY).expose() == KEY and repr(SecretBytes(KEY)) == "<SecretBytes 32 bytes>"


def test_no_key_material_in_logs(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        store.upgrade()
        ring = LocalKeyring.create(tmp_path / "k.key", clock)
        keyring = Keyring(ring, store, clock)
        keyring.ensure_service_keys()
        keyring.new_data_key("s1")
        keyring.rotate()
        keys = [
            base64.b64decode(k["key"])
            for k in json.loads(ring.path.read_text())["keys"]
            if k["key"]
        ]
        for key in keys:
            for form in _forms(key):
                assert form not in caplog.text
    finally:
        store.close()

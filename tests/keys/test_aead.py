"""AES-256-GCM data keys: known answers, binding to subject/item/version, one opaque error."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.errors import MamoriError
from mamori.keys import DataKey, DecryptionError, new_data_key, value_aad

VECTORS = json.loads((Path(__file__).parent / "vectors" / "aead_v1.json").read_text("utf-8"))


@pytest.mark.parametrize("case", VECTORS["aead_v1"], ids=lambda c: c["name"])
def test_known_answers_rederive_and_decrypt(case: dict[str, str]) -> None:
    key = DataKey(bytes.fromhex(case["key"]), bytes.fromhex(case["key_id"]))
    plaintext, aad = bytes.fromhex(case["plaintext"]), bytes.fromhex(case["aad"])
    ciphertext = bytes.fromhex(case["ciphertext"])
    assert key._seal(bytes.fromhex(case["nonce"]), plaintext, aad) == ciphertext
    assert key.decrypt(ciphertext, aad) == plaintext
    assert ciphertext[:9] == b"\x01" + bytes.fromhex(case["key_id"])


@pytest.mark.parametrize("case", VECTORS["value_aad_v1"], ids=lambda c: c["subject_id"] or "empty")
def test_value_aad_known_answers(case: dict[str, Any]) -> None:
    assert value_aad(case["subject_id"], case["item"], case["version"]).hex() == case["aad"]


@settings(max_examples=60, deadline=None)
@given(plaintext=st.binary(max_size=300), aad=st.binary(max_size=80))
def test_round_trip(plaintext: bytes, aad: bytes) -> None:
    key = new_data_key()
    ciphertext = key.encrypt(plaintext, aad)
    assert len(ciphertext) == len(plaintext) + 37
    assert key.decrypt(ciphertext, aad) == plaintext


def test_each_encryption_uses_a_fresh_nonce() -> None:
    key = new_data_key()
    aad = value_aad("s1", "email", 1)
    assert key.encrypt(b"same", aad) != key.encrypt(b"same", aad)


@pytest.mark.parametrize(
    "moved_to",
    [("s2", "email", 1), ("s1", "phone", 1), ("s1", "email", 2), ("s", "1email", 1)],
    ids=["other subject", "other item", "other version", "shifted boundary"],
)
def test_a_value_moved_to_another_record_does_not_open(moved_to: tuple[str, str, int]) -> None:
    key = new_data_key()
    ciphertext = key.encrypt(b"yamada@example.jp", value_aad("s1", "email", 1))
    with pytest.raises(DecryptionError) as caught:
        key.decrypt(ciphertext, value_aad(*moved_to))
    assert caught.value.message == "value cannot be decrypted"


def _failures() -> dict[str, tuple[DataKey, bytes, bytes]]:
    key = new_data_key()
    aad = value_aad("s1", "email", 1)
    ct = key.encrypt(b"yamada@example.jp", aad)

    def flip(i: int) -> bytes:
        return ct[:i] + bytes([ct[i] ^ 1]) + ct[i + 1 :]

    same_id_other_key = DataKey(os.urandom(32), key.key_id)
    return {
        "wrong key, same id": (same_id_other_key, ct, aad),
        "wrong key id": (new_data_key(), ct, aad),
        "wrong aad": (key, ct, aad + b"x"),
        "empty": (key, b"", aad),
        "header only": (key, ct[:21], aad),
        "truncated tag": (key, ct[:-1], aad),
        "unknown version": (key, b"\x02" + ct[1:], aad),
        "tampered key id": (key, flip(3), aad),
        "tampered nonce": (key, flip(12), aad),
        "tampered body": (key, flip(25), aad),
        "tampered tag": (key, flip(len(ct) - 1), aad),
        "extended": (key, ct + b"\x00", aad),
    }


@pytest.mark.parametrize("name", list(_failures()))
def test_every_failure_is_one_opaque_error(name: str) -> None:
    key, ciphertext, aad = _failures()[name]
    with pytest.raises(DecryptionError) as caught:
        key.decrypt(ciphertext, aad)
    error = caught.value
    assert isinstance(error, MamoriError)
    assert (error.code, error.message) == ("decrypt_failed", "value cannot be decrypted")
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_ciphertext_names_its_key() -> None:
    key = new_data_key()
    assert len(key.key_id) == 8
    assert key.encrypt(b"x", b"")[1:9] == key.key_id


def test_value_aad_is_unambiguous_and_checked() -> None:
    assert value_aad("ab", "c", 1) != value_aad("a", "bc", 1)
    assert value_aad("s", "i", 1) != value_aad("s", "i", 256)
    for bad in (-1, 2**64, 1.5):
        with pytest.raises(ValueError, match="version"):
            value_aad("s", "i", bad)  # type: ignore[arg-type]


def test_caller_mistakes_are_value_errors_without_key_material() -> None:
    short = bytes(range(16))
    with pytest.raises(ValueError) as caught:
        DataKey(short, b"12345678")
    assert short.hex() not in str(caught.value)
    with pytest.raises(ValueError, match="id is 8 bytes"):
        DataKey(bytes(32), b"1234")


def test_decrypt_values_opens_what_decrypt_opens_and_nothing_moved() -> None:
    key = new_data_key()
    stored = [
        (item, version, key.encrypt(f"{item}-{version}".encode(), value_aad("s_a", item, version)))
        for item, version in (("name", 1), ("phone", 3), ("email", 2))
    ]
    assert key.decrypt_values("s_a", stored) == [b"name-1", b"phone-3", b"email-2"]
    with pytest.raises(DecryptionError):
        key.decrypt_values("s_b", stored)  # another subject
    with pytest.raises(DecryptionError):
        key.decrypt_values("s_a", [("email", 1, stored[0][2])])  # another item
    with pytest.raises(DecryptionError):
        key.decrypt_values("s_a", [("name", 2, stored[0][2])])  # another version
    with pytest.raises(DecryptionError):
        new_data_key().decrypt_values("s_a", stored[:1])  # another key


def test_encrypt_values_opens_with_decrypt_under_each_values_aad() -> None:
    key = new_data_key()
    values = [("email", 1, b"a@example.jp"), ("name", 3, "山田".encode()), ("email", 2, b"")]
    sealed = key.encrypt_values("s_1", values)
    assert len({c[9:21] for c in sealed}) == 3  # a nonce of its own each
    for (item, version, plain), ciphertext in zip(values, sealed, strict=True):
        assert key.decrypt(ciphertext, value_aad("s_1", item, version)) == plain
        with pytest.raises(DecryptionError):
            key.decrypt(ciphertext, value_aad("s_2", item, version))
    assert key.decrypt_values(
        "s_1", [(i, v, c) for (i, v, _), c in zip(values, sealed, strict=True)]
    ) == [p for _, _, p in values]
    assert key.encrypt_values("s_1", []) == []

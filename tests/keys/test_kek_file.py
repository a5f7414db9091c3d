"""The local keyring file: mode 0600, clear refusals, rotation and retirement."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from mamori.clock import FixedClock
from mamori.errors import ConfigError, Conflict, NotFound
from mamori.keys import LocalKeyring, UnwrapError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def key_file(tmp_path: Path, clock: FixedClock) -> Path:
    path = tmp_path / "mamori.key"
    LocalKeyring.create(path, clock)
    return path


def test_create_writes_one_key_with_mode_0600(key_file: Path, clock: FixedClock) -> None:
    assert _mode(key_file) == 0o600
    doc = json.loads(key_file.read_text())
    assert doc["format"] == 1
    [entry] = doc["keys"]
    assert doc["primary"] == entry["id"] and entry["id"].startswith("kek-")
    assert len(entry["id"]) == 16 and entry["retired"] is None
    assert len(base64.b64decode(entry["key"])) == 32
    assert entry["created"] == clock.now().isoformat()


def test_create_refuses_an_existing_file(key_file: Path, clock: FixedClock) -> None:
    before = key_file.read_bytes()
    with pytest.raises(ConfigError, match="already exists"):
        LocalKeyring.create(key_file, clock)
    assert key_file.read_bytes() == before


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_can_read_is_refused(key_file: Path, mode: int) -> None:
    key_file.chmod(mode)
    with pytest.raises(ConfigError) as caught:
        LocalKeyring.load(key_file)
    message = caught.value.message
    assert str(key_file) in message and f"{mode:04o}" in message
    assert f"chmod 600 {key_file}" in message


def test_a_missing_file_suggests_mamori_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"does not exist: run `mamori init`") as caught:
        LocalKeyring.load(tmp_path / "nope.key")
    assert "nope.key" in caught.value.message


GOOD_ID = "kek-0123456789ab"
GOOD_KEY = base64.b64encode(b"k" * 32).decode()
GOOD_ENTRY = {
    "id": GOOD_ID,
    "created": "2026-01-01T00:00:00+00:00",
    "key": GOOD_KEY,
    "retired": None,
}


def _doc(**changes: object) -> bytes:
    doc: dict[str, object] = {"format": 1, "primary": GOOD_ID, "keys": [GOOD_ENTRY]}
    doc.update(changes)
    return json.dumps(doc).encode()


SHORT_KEY = base64.b64encode(b"s" * 16).decode()
MALFORMED = {
    "not json": (b"{not json", "not JSON (line 1"),
    "not utf-8": (b"\xff\xfe", "not UTF-8"),
    "a list": (b"[]", "not a JSON object"),
    "format 2": (_doc(format=2), "format must be 1"),
    "no keys": (_doc(keys=[]), "non-empty list"),
    "bad id": (_doc(keys=[{**GOOD_ENTRY, "id": "k1"}]), "keys[0].id is not a key id"),
    "extra field": (_doc(keys=[{**GOOD_ENTRY, "x": 1}]), "keys[0] must be an object"),
    "short key": (_doc(keys=[{**GOOD_ENTRY, "key": SHORT_KEY}]), "not base64 of 32 bytes"),
    "bad base64": (_doc(keys=[{**GOOD_ENTRY, "key": "!!!"}]), "not base64 of 32 bytes"),
    "naive time": (_doc(keys=[{**GOOD_ENTRY, "created": "2026-01-01"}]), "time zone"),
    "unknown primary": (_doc(primary="kek-ffffffffffff"), "primary must name a key"),
    "retired primary": (
        _doc(keys=[{**GOOD_ENTRY, "key": None, "retired": "2026-02-01T00:00:00+00:00"}]),
        "primary must name a key",
    ),
    "duplicate": (_doc(keys=[GOOD_ENTRY, GOOD_ENTRY]), "appears twice"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_files_are_refused_clearly(tmp_path: Path, name: str) -> None:
    data, expected = MALFORMED[name]
    path = tmp_path / "bad.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, data)
    os.close(fd)
    with pytest.raises(ConfigError) as caught:
        LocalKeyring.load(path)
    message = caught.value.message
    assert message.startswith(f"key file {path} is malformed: ") and expected in message
    assert SHORT_KEY not in message and GOOD_KEY not in message


def test_wrap_and_unwrap_bind_the_context(key_file: Path) -> None:
    ring = LocalKeyring.load(key_file)
    kek_id, blob = ring.wrap(b"k" * 32, b"subject s1")
    assert kek_id == ring.primary_id
    assert ring.unwrap(kek_id, blob, b"subject s1") == b"k" * 32
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    failures = [
        (kek_id, blob, b"subject s2"),
        ("kek-000000000000", blob, b"subject s1"),
        (kek_id, tampered, b"subject s1"),
        (kek_id, blob[:20], b"subject s1"),
        (kek_id, b"\x02" + blob[1:], b"subject s1"),
    ]
    for args in failures:
        with pytest.raises(UnwrapError) as caught:
            ring.unwrap(*args)
        assert caught.value.message.startswith("key cannot be unwrapped with key-encryption key")


def test_rotate_keeps_old_keys_and_mode(key_file: Path, clock: FixedClock) -> None:
    ring = LocalKeyring.load(key_file, clock)
    old = ring.primary_id
    old_id, blob = ring.wrap(b"secret", b"ctx")
    new = ring.rotate()
    assert new != old and ring.primary_id == new and ring.ids() == [old, new]
    assert ring.wrap(b"secret", b"ctx")[0] == new
    assert ring.unwrap(old_id, blob, b"ctx") == b"secret"
    assert _mode(key_file) == 0o600
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["mamori.key"]
    assert [(i.id, i.primary, i.retired) for i in ring.describe()] == [
        (old, False, False),
        (new, True, False),
    ]


def test_retire_deletes_the_material_and_keeps_the_id(key_file: Path, clock: FixedClock) -> None:
    ring = LocalKeyring.load(key_file, clock)
    old = ring.primary_id
    kek_id, blob = ring.wrap(b"secret", b"ctx")
    ring.rotate()
    with pytest.raises(Conflict, match="primary"):
        ring.retire(ring.primary_id)
    with pytest.raises(NotFound):
        ring.retire("kek-000000000000")
    ring.retire(old)
    ring.retire(old)  # a second time changes nothing
    entry = json.loads(key_file.read_text())["keys"][0]
    assert entry["id"] == old and entry["key"] is None
    assert entry["retired"] == clock.now().isoformat()
    assert _mode(key_file) == 0o600
    assert old not in ring.ids()
    with pytest.raises(UnwrapError):
        ring.unwrap(kek_id, blob, b"ctx")
    assert LocalKeyring.load(key_file).describe()[0].retired


def test_another_process_sees_a_rotation(key_file: Path) -> None:
    writer, reader = LocalKeyring.load(key_file), LocalKeyring.load(key_file)
    new = writer.rotate()
    kek_id, blob = writer.wrap(b"secret", b"ctx")
    assert reader.unwrap(kek_id, blob, b"ctx") == b"secret"
    assert reader.primary_id == new and reader.wrap(b"x", b"")[0] == new

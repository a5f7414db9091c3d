"""The provision package: built, sealed with age, opened, and checked against its manifest."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pyrage  # type: ignore[import-untyped]
import pytest

from mamori.errors import MamoriError
from mamori.provision.export import (
    ExportError,
    ExportRow,
    PackageContents,
    build_package,
    open_package,
    pseudonym,
    seal,
)

JST = dt.timezone(dt.timedelta(hours=9))
CREATED = dt.datetime(2026, 11, 25, 10, 0, tzinfo=JST)
KEY = b"k" * 32
PASSPHRASE = "correct horse battery staple"
ITEMS = ("name", "email", "prefecture")
ROWS = (
    ExportRow(
        "subj-0001",
        {"name": "山田 太郎", "email": "taro@example.jp", "prefecture": "東京都"},
    ),
    ExportRow(
        "subj-0002",
        {"name": "佐藤, 花子", "email": "hanako@example.jp", "prefecture": "大阪府", "phone": "x"},
    ),
    ExportRow("subj-0003", {"name": 'Jane "J" Doe', "email": "jane@example.com"}),
)
SECRETS = (
    "山田 太郎",
    "taro@example.jp",
    "hanako@example.jp",
    "大阪府",
    "jane@example.com",
    "subj-0001",
    "Jane",
)


@functools.cache
def _key() -> Any:
    """An identity shared by the tests that only need some key."""
    return pyrage.x25519.Identity.generate()


def _build(*, pseudonym_key: bytes | None = KEY, recipient: str = "acme") -> PackageContents:
    return build_package(
        rows=iter(ROWS),
        items=ITEMS,
        recipient=recipient,
        recipient_name="株式会社アクメ",
        basis="consent",
        record_id="prov-42",
        purpose="delivery",
        created_at=CREATED,
        pseudonym_key=pseudonym_key,
    )


@pytest.fixture(scope="module")
def identity() -> Any:
    return pyrage.x25519.Identity.generate()


@pytest.fixture(scope="module")
def package() -> PackageContents:
    return _build()


@pytest.fixture(scope="module")
def sealed_to_key(package: PackageContents, identity: Any) -> bytes:
    return seal(package.zip_bytes, recipient_key=str(identity.to_public()))


@pytest.fixture(scope="module")
def sealed_with_passphrase(package: PackageContents) -> bytes:
    return seal(package.zip_bytes, passphrase=PASSPHRASE)


def _check_contents(files: dict[str, bytes], manifest: dict[str, Any]) -> None:
    """The files are exactly what the manifest says."""
    assert json.loads(files["manifest.json"]) == manifest
    assert set(files) == {"manifest.json", *manifest["files"]}
    assert set(manifest["files"]) == {"data.jsonl", "data.csv", "README.txt"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == digest
    lines = files["data.jsonl"].decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == manifest["row_count"] == 3
    assert manifest["items"] == list(ITEMS)
    for record in records:
        assert list(record) == ["id", *ITEMS]
    raw_csv = files["data.csv"]
    assert raw_csv.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw_csv.decode("utf-8-sig"), newline="")))
    assert table[0] == ["id", *ITEMS]
    assert len(table) - 1 == manifest["row_count"]
    for record, row in zip(records, table[1:], strict=True):
        assert row == [record["id"], *("" if record[i] is None else record[i] for i in ITEMS)]


def test_opens_with_an_x25519_identity(
    package: PackageContents, sealed_to_key: bytes, identity: Any
) -> None:
    assert sealed_to_key.startswith(b"age-encryption.org/v1\n-> X25519 ")
    files = open_package(sealed_to_key, identity=str(identity))
    _check_contents(files, package.manifest)
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == files


def test_opens_with_an_age_key_file_text(sealed_to_key: bytes, identity: Any) -> None:
    key_file = f"# created: 2026-11-25T10:00:00+09:00\n# public key: {identity.to_public()}\n"
    key_file += f"{identity}\n"
    assert "manifest.json" in open_package(sealed_to_key, identity=key_file)


def test_opens_with_a_passphrase(package: PackageContents, sealed_with_passphrase: bytes) -> None:
    assert sealed_with_passphrase.startswith(b"age-encryption.org/v1\n-> scrypt ")
    files = open_package(sealed_with_passphrase, passphrase=PASSPHRASE)
    _check_contents(files, package.manifest)


def test_manifest_records_the_provision(package: PackageContents) -> None:
    manifest = package.manifest
    assert manifest["format"] == "mamori-provision/1"
    assert manifest["recipient"] == "acme"
    assert manifest["recipient_name"] == "株式会社アクメ"
    assert manifest["basis"] == "consent"
    assert manifest["record_id"] == "prov-42"
    assert manifest["purpose"] == "delivery"
    assert manifest["created_at"] == "2026-11-25T10:00:00+09:00"
    assert manifest["pseudonymised"] is True
    assert manifest["row_count"] == 3


def test_rows_hold_the_items_and_nothing_else(package: PackageContents) -> None:
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
        records = [json.loads(line) for line in archive.read("data.jsonl").splitlines()]
        readme = archive.read("README.txt").decode("utf-8")
    ids = [pseudonym(KEY, "acme", row.subject) for row in ROWS]
    assert [r["id"] for r in records] == ids
    assert records[0] == {
        "id": ids[0],
        "name": "山田 太郎",
        "email": "taro@example.jp",
        "prefecture": "東京都",
    }
    assert "phone" not in records[1]  # not an exported item
    assert records[2]["prefecture"] is None  # missing value
    assert readme.index("個人データ") < readme.index("personal data")
    assert "age -d" in readme


def test_without_a_key_the_id_is_the_subject() -> None:
    contents = _build(pseudonym_key=None)
    files = open_package(
        seal(contents.zip_bytes, recipient_key=str(_key().to_public())), identity=str(_key())
    )
    _check_contents(files, contents.manifest)
    assert contents.manifest["pseudonymised"] is False
    ids = [json.loads(line)["id"] for line in files["data.jsonl"].splitlines()]
    assert ids == [row.subject for row in ROWS]


def test_pseudonyms_differ_across_recipients_and_are_stable_for_one() -> None:
    first = pseudonym(KEY, "acme", "subj-0001")
    assert re.fullmatch(r"p_[a-z2-7]{26}", first)
    assert pseudonym(KEY, "acme", "subj-0001") == first
    assert pseudonym(KEY, "globex", "subj-0001") != first
    assert pseudonym(KEY, "acme", "subj-0002") != first
    assert pseudonym(b"o" * 32, "acme", "subj-0001") != first
    acme = _build(recipient="acme").manifest["files"]["data.jsonl"]
    assert _build(recipient="acme").manifest["files"]["data.jsonl"] == acme
    assert _build(recipient="globex").manifest["files"]["data.jsonl"] != acme


def test_pseudonym_input_is_unambiguous() -> None:
    with pytest.raises(ExportError):
        pseudonym(KEY, "ac\x00me", "subj")
    with pytest.raises(ExportError, match="too short"):
        pseudonym(b"short", "acme", "subj")


def test_same_input_gives_the_same_bytes(package: PackageContents) -> None:
    assert _build().zip_bytes == package.zip_bytes
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_no_plaintext_in_the_sealed_bytes(
    package: PackageContents, sealed_to_key: bytes, sealed_with_passphrase: bytes
) -> None:
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
        plain = b"".join(archive.read(n) for n in archive.namelist())
    for sealed in (sealed_to_key, sealed_with_passphrase):
        for secret in (*SECRETS, "data.jsonl", "manifest.json", "acme"):
            assert secret.encode("utf-8") not in sealed
        assert b"PK\x03\x04" not in sealed
        assert plain[:64] not in sealed
    for row in ROWS:
        assert pseudonym(KEY, "acme", row.subject).encode() not in sealed_to_key


def test_wrong_identity_fails(sealed_to_key: bytes, sealed_with_passphrase: bytes) -> None:
    other = pyrage.x25519.Identity.generate()
    with pytest.raises(ExportError, match="cannot be decrypted") as caught:
        open_package(sealed_to_key, identity=str(other))
    assert caught.value.code == "export_invalid"
    with pytest.raises(ExportError, match="cannot be decrypted"):
        open_package(sealed_with_passphrase, identity=str(other))


def test_wrong_passphrase_fails(sealed_with_passphrase: bytes) -> None:
    with pytest.raises(ExportError, match="cannot be decrypted") as caught:
        open_package(sealed_with_passphrase, passphrase="incorrect horse battery")
    assert "incorrect horse" not in str(caught.value)


def test_not_an_age_file_fails(package: PackageContents) -> None:
    with pytest.raises(ExportError, match="cannot be decrypted"):
        open_package(package.zip_bytes, identity=str(_key()))


def test_a_malformed_identity_is_refused(sealed_to_key: bytes) -> None:
    with pytest.raises(ExportError, match="not a valid age X25519 secret key"):
        open_package(sealed_to_key, identity="AGE-SECRET-KEY-1NOTAKEY")
    with pytest.raises(ExportError, match="no age secret key"):
        open_package(sealed_to_key, identity="# just a comment\n")


@pytest.mark.parametrize(
    "key",
    [
        "",
        "not-a-key",
        "age1notavalidkey",
        "AGE-SECRET-KEY-1QQQQ",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk",
    ],
)
def test_a_bad_recipient_key_is_refused(package: PackageContents, key: str) -> None:
    with pytest.raises(ExportError, match="recipient key is not") as caught:
        seal(package.zip_bytes, recipient_key=key)
    assert isinstance(caught.value, MamoriError)
    assert caught.value.code == "export_invalid"
    assert caught.value.exit_code == 2


def test_a_bad_key_with_the_right_prefix_is_refused(package: PackageContents) -> None:
    good = str(_key().to_public())
    broken = good[:-1] + ("q" if good[-1] != "q" else "p")  # bech32 checksum fails
    with pytest.raises(ExportError, match="not a valid age X25519 public key"):
        seal(package.zip_bytes, recipient_key=broken)


@pytest.mark.parametrize("passphrase", ["", "   ", "hunter2", "elevenchars"])
def test_an_empty_or_short_passphrase_is_refused(package: PackageContents, passphrase: str) -> None:
    with pytest.raises(ExportError, match=r"passphrase is (empty|too short)") as caught:
        seal(package.zip_bytes, passphrase=passphrase)
    if passphrase.strip():
        assert passphrase not in caught.value.message
    assert caught.value.exit_code == 2


def test_exactly_one_of_key_or_passphrase(package: PackageContents) -> None:
    with pytest.raises(ExportError, match="exactly one"):
        seal(package.zip_bytes)
    with pytest.raises(ExportError, match="exactly one"):
        seal(package.zip_bytes, recipient_key=str(_key().to_public()), passphrase=PASSPHRASE)
    with pytest.raises(ExportError, match="exactly one"):
        open_package(b"", identity=str(_key()), passphrase=PASSPHRASE)
    with pytest.raises(ExportError, match="exactly one"):
        open_package(b"")


def _rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out.getvalue()


def _reseal(files: dict[str, bytes]) -> bytes:
    return seal(_rezip(files), recipient_key=str(_key().to_public()))


def test_a_changed_file_fails_its_hash(package: PackageContents) -> None:
    files = dict(open_package(_reseal(_unzip(package)), identity=str(_key())))
    files["data.csv"] = files["data.csv"].replace("東京都".encode(), "京都府".encode())
    with pytest.raises(ExportError, match=r"data\.csv does not match its SHA-256"):
        open_package(_reseal(files), identity=str(_key()))


def test_an_unlisted_or_missing_file_fails(package: PackageContents) -> None:
    files = _unzip(package)
    with pytest.raises(ExportError, match=r"not in manifest\.json"):
        open_package(_reseal({**files, "extra.txt": b"x"}), identity=str(_key()))
    without = {n: b for n, b in files.items() if n != "data.csv"}
    with pytest.raises(ExportError, match=r"listed in manifest\.json but missing"):
        open_package(_reseal(without), identity=str(_key()))
    without = {n: b for n, b in files.items() if n != "manifest.json"}
    with pytest.raises(ExportError, match=r"no manifest\.json"):
        open_package(_reseal(without), identity=str(_key()))


def test_a_wrong_row_count_fails(package: PackageContents) -> None:
    files = _unzip(package)
    manifest = json.loads(files["manifest.json"])
    manifest["row_count"] = 2
    files["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(ExportError, match="has 3 rows"):
        open_package(_reseal(files), identity=str(_key()))


def test_a_sealed_non_zip_fails() -> None:
    with pytest.raises(ExportError, match="not a valid ZIP"):
        open_package(seal(b"plain text", passphrase=PASSPHRASE), passphrase=PASSPHRASE)


def _unzip(package: PackageContents) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"items": ()}, "no items"),
        ({"items": ("name", "name")}, "listed twice"),
        ({"items": ("id", "name")}, "reserved"),
        ({"items": ("name", "")}, "non-empty"),
        ({"created_at": dt.datetime(2026, 11, 25, 10, 0)}, "timezone-aware"),
        ({"recipient": ""}, "recipient id"),
        ({"pseudonym_key": b"short"}, "too short"),
        ({"rows": [ROWS[0], ROWS[0]]}, "row 2 repeats a subject"),
        ({"rows": [ExportRow("", {})]}, "row 1 has an empty subject"),
    ],
)
def test_bad_input_is_refused(change: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "rows": ROWS,
        "items": ITEMS,
        "recipient": "acme",
        "recipient_name": "Acme",
        "basis": "consent",
        "record_id": None,
        "purpose": "delivery",
        "created_at": CREATED,
        "pseudonym_key": KEY,
    }
    arguments.update(change)
    with pytest.raises(ExportError, match=message):
        build_package(**arguments)


def test_rows_are_read_once_from_a_generator() -> None:
    def rows() -> Any:
        yield from ROWS

    contents = build_package(
        rows=rows(),
        items=ITEMS,
        recipient="acme",
        recipient_name="Acme",
        basis="consent",
        record_id=None,
        purpose="delivery",
        created_at=CREATED,
        pseudonym_key=None,
    )
    assert contents.manifest["row_count"] == 3
    assert contents.manifest["record_id"] is None


def test_the_age_command_line_tool_opens_it(
    tmp_path: Path, package: PackageContents, sealed_to_key: bytes, identity: Any
) -> None:
    tool = shutil.which("age") or shutil.which("rage")
    if tool is None:
        pytest.skip("neither the age nor the rage command is on PATH (optional)")
    key_file = tmp_path / "key.txt"
    key_file.write_text(f"{identity}\n", encoding="ascii")
    sealed = tmp_path / "package.zip.age"
    sealed.write_bytes(sealed_to_key)
    out = tmp_path / "package.zip"
    subprocess.run(
        [tool, "-d", "-i", str(key_file), "-o", str(out), str(sealed)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert out.read_bytes() == package.zip_bytes

"""The provision package: personal data carried out to a recipient, sealed with age.

A provision to a recipient named in the privacy policy (APPI Art. 27) leaves mamori as one
file the recipient can open with the common ``age`` or ``rage`` tools
(https://age-encryption.org): a ZIP encrypted to the recipient's X25519 public key
(``age1...``) or to a passphrase (scrypt). The data carried out is thereby not readable by
anyone who only holds the file, as the policy promises.

The ZIP holds:

``data.jsonl``
    one JSON object per subject: ``{"id": ..., item: value, ...}``, items in the given
    order, a missing value as ``null``;
``data.csv``
    the same columns as CSV (UTF-8 with BOM so spreadsheet apps read it, ``\\r\\n`` line
    ends), a missing value as an empty cell;
``manifest.json``
    recipient, basis, record id, purpose, items, row count, creation time, whether the ids
    are pseudonyms, and the SHA-256 of every other file;
``README.txt``
    what the package is and how to open it, in Japanese then English.

With a ``pseudonym_key`` the ``id`` column holds :func:`pseudonym` of the subject: keyed,
per recipient, stable (the same subject has the same id for one recipient every time, and
unrelated ids for two recipients, so recipients cannot join their data on it).

Entries carry a fixed time, so the same input gives the same ZIP bytes. The rows are read
once; each row is written straight into the compressed ``data.jsonl`` entry and the CSV
buffer and then dropped (nothing is spooled to disk: the plaintext stays in memory).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import pyrage  # type: ignore[import-untyped]

from mamori.errors import MamoriError

__all__ = [
    "FORMAT",
    "MIN_PASSPHRASE_LENGTH",
    "ExportError",
    "ExportRow",
    "PackageContents",
    "build_package",
    "open_package",
    "pseudonym",
    "seal",
]

FORMAT = "mamori-provision/1"
"""The ``format`` field of ``manifest.json``; changes only if the layout does."""

MIN_PASSPHRASE_LENGTH = 12
"""The shortest passphrase :func:`seal` accepts, in characters."""

MIN_PSEUDONYM_KEY_BYTES = 16

DATA_JSONL = "data.jsonl"
DATA_CSV = "data.csv"
MANIFEST = "manifest.json"
README = "README.txt"

_STAMP = (2000, 1, 1, 0, 0, 0)
_ID = "id"


class ExportError(MamoriError):
    """A provision package cannot be built, sealed or opened as asked.

    The message names the problem (a bad key, a short passphrase, a hash that does not
    match); it never holds a passphrase, a secret key or a personal data value.
    """

    code = "export_invalid"
    exit_code = 2


@dataclass(frozen=True)
class ExportRow:
    """One subject's values: item id -> value. Items not exported are ignored."""

    subject: str
    values: Mapping[str, str]


@dataclass(frozen=True)
class PackageContents:
    """The unsealed ZIP and the manifest it carries (the same dict as ``manifest.json``)."""

    zip_bytes: bytes
    manifest: dict[str, Any]


def pseudonym(key: bytes, recipient: str, subject: str) -> str:
    """A keyed id for ``subject`` that only ``recipient`` sees.

    ``"p_" + base32(HMAC-SHA256(key, recipient || 0x00 || subject))[:26]``, lower case
    (130 bits). The recipient id may not contain NUL, so the input is unambiguous.
    """
    if len(key) < MIN_PSEUDONYM_KEY_BYTES:
        raise ExportError(f"pseudonym key is too short: at least {MIN_PSEUDONYM_KEY_BYTES} bytes")
    if not recipient or "\x00" in recipient:
        raise ExportError("recipient id must be non-empty and must not contain NUL")
    message = recipient.encode("utf-8") + b"\x00" + subject.encode("utf-8")
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return "p_" + base64.b32encode(digest).decode("ascii")[:26].lower()


_BLOCK = 2000  # rows per write


class _Sink:
    """Writes bytes to ``out`` while hashing them."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.sha256.update(data)
        self.size += len(data)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, on every platform: the same bytes everywhere
    info.external_attr = 0o100644 << 16
    return info


def _check_items(items: Sequence[str]) -> list[str]:
    columns = list(items)
    if not columns:
        raise ExportError("no items to export")
    seen: set[str] = set()
    for item in columns:
        if not isinstance(item, str) or not item:
            raise ExportError("item ids must be non-empty strings")
        if item == _ID:
            raise ExportError(f"item id {_ID!r} is reserved for the subject column")
        if item in seen:
            raise ExportError(f"item {item!r} is listed twice")
        seen.add(item)
    return columns


def build_package(
    *,
    rows: Iterable[ExportRow],
    items: Sequence[str],
    recipient: str,
    recipient_name: str,
    basis: str,
    record_id: str | None,
    purpose: str,
    created_at: dt.datetime,
    pseudonym_key: bytes | None,
) -> PackageContents:
    """The ZIP for one provision, not yet sealed (see :func:`seal`).

    ``rows`` is read once; only ``items`` are exported, in that order. A subject may
    appear once. ``created_at`` must be timezone-aware.
    """
    columns = _check_items(items)
    if not recipient or "\x00" in recipient:
        raise ExportError("recipient id must be non-empty and must not contain NUL")
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise ExportError("created_at must be timezone-aware")
    if pseudonym_key is not None and len(pseudonym_key) < MIN_PSEUDONYM_KEY_BYTES:
        raise ExportError(f"pseudonym key is too short: at least {MIN_PSEUDONYM_KEY_BYTES} bytes")

    buffer = io.BytesIO()
    files: dict[str, str] = {}
    count = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        readme = _README.encode("utf-8")
        archive.writestr(_entry(README), readme)
        files[README] = hashlib.sha256(readme).hexdigest()

        csv_buffer = io.BytesIO()
        csv_sink = _Sink(csv_buffer)
        line = io.StringIO()
        writer = csv.writer(line, lineterminator="\r\n")
        writer.writerow([_ID, *columns])
        csv_sink.write(("\ufeff" + line.getvalue()).encode("utf-8"))
        seen: set[str] = set()
        with archive.open(_entry(DATA_JSONL), "w") as entry:
            jsonl_sink = _Sink(entry)
            dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
            lines: list[str] = []
            table: list[list[str]] = []

            def flush() -> None:
                # Written in blocks: one write, hash and compress call per block, not per row.
                if lines:
                    jsonl_sink.write("".join(lines).encode("utf-8"))
                    line.seek(0)
                    line.truncate()
                    writer.writerows(table)
                    csv_sink.write(line.getvalue().encode("utf-8"))
                    lines.clear()
                    table.clear()

            for row in rows:
                count += 1
                if not row.subject:
                    raise ExportError(f"row {count} has an empty subject id")
                if row.subject in seen:
                    raise ExportError(f"row {count} repeats a subject given before")
                seen.add(row.subject)
                if pseudonym_key is None:
                    ident = row.subject
                else:
                    ident = pseudonym(pseudonym_key, recipient, row.subject)
                cells = [row.values.get(item) for item in columns]
                record: dict[str, str | None] = {_ID: ident}
                record.update(zip(columns, cells, strict=True))
                lines.append(dumps(record) + "\n")
                table.append([ident, *("" if c is None else c for c in cells)])
                if len(lines) >= _BLOCK:
                    flush()
            flush()
        del seen
        files[DATA_JSONL] = jsonl_sink.sha256.hexdigest()

        with archive.open(_entry(DATA_CSV), "w") as entry, csv_buffer.getbuffer() as view:
            entry.write(view)
        csv_buffer.close()
        files[DATA_CSV] = csv_sink.sha256.hexdigest()

        manifest: dict[str, Any] = {
            "format": FORMAT,
            "recipient": recipient,
            "recipient_name": recipient_name,
            "basis": basis,
            "record_id": record_id,
            "purpose": purpose,
            "items": columns,
            "row_count": count,
            "created_at": created_at.isoformat(),
            "pseudonymised": pseudonym_key is not None,
            "files": dict(sorted(files.items())),
        }
        body = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        archive.writestr(_entry(MANIFEST), body.encode("utf-8"))
    return PackageContents(zip_bytes=buffer.getvalue(), manifest=manifest)


def seal(
    zip_bytes: bytes, *, recipient_key: str | None = None, passphrase: str | None = None
) -> bytes:
    """Encrypt ``zip_bytes`` with age to an X25519 public key or to a passphrase.

    Give exactly one. The key is an ``age1...`` string; the passphrase has at least
    :data:`MIN_PASSPHRASE_LENGTH` characters and is never repeated in an error.
    """
    return check_sealing(recipient_key=recipient_key, passphrase=passphrase)(zip_bytes)


def check_sealing(
    *, recipient_key: str | None = None, passphrase: str | None = None
) -> Callable[[bytes], bytes]:
    """Check the key or passphrase now and return the sealing function, so a caller can
    refuse bad input before it writes anything."""
    if (recipient_key is None) == (passphrase is None):
        raise ExportError("give exactly one of a recipient key or a passphrase")
    if recipient_key is not None:
        key = recipient_key.strip()
        if not key.startswith("age1"):
            raise ExportError("recipient key is not an age X25519 public key (age1...)")
        try:
            recipient = pyrage.x25519.Recipient.from_str(key)
        except pyrage.RecipientError:
            raise ExportError(
                "recipient key is not a valid age X25519 public key (age1...)"
            ) from None

        def to_key(zip_bytes: bytes) -> bytes:
            try:
                sealed: bytes = pyrage.encrypt(zip_bytes, [recipient])
            except pyrage.EncryptError:
                raise ExportError(
                    "the package could not be encrypted to the recipient key"
                ) from None
            return sealed

        return to_key
    assert passphrase is not None
    if not passphrase.strip():
        raise ExportError("passphrase is empty")
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ExportError(
            f"passphrase is too short: at least {MIN_PASSPHRASE_LENGTH} characters are needed"
        )
    secret = passphrase

    def with_passphrase(zip_bytes: bytes) -> bytes:
        try:
            sealed: bytes = pyrage.passphrase.encrypt(zip_bytes, secret)
        except pyrage.EncryptError:
            raise ExportError("the package could not be encrypted with the passphrase") from None
        return sealed

    return with_passphrase


def _identities(identity: str) -> list[Any]:
    """The X25519 identities in ``identity``: one key, or the text of an age key file."""
    lines = [ln.strip() for ln in identity.splitlines()]
    keys = [ln for ln in lines if ln and not ln.startswith("#")]
    if not keys:
        raise ExportError("identity holds no age secret key (AGE-SECRET-KEY-1...)")
    parsed: list[Any] = []
    for key in keys:
        try:
            parsed.append(pyrage.x25519.Identity.from_str(key))
        except pyrage.IdentityError:
            raise ExportError(
                "identity is not a valid age X25519 secret key (AGE-SECRET-KEY-1...)"
            ) from None
    return parsed


def open_package(
    sealed: bytes, *, identity: str | None = None, passphrase: str | None = None
) -> dict[str, bytes]:
    """Decrypt and unzip a sealed package: file name -> bytes, ``manifest.json`` included.

    Give exactly one of ``identity`` (an ``AGE-SECRET-KEY-1...`` key or the text of an
    age key file) and ``passphrase``. Every file must be listed in the manifest with its
    SHA-256, every listed file must be present, and ``row_count`` must match the lines of
    ``data.jsonl``; anything else raises :class:`ExportError`.
    """
    if (identity is None) == (passphrase is None):
        raise ExportError("give exactly one of an identity or a passphrase")
    try:
        if identity is not None:
            plain: bytes = pyrage.decrypt(sealed, _identities(identity))
        else:
            assert passphrase is not None
            if not passphrase:
                raise ExportError("passphrase is empty")
            plain = pyrage.passphrase.decrypt(sealed, passphrase)
    except pyrage.DecryptError:
        raise ExportError(
            "the package cannot be decrypted: wrong identity or passphrase, or not an age file"
        ) from None

    try:
        with zipfile.ZipFile(io.BytesIO(plain)) as archive:
            names = archive.namelist()
            if len(set(names)) != len(names):
                raise ExportError("the package lists a file twice")
            contents = {name: archive.read(name) for name in names}
    except zipfile.BadZipFile:
        raise ExportError("the decrypted package is not a valid ZIP") from None
    if MANIFEST not in contents:
        raise ExportError(f"the package has no {MANIFEST}")
    try:
        manifest = json.loads(contents[MANIFEST].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ExportError(f"{MANIFEST} is not valid JSON") from None
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict):
        raise ExportError(f"{MANIFEST} has no files to check")

    unlisted = sorted(set(contents) - {MANIFEST} - set(listed))
    if unlisted:
        raise ExportError(f"{unlisted[0]} is in the package but not in {MANIFEST}")
    for name, expected in sorted(listed.items()):
        if name not in contents:
            raise ExportError(f"{name} is listed in {MANIFEST} but missing")
        actual = hashlib.sha256(contents[name]).hexdigest()
        if not isinstance(expected, str) or not hmac.compare_digest(actual, expected):
            raise ExportError(f"{name} does not match its SHA-256 in {MANIFEST}")
    if DATA_JSONL in contents:
        rows = contents[DATA_JSONL].count(b"\n")
        if manifest.get("row_count") != rows:
            raise ExportError(f"{DATA_JSONL} has {rows} rows; {MANIFEST} says otherwise")
    return contents


_README = """\
個人データ提供パッケージ(mamori)
==================================

これは何か
  プライバシーポリシーで提供先として定めた事業者へ、mamori が作成した個人データの
  提供パッケージです。提供先、提供の根拠、記録番号、利用目的、項目、件数、作成日時は
  manifest.json に記載されています。

個人データを含みます
  このパッケージには個人データが含まれます。契約と個人情報保護法に従って安全に管理し、
  定められた目的と範囲でのみ利用し、不要になったら速やかに消去してください。
  復号した ZIP と展開したファイルは暗号化されていません。取り扱いにご注意ください。
  manifest.json の pseudonymised が true のとき、id 列は貴社だけに発行した仮名です。
  本人を特定しようとしないでください。

ファイル
  data.jsonl     1 行に 1 人分の JSON(id と各項目)
  data.csv       同じ内容の CSV(UTF-8、BOM 付き)
  manifest.json  提供の記録と、各ファイルの SHA-256
  README.txt     このファイル

開き方
  パッケージは age 形式(https://age-encryption.org)で暗号化されて届きます。
  age または rage コマンドで復号し、できた ZIP を展開します。
    秘密鍵で復号する:        age -d -i key.txt -o package.zip package.zip.age
    パスフレーズで復号する:  age -d -o package.zip package.zip.age
                             (パスフレーズを尋ねられます)
  rage でも同じ引数で復号できます。


Personal data provision package (mamori)
========================================

What this is
  A package of personal data that mamori prepared for a recipient named in the
  privacy policy. The recipient, the basis of the provision, the record id, the
  purpose, the items, the row count and the creation time are in manifest.json.

It contains personal data
  Keep it secure as your contract and Japan's Act on the Protection of Personal
  Information (APPI) require, use it only for the stated purpose and scope, and
  delete it as soon as it is no longer needed. The decrypted ZIP and the files in it
  are not encrypted: handle them with care. When "pseudonymised" in manifest.json is
  true, the id column holds pseudonyms issued for you alone; do not try to identify
  the persons behind them.

Files
  data.jsonl     one JSON object per person (id and each item)
  data.csv       the same as CSV (UTF-8 with BOM)
  manifest.json  the record of the provision and the SHA-256 of each file
  README.txt     this file

How to open it
  The package arrives encrypted with age (https://age-encryption.org). Decrypt it
  with the age or rage command, then unzip the result.
    with a secret key:   age -d -i key.txt -o package.zip package.zip.age
    with a passphrase:   age -d -o package.zip package.zip.age
                         (you are asked for the passphrase)
  rage takes the same arguments.
"""

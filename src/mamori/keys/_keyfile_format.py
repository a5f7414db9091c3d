"""The key file's JSON: parsed strictly, with errors that name the file and never a key."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mamori.errors import ConfigError
from mamori.keys._secret import SecretBytes

__all__ = ["Entry", "dump", "parse"]

FORMAT = 1
_ID = re.compile(r"kek-[0-9a-f]{12}")


@dataclass(frozen=True)
class Entry:
    """One key of the file; ``key`` is None once retired."""

    id: str
    created: dt.datetime
    key: SecretBytes | None
    retired: dt.datetime | None


def dump(primary: str, entries: Sequence[Entry]) -> bytes:
    keys = [
        {
            "id": e.id,
            "created": e.created.isoformat(),
            "key": base64.b64encode(e.key.expose()).decode() if e.key is not None else None,
            "retired": e.retired.isoformat() if e.retired is not None else None,
        }
        for e in entries
    ]
    doc = {"format": FORMAT, "primary": primary, "keys": keys}
    return (json.dumps(doc, indent=2) + "\n").encode()


def _time(value: Any, where: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    raise ValueError(f"{where} is not a date-time with a time zone")


def _entry(index: int, raw: Any) -> Entry:
    where = f"keys[{index}]"
    if not isinstance(raw, dict) or set(raw) != {"id", "created", "key", "retired"}:
        raise ValueError(f"{where} must be an object with id, created, key and retired")
    kek_id = raw["id"]
    if not isinstance(kek_id, str) or not _ID.fullmatch(kek_id):
        raise ValueError(f"{where}.id is not a key id (kek- and 12 hex digits)")
    created = _time(raw["created"], f"{where}.created")
    retired = None if raw["retired"] is None else _time(raw["retired"], f"{where}.retired")
    key = None
    if raw["key"] is not None:
        try:
            material = base64.b64decode(raw["key"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            material = b""
        if len(material) != 32:
            raise ValueError(f"{where}.key ({kek_id}) is not base64 of 32 bytes")
        key = SecretBytes(material, kek_id)
    if (key is None) == (retired is None):
        raise ValueError(f"{where} ({kek_id}) needs a key, or a retired time and no key")
    return Entry(kek_id, created, key, retired)


def _parse(data: bytes) -> tuple[str, list[Entry]]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON (line {exc.lineno} column {exc.colno})") from None
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    if doc.get("format") != FORMAT:
        raise ValueError(f"format must be {FORMAT}")
    keys = doc.get("keys")
    if not isinstance(keys, list) or not keys:
        raise ValueError("keys must be a non-empty list")
    entries = [_entry(i, raw) for i, raw in enumerate(keys)]
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("a key id appears twice")
    primary = doc.get("primary")
    live = [e.id for e in entries if e.key is not None]
    if not isinstance(primary, str) or primary not in live:
        raise ValueError("primary must name a key of the file that is not retired")
    return primary, entries


def parse(path: Path, data: bytes) -> tuple[str, list[Entry]]:
    try:
        return _parse(data)
    except ValueError as exc:
        raise ConfigError(f"key file {path} is malformed: {exc}") from None

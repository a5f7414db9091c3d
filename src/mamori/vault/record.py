"""How a subject's values are kept in its one row of ``subjects``.

Two columns hold them, always written together:

``sealed``
    The ciphertexts, one after another, each as
    ``len(item) (1 byte) | item (UTF-8) | version (4 bytes) | len(ciphertext) (4 bytes) |
    ciphertext`` (big-endian). Every ciphertext is sealed on its own under the subject's
    data key, bound to subject, item and version (see :mod:`mamori.keys`), so a value moved
    to another item or subject still does not open.
``ledger``
    What the subject holds, without values: a JSON object ``{item: [version, purpose,
    collected_at]}`` (ISO 8601 UTC), for retention and for queries by item.

One row per subject instead of a row per value: collecting a person writes one row, and
reading one reads one.
"""

from __future__ import annotations

import datetime as dt
import json
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Held",
    "RecordError",
    "holds_item",
    "holds_item_param",
    "iso",
    "ledger_entries",
    "ledger_text",
    "pack",
    "read_ledger",
    "record_columns",
    "unpack",
]

_HEAD = struct.Struct(">II")  # version, ciphertext length
_ITEM_MAX = 255


class RecordError(ValueError):
    """A stored record is not in the format above (a damaged or foreign row)."""


@dataclass(frozen=True, slots=True)
class Held:
    """One item a subject holds: its value's version, the purpose it was collected for
    (``correction`` after a correction) and when."""

    version: int
    purpose: str
    collected_at: dt.datetime


_LENGTH = struct.Struct(">I").pack
_heads: dict[tuple[str, int], bytes] = {}  # (item, version) -> its bytes before the length
_names: dict[bytes, str] = {}  # an item's stored bytes -> its id


def _head(item: str, version: int) -> bytes:
    name = item.encode()
    if not 0 < len(name) <= _ITEM_MAX:
        raise ValueError("an item id is 1 to 255 bytes")
    head = bytes((len(name),)) + name + version.to_bytes(4, "big")
    if len(_heads) < 100_000:
        _heads[(item, version)] = head
    return head


def pack(values: Iterable[tuple[str, int, bytes]]) -> bytes:
    """The ``sealed`` bytes of (item, version, ciphertext) triples."""
    parts: list[bytes] = []
    add = parts.append
    heads = _heads
    for item, version, ciphertext in values:
        add(heads.get((item, version)) or _head(item, version))
        add(_LENGTH(len(ciphertext)))
        add(ciphertext)
    return b"".join(parts)


def unpack(sealed: bytes) -> list[tuple[str, int, bytes]]:
    """The (item, version, ciphertext) triples of ``sealed``, in stored order."""
    out: list[tuple[str, int, bytes]] = []
    add = out.append
    head = _HEAD.unpack_from
    names = _names
    at, end = 0, len(sealed)
    try:
        while at < end:
            start = at + 1
            at = start + sealed[at]
            raw = sealed[start:at]
            item = names.get(raw)
            if item is None:
                item = raw.decode()
                if len(names) < 10_000:
                    names[raw] = item
            version, length = head(sealed, at)
            at += 8
            stop = at + length
            if stop > end:
                raise RecordError("truncated record")
            add((item, version, sealed[at:stop]))
            at = stop
    except (struct.error, IndexError, UnicodeDecodeError):
        raise RecordError("damaged record") from None
    return out


def ledger_text(entries: Mapping[str, tuple[int, str, str]]) -> str:
    """The ``ledger`` JSON of {item: (version, purpose, collected_at ISO text)}."""
    return json.dumps(
        {item: [v, p, at] for item, (v, p, at) in entries.items()},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def read_ledger(text: str | None) -> dict[str, Held]:
    """The items of a ``ledger`` (an erased subject's None gives none)."""
    if not text:
        return {}
    try:
        data = json.loads(text)
        return {
            str(item): Held(int(v), str(p), dt.datetime.fromisoformat(at))
            for item, (v, p, at) in data.items()
        }
    except (ValueError, TypeError, AttributeError):
        raise RecordError("damaged ledger") from None


def ledger_entries(held: Mapping[str, Held]) -> dict[str, tuple[int, str, str]]:
    """The inverse of :func:`read_ledger`, for rewriting a ledger after a change."""
    return {i: (h.version, h.purpose, iso(h.collected_at)) for i, h in held.items()}


def record_columns(
    held: Mapping[str, Held], values: Sequence[tuple[str, int, bytes]]
) -> tuple[str | None, bytes | None]:
    """The (ledger, sealed) columns of a subject holding ``values`` (item, version,
    ciphertext) described by ``held``; both None when it holds nothing."""
    if not values:
        return None, None
    return ledger_text(ledger_entries(held)), pack(values)


def iso(at: dt.datetime) -> str:
    """A time as the ledger writes it: ISO 8601 in UTC with microseconds."""
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def holds_item(column: str = "s.ledger") -> str:
    """A portable SQL condition (``?`` placeholder) for "the subject holds an item": a LIKE
    on the ledger's quoted key, its parameter made by :func:`holds_item_param`."""
    return f"{column} LIKE ? ESCAPE '!'"


def holds_item_param(item: str) -> str:
    """The LIKE pattern matching ``"item":`` in a ledger, with LIKE's wildcards escaped."""
    escaped = item.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f'%"{escaped}":%'

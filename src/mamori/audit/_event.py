"""Audit events (what happened) and entries (an event with its place in the chain).

An entry's canonical form is the JSON object ``{seq, at, actor, action, subject, purpose,
items, detail}`` with sorted keys, UTF-8, no spaces and no ASCII escaping; its hash is
SHA-256(previous hash || canonical bytes). An event encodes its own parts once, when it
is made, so appending a batch only splices ``seq`` and ``at`` into bytes it already has.

Entries hold ids, names and counts, never a personal data value. ``detail`` is checked to
make abuse hard: identifier keys, scalars or flat lists/maps of scalars (depth <= 2),
strings of at most 200 characters, 32 keys, 4 KiB in all.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mamori.audit._errors import InvalidAuditEvent

__all__ = [
    "ACTIONS",
    "AuditEntry",
    "AuditEvent",
    "canonical_json",
    "format_at",
    "known_actions",
    "register_action",
]

ACTIONS = frozenset(
    {
        "collect",
        "use",
        "deny",
        "correct",
        "erase",
        "export",
        "import",
        "login",
        "key_rotate",
        "policy_publish",
        "checkpoint",
        "legal_exception",
        "consent",
        "suspend",
        "lift",
        "announce",
        "notify",
        "request",
        "download",
        "record",
        "record_purge",
    }
)
_actions: set[str] = set(ACTIONS)
_ACTION = re.compile(r"[a-z][a-z0-9_]{0,39}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SPACE = re.compile(r"\s")

MAX_ACTOR = 200
MAX_SUBJECT = 40
MAX_NAME = 64
MAX_ITEMS = 256
MAX_STRING = 200
MAX_KEYS = 32
MAX_LIST = 256
MAX_DETAIL_BYTES = 4096
_INT_LIMIT = 2**63

_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)
_quote: Any = json.encoder.encode_basestring  # what _ENCODER does to a str, in C
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def canonical_json(value: Any) -> bytes:
    """Sorted keys, UTF-8, no spaces, no ASCII escaping: the bytes that are hashed."""
    return _ENCODER.encode(value).encode("utf-8")


def register_action(name: str) -> None:
    """Allow another action name (``[a-z][a-z0-9_]*``, at most 40 characters)."""
    if not isinstance(name, str) or not _ACTION.fullmatch(name):
        raise InvalidAuditEvent("an action name is [a-z][a-z0-9_]*, at most 40 characters")
    _actions.add(name)


def known_actions() -> frozenset[str]:
    """The built-in actions and those added with :func:`register_action`."""
    return frozenset(_actions)


def format_at(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with microseconds: ``2026-11-25T01:00:00.000000Z``."""
    if moment.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    utc = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def parse_at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=dt.UTC)


# checks ---------------------------------------------------------------------------------


# Names and keys repeat (actors, purposes, items, detail keys): the ones that passed are
# remembered, up to a bound, so most events skip the checks. A name of at most 40
# characters that passed is valid in every field. Subject ids are not remembered.
_CACHE_LIMIT = 100_000
_good_names: set[str] = set()
_good_keys: dict[str, str] = {}  # key -> its JSON string


def _name(what: str, value: object, limit: int, *, remember: bool = True) -> str:
    """An id or name: 1..limit printable characters without spaces."""
    if remember and type(value) is str and value in _good_names:
        return value
    if not isinstance(value, str):
        raise InvalidAuditEvent(f"{what} must be a string")
    value = str.__str__(value)
    if not 0 < len(value) <= limit:
        raise InvalidAuditEvent(f"{what} must be 1 to {limit} characters")
    if not value.isprintable() or _SPACE.search(value):
        raise InvalidAuditEvent(f"{what} must be printable, without spaces")
    if remember and len(value) <= MAX_SUBJECT and len(_good_names) < _CACHE_LIMIT:
        _good_names.add(value)
    return value


def _names(values: object) -> tuple[str, ...]:
    """Item ids, checked like :func:`_name`."""
    if type(values) is not tuple and type(values) is not list and not _sequence(values):
        raise InvalidAuditEvent("items must be a sequence of item ids")
    items: tuple[Any, ...] = tuple(values)  # type: ignore[arg-type]
    if len(items) > MAX_ITEMS:
        raise InvalidAuditEvent(f"items holds at most {MAX_ITEMS} ids")
    if all(type(v) is str and v in _good_names for v in items):
        return items
    return tuple([_name("item", v, MAX_NAME) for v in items])


def _sequence(values: object) -> bool:
    return not isinstance(values, str) and isinstance(values, Iterable)


def _scalar(where: str, value: object) -> tuple[Any, str]:
    """The value (as its exact built-in type) and its canonical JSON."""
    if type(value) is str:
        if len(value) <= MAX_STRING and (value.isascii() or _utf8(value)):
            return value, _quote(value)
    elif value is None:
        return None, "null"
    elif type(value) is bool:
        return value, "true" if value else "false"
    elif type(value) is int and -_INT_LIMIT < value < _INT_LIMIT:
        return value, int.__repr__(value)
    return _scalar_slow(where, value)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _scalar_slow(where: str, value: object) -> tuple[Any, str]:
    if isinstance(value, bool):
        return _scalar(where, bool(value))
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise InvalidAuditEvent(f"{where}: strings in detail are at most {MAX_STRING} chars")
        if not _utf8(value):
            raise InvalidAuditEvent(f"{where}: not valid text")
        return _scalar(where, str.__str__(value))
    if isinstance(value, int):
        if not -_INT_LIMIT < value < _INT_LIMIT:
            raise InvalidAuditEvent(f"{where}: integers in detail fit in 64 bits")
        return _scalar(where, int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidAuditEvent(f"{where}: numbers in detail must be finite")
        number = float(value)
        return number, float.__repr__(number)
    if isinstance(value, Mapping | list | tuple):
        raise InvalidAuditEvent(f"{where}: detail is nested deeper than 2 levels")
    raise InvalidAuditEvent(f"{where}: detail holds JSON scalars, lists and maps only")


def _keys(where: str, mapping: Mapping[Any, Any]) -> list[str]:
    """The keys in canonical (sorted) order, each an identifier."""
    for key in mapping:
        if key in _good_keys and type(key) is str:
            continue
        if type(key) is not str or not _KEY.fullmatch(key):
            raise InvalidAuditEvent(f"{where}: keys are [a-z][a-z0-9_]*, at most 64 characters")
        if len(_good_keys) < _CACHE_LIMIT:
            _good_keys[key] = _quote(key)
    return sorted(mapping)


def _key_json(key: str) -> str:
    return _good_keys.get(key) or _quote(key)


def _detail(value: object) -> tuple[str, Mapping[str, Any]]:
    """The canonical JSON of ``detail`` and a read-only copy (lists become tuples).

    Encoded here rather than by ``json``: building a C encoder per call costs more than the
    whole event, and the grammar is small. Tests check the result equals ``json.dumps``.
    """
    if type(value) is not dict and not isinstance(value, Mapping):
        raise InvalidAuditEvent("detail must be a mapping")
    if not value:
        return "{}", _EMPTY
    if len(value) > MAX_KEYS:
        raise InvalidAuditEvent(f"detail has at most {MAX_KEYS} keys")
    frozen: dict[str, Any] = {}
    parts: list[str] = []
    for key in _keys("detail", value):
        raw = value[key]
        where = f"detail.{key}"
        kind = type(raw)
        if kind is str or kind is int or kind is bool or raw is None:
            frozen[key], encoded = _scalar(where, raw)
        elif kind is list or kind is tuple or isinstance(raw, list | tuple):
            if len(raw) > MAX_LIST:
                raise InvalidAuditEvent(f"{where}: lists in detail hold at most {MAX_LIST} values")
            pairs = [_scalar(where, v) for v in raw]
            frozen[key] = tuple(v for v, _ in pairs)
            encoded = "[" + ",".join(j for _, j in pairs) + "]"
        elif isinstance(raw, Mapping):
            if len(raw) > MAX_KEYS:
                raise InvalidAuditEvent(f"{where}: maps in detail hold at most {MAX_KEYS} keys")
            inner = {k: _scalar(where, raw[k]) for k in _keys(where, raw)}
            frozen[key] = MappingProxyType({k: v for k, (v, _) in inner.items()})
            encoded = "{" + ",".join(f"{_key_json(k)}:{j}" for k, (_, j) in inner.items()) + "}"
        else:
            frozen[key], encoded = _scalar(where, raw)
        parts.append(f"{_key_json(key)}:{encoded}")
    text = "{" + ",".join(parts) + "}"
    if len(text) > MAX_DETAIL_BYTES // 4 and len(text.encode("utf-8")) > MAX_DETAIL_BYTES:
        raise InvalidAuditEvent(f"detail is larger than {MAX_DETAIL_BYTES} bytes")
    return text, MappingProxyType(frozen)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


# events and entries ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Something that happened, to be appended to the chain.

    ``actor`` is who did it (a staff or service id, 1-200 characters); ``action`` one of
    :func:`known_actions`; ``subject`` the person's opaque id (<= 40) or None; ``purpose``
    a purpose id (<= 64) or None; ``items`` the item ids involved; ``detail`` ids, reason
    codes and counts. Invalid input raises :class:`InvalidAuditEvent`, naming the field and
    never echoing a value.
    """

    actor: str
    action: str
    subject: str | None = None
    purpose: str | None = None
    items: tuple[str, ...] = ()
    detail: Mapping[str, Any] = field(default_factory=dict)
    _head: bytes = field(init=False, repr=False, compare=False)
    _middle: bytes = field(init=False, repr=False, compare=False)
    _tail: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        actor = _name("actor", self.actor, MAX_ACTOR)
        if not isinstance(self.action, str) or self.action not in _actions:
            raise InvalidAuditEvent(
                "action must be one of: " + ", ".join(sorted(_actions)) + " (or registered)"
            )
        subject = (
            None
            if self.subject is None
            else _name("subject", self.subject, MAX_SUBJECT, remember=False)
        )
        purpose = None if self.purpose is None else _name("purpose", self.purpose, MAX_NAME)
        items = _names(self.items)
        detail_json, detail = _detail(self.detail)
        set_ = object.__setattr__
        set_(self, "actor", actor)
        set_(self, "subject", subject)
        set_(self, "purpose", purpose)
        set_(self, "items", items)
        set_(self, "detail", detail)
        # canonical = head + at + middle + seq + tail; keys in sorted order:
        # action actor at detail items purpose seq subject
        head = f'{{"action":{_quote(self.action)},"actor":{_quote(actor)},"at":"'
        middle = (
            f'","detail":{detail_json},"items":[{",".join(map(_quote, items))}],'
            f'"purpose":{"null" if purpose is None else _quote(purpose)},"seq":'
        )
        tail = f',"subject":{"null" if subject is None else _quote(subject)}}}'
        set_(self, "_head", head.encode("utf-8"))
        set_(self, "_middle", middle.encode("utf-8"))
        set_(self, "_tail", tail.encode("utf-8"))

    def with_subject(self, subject: str | None) -> AuditEvent:
        """This event about another subject. The other fields were checked and encoded when
        this event was made, so a batch of like events (a stream of uses, an import) pays for
        that once."""
        if subject is not None:
            subject = _name("subject", subject, MAX_SUBJECT, remember=False)
        event = object.__new__(AuditEvent)
        set_ = object.__setattr__
        for name in ("actor", "action", "purpose", "items", "detail", "_head", "_middle"):
            set_(event, name, getattr(self, name))
        set_(event, "subject", subject)
        set_(event, "_tail", subject_tail(subject))
        return event

    def canonical(self, seq: int, at: str) -> bytes:
        """The canonical bytes of this event as entry ``seq`` at ``at`` (see format_at)."""
        return b"%s%s%s%d%s" % (self._head, at.encode("ascii"), self._middle, seq, self._tail)


def subject_tail(subject: str | None) -> bytes:
    """The end of an entry's canonical bytes about ``subject`` (checked like any subject):
    what :meth:`AuditEvent.with_subject` puts after ``seq``."""
    if subject is None:
        return b',"subject":null}'
    if type(subject) is not str or not 0 < len(subject) <= MAX_SUBJECT or not subject.isascii():
        subject = _name("subject", subject, MAX_SUBJECT, remember=False)
    elif not subject.isprintable() or _SPACE.search(subject):
        _name("subject", subject, MAX_SUBJECT, remember=False)  # raises
    return b',"subject":%s}' % _quote(subject).encode("utf-8")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """An event in the chain: its sequence number, time (exactly as hashed) and hash."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str | None
    purpose: str | None
    items: tuple[str, ...]
    detail: Mapping[str, Any]
    hash: bytes

    @property
    def moment(self) -> dt.datetime:
        """``at`` as an aware datetime (UTC)."""
        return parse_at(self.at)

    def fields(self) -> dict[str, Any]:
        """The hashed fields as plain JSON values."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "purpose": self.purpose,
            "items": list(self.items),
            "detail": _thaw(self.detail),
        }

    def canonical(self) -> bytes:
        """The canonical bytes of the entry (what its hash covers with the previous hash)."""
        return canonical_json(self.fields())

    def to_dict(self) -> dict[str, Any]:
        """The fields and the hash (hex): one line of a JSON Lines export."""
        return {**self.fields(), "hash": self.hash.hex()}

    @classmethod
    def from_canonical(cls, canonical: bytes, hash: bytes) -> AuditEntry:
        data = json.loads(canonical)
        return cls(
            seq=data["seq"],
            at=data["at"],
            actor=data["actor"],
            action=data["action"],
            subject=data["subject"],
            purpose=data["purpose"],
            items=tuple(data["items"]),
            detail=_freeze(data["detail"]),
            hash=bytes(hash),
        )

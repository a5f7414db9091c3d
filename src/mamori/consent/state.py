"""The current consent state of a subject, folded from its events.

The state is stored compactly beside the ledger (one row per subject, JSON keyed by
target) and is always what a replay of the subject's events gives: :func:`fold` is the
only way it changes, and a property test checks the equivalence. Expiry is applied when
the state is read (:func:`resolve`), so a time-limited consent lapses on time even before
the expiry job records an ``expired`` event.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mamori.consent.model import Choice, ConsentEvent, ConsentRecord

__all__ = ["ConsentView", "dumps", "fold", "loads", "replay", "resolve"]

Compact = dict[str, list[Any]]  # target -> [event, record id, at, valid_until, version, items]


def fold(state: Compact, record: ConsentRecord) -> None:
    """Apply one event to ``state`` (in place)."""
    valid = record.valid_until.isoformat() if record.valid_until is not None else None
    state[record.target] = [
        record.event.value,
        record.record_id,
        record.at.isoformat(),
        valid if record.event is ConsentEvent.given else None,
        record.policy_version,
        sorted(record.items),
    ]


def replay(records: Iterable[ConsentRecord], now: dt.datetime) -> dict[str, Choice]:
    """The choices that the events, applied in order, leave at ``now``."""
    state: Compact = {}
    for record in records:
        fold(state, record)
    return resolve(state, now)


_EVENTS = {e.value: e for e in ConsentEvent}
_parse_time = dt.datetime.fromisoformat


def _choice(target: str, entry: list[Any], now: dt.datetime) -> Choice:
    event, record_id, at, valid, version, items = entry
    until = _parse_time(valid) if valid is not None else None
    state = _EVENTS[event]
    if until is not None and state is ConsentEvent.given and until <= now:
        state = ConsentEvent.expired
    return Choice(target, state, record_id, _parse_time(at), until, version, frozenset(items))


def resolve(state: Mapping[str, list[Any]], now: dt.datetime) -> dict[str, Choice]:
    """Every target's choice at ``now`` (a given consent past its validity is expired)."""
    return {target: _choice(target, entry, now) for target, entry in sorted(state.items())}


class ConsentView(Mapping[str, Choice]):
    """One subject's choices at a moment, by target. A choice is parsed when it is first
    asked for, so a decision (or a look-up of one target) pays for that target only.

    :meth:`from_text` keeps the stored JSON and decodes only the entry of the target asked
    for; the whole object is parsed only when the targets are listed.
    """

    __slots__ = ("_done", "_now", "_parsed", "_text")

    def __init__(
        self, state: Mapping[str, list[Any]] | None, now: dt.datetime, text: str = ""
    ) -> None:
        self._parsed: Mapping[str, list[Any]] | None = state
        self._text = text
        self._now = now
        self._done: dict[str, Choice] = {}

    @classmethod
    def from_text(cls, text: str | None, now: dt.datetime) -> ConsentView:
        """A view over the stored form (:func:`dumps`); ``None`` or empty is no choices."""
        return cls(None, now, text) if text else cls({}, now)

    @property
    def _state(self) -> Mapping[str, list[Any]]:
        if self._parsed is None:
            self._parsed = loads(self._text)
        return self._parsed

    def _entry(self, target: str) -> list[Any] | None:
        if self._parsed is not None:
            return self._parsed.get(target)
        # Targets are ids (no quotes or backslashes) and every key is followed by ``:[``,
        # which no string value can be (a value is followed by ``,`` or ``]``): the first
        # match is the key itself.
        at = self._text.find(f'"{target}":[')
        if at < 0:
            return None
        entry, _ = _decoder.raw_decode(self._text, at + len(target) + 3)
        if not isinstance(entry, list):
            raise ValueError("consent state entry is not a JSON array")
        return entry

    def get(self, target: str, default: Any = None) -> Any:
        done = self._done.get(target)
        if done is not None:
            return done
        entry = self._entry(target)
        if entry is None:
            return default
        choice = self._done[target] = _choice(target, entry, self._now)
        return choice

    def __getitem__(self, target: str) -> Choice:
        choice = self.get(target)
        if choice is None:
            raise KeyError(target)
        return choice  # type: ignore[no-any-return]

    def __contains__(self, target: object) -> bool:
        return isinstance(target, str) and self.get(target) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._state))

    def __len__(self) -> int:
        return len(self._state)

    def __repr__(self) -> str:
        return f"ConsentView({sorted(self._state)})"


_decoder = json.JSONDecoder()


def dumps(state: Compact) -> str:
    """The stored form: sorted keys, no spaces (stable, so it can be searched by LIKE)."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | None) -> Compact:
    if not text:
        return {}
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("consent state is not a JSON object")
    return value

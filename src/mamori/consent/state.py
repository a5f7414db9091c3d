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
from collections.abc import Iterable, Mapping
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


def _choice(target: str, entry: list[Any], now: dt.datetime) -> Choice:
    event, record_id, at, valid, version, items = entry
    until = dt.datetime.fromisoformat(valid) if valid is not None else None
    state = ConsentEvent(event)
    if state is ConsentEvent.given and until is not None and until <= now:
        state = ConsentEvent.expired
    return Choice(
        target, state, record_id, dt.datetime.fromisoformat(at), until, version, frozenset(items)
    )


def resolve(state: Mapping[str, list[Any]], now: dt.datetime) -> dict[str, Choice]:
    """Every target's choice at ``now`` (a given consent past its validity is expired)."""
    return {target: _choice(target, entry, now) for target, entry in sorted(state.items())}


class ConsentView:
    """One subject's choices at a moment, parsed only for the targets asked about: what
    an access decision reads."""

    __slots__ = ("_now", "_state")

    def __init__(self, state: Mapping[str, list[Any]], now: dt.datetime) -> None:
        self._state = state
        self._now = now

    def get(self, target: str) -> Choice | None:
        entry = self._state.get(target)
        return _choice(target, entry, self._now) if entry is not None else None


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

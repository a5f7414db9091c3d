"""When each retention event happened for each subject, read from the vault and ledgers.

- collected: a value's ``collected_at`` (item), the latest ``collect`` audit entry for the
  purpose (purpose);
- last_used: the latest allowed use (``use``, ``legal_exception``, or an ``export`` for a
  purpose) of the item or for the purpose, and never earlier than its collection;
- account_closed, purpose_ended: :class:`~mamori.retention.Retention` records them
  (``retention_events``); a purpose may end for one subject or for everyone;
- consent_withdrawn: the consent ledger, when the latest choice for ``purpose:ID`` is a
  withdrawal.

Collections and uses are folded from the audit log into ``retention_activity``, keeping
the newest time per subject and key; ``retention_state`` remembers the last entry folded,
so each run reads only what was appended since.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mamori.store import Store, read_time
from mamori.vault.record import read_ledger

__all__ = ["Activity", "SubjectFacts", "fold_audit", "load_facts"]

_PAGE = 5000
_CHUNK = 500
_FOLDED = ("collect", "use", "export", "legal_exception")

Activity = dict[tuple[str, str], dt.datetime]  # (subject, key) -> newest time


@dataclass
class SubjectFacts:
    """What retention knows about one subject (times are aware, UTC)."""

    subject: str
    values: dict[str, dt.datetime] = field(default_factory=dict)  # item -> collected_at
    collected: dict[str, dt.datetime] = field(default_factory=dict)  # purpose -> latest
    used: dict[str, dt.datetime] = field(default_factory=dict)  # purpose -> latest use
    item_used: dict[str, dt.datetime] = field(default_factory=dict)  # item -> latest use
    account_closed: dt.datetime | None = None
    ended: dict[str, dt.datetime] = field(default_factory=dict)  # purpose -> ended at
    withdrawn: dict[str, dt.datetime] = field(default_factory=dict)  # purpose -> withdrawn at


def _newest(mapping: dict[Any, dt.datetime], key: Any, at: dt.datetime) -> None:
    old = mapping.get(key)
    if old is None or at > old:
        mapping[key] = at


# -- folding the audit log -----------------------------------------------------------------


def _entry_keys(canonical: bytes) -> Iterator[tuple[str, str, dt.datetime]]:
    entry = json.loads(canonical)
    subject, purpose = entry.get("subject"), entry.get("purpose")
    if not subject or not purpose:
        return  # an export to answer the person's own request is no use for a purpose
    at = dt.datetime.fromisoformat(entry["at"])
    if entry["action"] == "collect":
        yield subject, f"collect:{purpose}", at
        return
    yield subject, f"use:{purpose}", at
    for item in entry.get("items") or ():
        yield subject, f"use_item:{item}", at


def fold_audit(store: Store, *, persist: bool) -> Activity:
    """Fold the audit entries appended since the last fold.

    ``persist``: write them into ``retention_activity`` and move the mark, a page per
    transaction, and return nothing; otherwise return them and write nothing (a dry run).
    """
    tail: Activity = {}
    actions = ", ".join(f"'{a}'" for a in _FOLDED)
    select = store.sql(
        f"SELECT seq, canonical FROM audit_log WHERE seq > ? AND seq <= ? "
        f"AND action IN ({actions}) ORDER BY seq LIMIT {_PAGE}"
    )
    lock = " FOR UPDATE" if persist and store.dialect != "sqlite" else ""
    upsert = store.sql(
        "INSERT INTO retention_activity (subject_id, key, at) VALUES (?, ?, ?) "
        "ON CONFLICT (subject_id, key) DO UPDATE SET at = excluded.at "
        "WHERE excluded.at > retention_activity.at"
    )
    start = 0
    while True:
        with store.transaction(write=persist) as cur:
            cur.execute(f"SELECT audit_seq FROM retention_state WHERE id = 1{lock}")
            row = cur.fetchone()
            mark = max(int(row[0]) if row is not None else 0, start)
            cur.execute("SELECT seq FROM audit_head WHERE id = 1")
            head = cur.fetchone()
            top = int(head[0]) if head is not None else 0
            cur.execute(select, (mark, top))
            rows = cur.fetchall()
            page: Activity = {}
            for _, canonical in rows:
                for subject, key, at in _entry_keys(bytes(canonical)):
                    _newest(page, (subject, key), at)
            start = int(rows[-1][0]) if len(rows) == _PAGE else max(top, mark)
            if persist:
                batch = [(s, k, store.timestamp(at)) for (s, k), at in page.items()]
                if batch:
                    cur.executemany(upsert, batch)
                cur.execute(
                    store.sql("UPDATE retention_state SET audit_seq = ? WHERE id = 1"), (start,)
                )
            else:
                for pair, at in page.items():
                    _newest(tail, pair, at)
        if len(rows) < _PAGE:
            return tail


# -- loading facts ---------------------------------------------------------------------------


def _marks(store: Store, count: int) -> str:
    return ", ".join(["?"] * count)


def _subject_pages(store: Store) -> Iterator[list[str]]:
    """Ids of the subjects not erased, a chunk at a time, in id order."""
    last = ""
    sql = store.sql(
        f"SELECT id FROM subjects WHERE erased_at IS NULL AND id > ? ORDER BY id LIMIT {_CHUNK}"
    )
    while True:
        with store.transaction(write=False) as cur:
            cur.execute(sql, (last,))
            ids = [str(r[0]) for r in cur.fetchall()]
        if ids:
            yield ids
        if len(ids) < _CHUNK:
            return
        last = ids[-1]


def _global_ends(store: Store) -> dict[str, dt.datetime]:
    ends: dict[str, dt.datetime] = {}
    with store.transaction(write=False) as cur:
        cur.execute(
            "SELECT purpose, at FROM retention_events WHERE subject_id IS NULL "
            "AND event = 'purpose_ended'"
        )
        for purpose, at in cur.fetchall():
            _newest(ends, str(purpose), read_time(at))
    return ends


def load_facts(
    store: Store,
    purposes: Sequence[str],
    *,
    tail: Activity | None = None,
    consents: bool = True,
) -> Iterator[SubjectFacts]:
    """The facts of every subject that holds values (erased ones have none), a chunk of
    subjects per read. ``purposes`` are the policy's (a value's purpose column also names
    a correction); ``tail`` holds activity not yet folded into the table (a dry run)."""
    declared = frozenset(purposes)
    global_ends = _global_ends(store)
    for ids in _subject_pages(store):
        facts = {sid: SubjectFacts(sid) for sid in ids}
        marks = _marks(store, len(ids))
        with store.transaction(write=False) as cur:
            cur.execute(store.sql(f"SELECT id, ledger FROM subjects WHERE id IN ({marks})"), ids)
            for sid, ledger in cur.fetchall():
                fact = facts[sid]
                for item, held in read_ledger(ledger).items():
                    fact.values[item] = held.collected_at
                    if held.purpose in declared:
                        _newest(fact.collected, held.purpose, held.collected_at)
            cur.execute(
                store.sql(
                    "SELECT subject_id, key, at FROM retention_activity "
                    f"WHERE subject_id IN ({marks})"
                ),
                ids,
            )
            activity = [(str(s), str(k), read_time(a)) for s, k, a in cur.fetchall()]
            cur.execute(
                store.sql(
                    "SELECT subject_id, event, purpose, at FROM retention_events "
                    f"WHERE subject_id IN ({marks})"
                ),
                ids,
            )
            events = cur.fetchall()
            choices: list[Any] = []
            if consents:
                cur.execute(
                    store.sql(
                        "SELECT subject_id, target, event, at FROM consent_events "
                        f"WHERE subject_id IN ({marks}) AND target LIKE ? "
                        "AND event IN ('given', 'withdrawn') ORDER BY number"
                    ),
                    [*ids, "purpose:%"],
                )
                choices = cur.fetchall()
        if tail:
            activity += [(s, k, at) for (s, k), at in tail.items() if s in facts]
        for sid, key, at in activity:
            _apply_activity(facts[sid], key, at, declared)
        for sid, event, purpose, at in events:
            _apply_event(facts[str(sid)], str(event), purpose, read_time(at))
        _apply_choices(facts, choices)
        for fact in facts.values():
            for purpose, at in global_ends.items():
                _newest(fact.ended, purpose, at)
            if fact.values:
                yield fact


def _apply_activity(
    fact: SubjectFacts, key: str, at: dt.datetime, declared: frozenset[str]
) -> None:
    kind, _, name = key.partition(":")
    if kind == "collect" and name in declared:
        _newest(fact.collected, name, at)
    elif kind == "use":
        _newest(fact.used, name, at)
    elif kind == "use_item":
        _newest(fact.item_used, name, at)


def _apply_event(fact: SubjectFacts, event: str, purpose: str | None, at: dt.datetime) -> None:
    if event == "account_closed":
        if fact.account_closed is None or at > fact.account_closed:
            fact.account_closed = at
    elif event == "purpose_ended" and purpose:
        _newest(fact.ended, purpose, at)


def _apply_choices(facts: Mapping[str, SubjectFacts], choices: Sequence[Any]) -> None:
    """The latest given-or-withdrawn event per subject and purpose decides."""
    latest: dict[tuple[str, str], tuple[str, Any]] = {}
    for sid, target, event, at in choices:
        latest[(str(sid), str(target).removeprefix("purpose:"))] = (str(event), at)
    for (sid, purpose), (event, at) in latest.items():
        if event == "withdrawn":
            facts[sid].withdrawn[purpose] = read_time(at)

"""Figures read from the audit log over a period: accesses, collections, denies, exports,
records written, and every action counted.

The log's entries are grouped in the database (by action, actor, purpose, role, items,
reasons ...), so a month of a million uses comes back as a few hundred rows. Only the
hashed bytes are read (through the columns the database derives from them and the JSON
they hold); entries hold ids, names and counts, so these figures hold no personal data.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mamori.audit import format_at
from mamori.reports.period import Period
from mamori.store import Store

__all__ = ["AuditActivity", "read_activity"]

ACCESS_ACTIONS = ("use", "legal_exception", "export")
_GROUPED = ("collect", "deny", *ACCESS_ACTIONS, "record", "record_purge")
_FIELDS = (
    ("role", ("detail", "role")),
    ("items", ("items",)),
    ("reasons", ("detail", "reasons")),
    ("exception", ("detail", "exception")),
    ("recipient", ("detail", "recipient")),
    ("request", ("detail", "request")),
    ("created", ("detail", "created")),
    ("kind", ("detail", "kind")),
    ("party", ("detail", "party")),
    ("record", ("detail", "record")),
    ("subjects", ("detail", "subjects")),
)


@dataclass(frozen=True, slots=True)
class _Group:
    action: str
    actor: str
    purpose: str | None
    fields: Mapping[str, Any]
    count: int


class AuditActivity:
    """The entries of a period, grouped; :meth:`figures` gives the report's sections."""

    def __init__(self, by_action: Mapping[str, int], groups: Iterable[_Group]) -> None:
        self.by_action = dict(sorted(by_action.items()))
        self.groups = list(groups)

    def _of(self, *actions: str) -> list[_Group]:
        return [g for g in self.groups if g.action in actions]

    def activity(self) -> dict[str, Any]:
        return {"entries": sum(self.by_action.values()), "by_action": self.by_action}

    def accesses(self) -> dict[str, Any]:
        """Allowed uses of data: ``use``, ``legal_exception`` (flagged for the officer) and
        ``export`` (data carried out: a provision or a disclosure package)."""
        groups = self._of(*ACCESS_ACTIONS)
        by_action: Counter[str] = Counter({a: 0 for a in ACCESS_ACTIONS})
        by_role: Counter[str] = Counter()
        by_purpose: Counter[str] = Counter()
        by_item: Counter[str] = Counter()
        by_actor: Counter[str] = Counter()
        exceptions: Counter[str] = Counter()
        for g in groups:
            by_action[g.action] += g.count
            by_role[_text(g.fields["role"])] += g.count
            by_purpose[g.purpose or "-"] += g.count
            by_actor[g.actor] += g.count
            for item in _list(g.fields["items"]):
                by_item[item] += g.count
            if g.action == "legal_exception":
                exceptions[_text(g.fields["exception"])] += g.count
        return {
            "total": sum(by_action.values()),
            "by_action": _sorted(by_action),
            "by_role": _ranked(by_role),
            "by_purpose": _ranked(by_purpose),
            "by_item": _ranked(by_item),
            "top_actors": _ranked(by_actor, limit=20),
            "actors": len(by_actor),
            "legal_exceptions": {
                "total": sum(exceptions.values()),
                "by_exception": _ranked(exceptions),
            },
        }

    def collections(self) -> dict[str, Any]:
        by_purpose: Counter[str] = Counter()
        new = 0
        for g in self._of("collect"):
            by_purpose[g.purpose or "-"] += g.count
            if _true(g.fields["created"]):
                new += g.count
        return {
            "total": sum(by_purpose.values()),
            "new_subjects": new,
            "by_purpose": _ranked(by_purpose),
        }

    def denies(self) -> dict[str, Any]:
        """Refused uses. A deny carries one reason or more: ``by_reason`` counts each."""
        by_reason: Counter[str] = Counter()
        by_role: Counter[str] = Counter()
        by_purpose: Counter[str] = Counter()
        by_actor: Counter[str] = Counter()
        for g in self._of("deny"):
            by_role[_text(g.fields["role"])] += g.count
            by_purpose[g.purpose or "-"] += g.count
            by_actor[g.actor] += g.count
            for reason in _list(g.fields["reasons"]) or ["-"]:
                by_reason[reason] += g.count
        return {
            "total": sum(by_role.values()),
            "by_reason": _ranked(by_reason),
            "by_role": _ranked(by_role),
            "by_purpose": _ranked(by_purpose),
            "top_actors": _ranked(by_actor, limit=20),
        }

    def provisions(self) -> dict[str, Any]:
        """Exports by recipient, reads to answer the person's requests (disclosure, their
        contact address), and Art. 29-31 records written or
        extended (``record``) and removed at the end of their period (``record_purge``)."""
        by_recipient: Counter[str] = Counter()
        request_reads = 0
        for g in self._of("export"):
            recipient = g.fields["recipient"]
            if recipient is not None:
                by_recipient[_text(recipient)] += g.count
            elif g.fields["request"] is not None:
                request_reads += g.count
        by_kind: Counter[str] = Counter({"art29": 0, "art30": 0, "art31": 0})
        parties: Counter[str] = Counter()
        records: set[str] = set()
        subjects = 0
        for g in self._of("record"):
            by_kind[_text(g.fields["kind"])] += g.count
            parties[_text(g.fields["party"])] += g.count
            records.add(_text(g.fields["record"]))
            subjects += _int(g.fields["subjects"]) * g.count
        purged: Counter[str] = Counter({"art29": 0, "art30": 0, "art31": 0})
        for g in self._of("record_purge"):
            purged[_text(g.fields["kind"])] += g.count
        return {
            "exports": sum(by_recipient.values()),
            "exports_by_recipient": _ranked(by_recipient),
            "request_reads": request_reads,
            "records_written": sum(by_kind.values()),
            "records_distinct": len(records),
            "records_by_kind": _sorted(by_kind),
            "records_by_party": _ranked(parties),
            "record_subjects": subjects,
            "records_purged": sum(purged.values()),
            "records_purged_by_kind": _sorted(purged),
        }


def read_activity(store: Store, period: Period) -> AuditActivity:
    """Group the entries of ``period`` (``start <= at < end``) in the database."""
    lower, upper = format_at(period.start), format_at(period.end)
    postgres = store.dialect == "postgresql"
    collate = ' COLLATE "C"' if postgres else ""
    where = f"at{collate} >= ? AND at{collate} < ?"
    marks = ", ".join("?" * len(_GROUPED))
    if postgres:
        inner = "convert_from(canonical, 'UTF8')::jsonb"
        exprs = [f"j #>> '{{{','.join(path)}}}'" for _, path in _FIELDS]
    else:
        inner = "CAST(canonical AS TEXT)"
        exprs = [f"json_extract(j, '$.{'.'.join(path)}')" for _, path in _FIELDS]
    columns = ", ".join(["action", "actor", "purpose", *exprs])
    grouped = (
        f"SELECT {columns}, count(*) FROM (SELECT action, actor, purpose, {inner} AS j "
        f"FROM audit_log WHERE {where} AND action IN ({marks})) t "
        f"GROUP BY {', '.join(str(i) for i in range(1, len(_FIELDS) + 4))}"
    )
    counted = f"SELECT action, count(*) FROM audit_log WHERE {where} GROUP BY action"
    with store.transaction(write=False) as cur:
        cur.execute(store.sql(counted), (lower, upper))
        by_action = {str(a): int(n) for a, n in cur.fetchall()}
        cur.execute(store.sql(grouped), (lower, upper, *_GROUPED))
        rows = cur.fetchall()
    names = [name for name, _ in _FIELDS]
    groups = [
        _Group(
            str(row[0]),
            str(row[1]),
            None if row[2] is None else str(row[2]),
            dict(zip(names, row[3:-1], strict=True)),
            int(row[-1]),
        )
        for row in rows
    ]
    return AuditActivity(by_action, groups)


def _text(value: Any) -> str:
    return "-" if value is None else str(value)


def _list(value: Any) -> list[str]:
    """A JSON array as the database hands it back (its text)."""
    if value is None:
        return []
    parsed = json.loads(value) if isinstance(value, str) else value
    return [str(v) for v in parsed]


def _true(value: Any) -> bool:
    return value in (1, True, "1", "true")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _sorted(counts: Mapping[str, int]) -> dict[str, int]:
    return {key: counts[key] for key in sorted(counts)}


def _ranked(counts: Mapping[str, int], *, limit: int | None = None) -> dict[str, int]:
    """Largest first, then by name; JSON keeps this order."""
    pairs = sorted(counts.items(), key=lambda p: (-p[1], p[0]))
    return dict(pairs[:limit] if limit is not None else pairs)

"""Detectors over the audit log and the keys: each returns findings, never writes.

The audit log's query columns (``at``, ``actor``, ``action``, ``subject``) are read over a
range of sequence numbers found by bisection on ``at``: entries are appended with the
clock's time, so times grow with the sequence, and a detector reads only the entries of
its window instead of the whole log.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from mamori.alerts.model import Finding, Thresholds
from mamori.audit import AuditLog, format_at
from mamori.errors import MamoriError
from mamori.keys import Keyring
from mamori.store import Store

__all__ = [
    "AUDIT_CHAIN",
    "DENY_BURST",
    "DETECTORS",
    "KEK_AGE",
    "READ_ACTIONS",
    "READ_VOLUME",
    "audit_chain",
    "deny_burst",
    "first_seq_at",
    "kek_age",
    "read_volume",
]

DENY_BURST = "deny_burst"
READ_VOLUME = "read_volume"
AUDIT_CHAIN = "audit_chain"
KEK_AGE = "kek_age"
DETECTORS = (DENY_BURST, READ_VOLUME, AUDIT_CHAIN, KEK_AGE)
# Entries that read a subject's values: a use, a use under a legal exception, data carried out.
READ_ACTIONS = ("use", "legal_exception", "export")
_LIST_MAX = 20


def first_seq_at(cur: Any, store: Store, moment: dt.datetime) -> int:
    """The first sequence number whose entry is at or after ``moment`` (one past the head
    when there is none)."""
    cur.execute("SELECT seq FROM audit_head WHERE id = 1")
    row = cur.fetchone()
    lo, hi = 1, (int(row[0]) if row is not None else 0) + 1
    mark = format_at(moment)
    sql = store.sql("SELECT at FROM audit_log WHERE seq = ?")
    while lo < hi:
        mid = (lo + hi) // 2
        cur.execute(sql, (mid,))
        found = cur.fetchone()
        if found is None or str(found[0]) >= mark:
            hi = mid
        else:
            lo = mid + 1
    return lo


def deny_burst(
    store: Store, now: dt.datetime, limits: Thresholds, watermarks: Mapping[str, int]
) -> list[Finding]:
    """An actor denied at least ``deny_count`` times within ``deny_window`` before now.

    Denies already covered by an earlier alert for the actor (its watermark) do not count
    again, so a burst raises one alert, and a new burst after it another."""
    since = now - limits.deny_window
    with store.transaction(write=False) as cur:
        lo = first_seq_at(cur, store, since)
        cur.execute(
            store.sql(
                "SELECT seq, actor, at, purpose FROM audit_log WHERE seq >= ? "
                "AND action = 'deny' AND at >= ? AND at <= ? ORDER BY seq"
            ),
            (lo, format_at(since), format_at(now)),
        )
        rows = cur.fetchall()
    per_actor: dict[str, list[tuple[int, str, str | None]]] = {}
    for seq, actor, at, purpose in rows:
        if int(seq) > watermarks.get(actor, 0):
            per_actor.setdefault(actor, []).append((int(seq), str(at), purpose))
    found = []
    minutes = int(limits.deny_window.total_seconds() // 60)
    for actor, denies in sorted(per_actor.items()):
        if len(denies) < limits.deny_count:
            continue
        last = denies[-1][0]
        purposes = sorted({p for _, _, p in denies if p})[:_LIST_MAX]
        found.append(
            Finding(
                kind=DENY_BURST,
                key=f"{DENY_BURST}:{actor}:{last}",
                about=actor,
                summary=f"{len(denies)} denied accesses by {actor} within {minutes} minutes",
                detail={
                    "actor": actor[:200],
                    "denies": len(denies),
                    "threshold": limits.deny_count,
                    "window_minutes": minutes,
                    "first_at": denies[0][1],
                    "last_at": denies[-1][1],
                    "first_seq": denies[0][0],
                    "last_seq": last,
                    "purposes": purposes,
                },
                watermark=last,
            )
        )
    return found


def _day_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def _distinct_reads(
    cur: Any,
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    actors: Sequence[str] | None = None,
    floor: int | None = None,
) -> dict[str, int]:
    """Distinct subjects read per actor in [start, end)."""
    lo = first_seq_at(cur, store, start)
    actions = ", ".join(f"'{a}'" for a in READ_ACTIONS)
    where = f"seq >= ? AND action IN ({actions}) AND subject IS NOT NULL AND at >= ? AND at < ?"
    params: list[Any] = [lo, format_at(start), format_at(end)]
    if actors is not None:
        where += f" AND actor IN ({', '.join('?' * len(actors))})"
        params.extend(actors)
    having = ""
    if floor is not None:
        having = " HAVING COUNT(DISTINCT subject) > ?"
        params.append(floor)
    cur.execute(
        store.sql(
            f"SELECT actor, COUNT(DISTINCT subject) FROM audit_log WHERE {where} "
            f"GROUP BY actor{having}"
        ),
        params,
    )
    return {str(actor): int(count) for actor, count in cur.fetchall()}


def read_volume(
    store: Store, now: dt.datetime, zone: ZoneInfo, limits: Thresholds
) -> list[Finding]:
    """An actor who read, today, more distinct subjects than
    max(``read_floor``, ``read_factor`` x the median of their daily counts over the
    previous ``baseline_days`` days, days without reads counting as 0)."""
    today = now.astimezone(zone).date()
    start = _day_start(today, zone)
    with store.transaction(write=False) as cur:
        todays = _distinct_reads(cur, store, start, now + dt.timedelta(microseconds=1),
                                 floor=limits.read_floor)  # fmt: skip
        if not todays:
            return []
        actors = sorted(todays)
        daily: dict[str, list[int]] = {a: [] for a in actors}
        for back in range(limits.baseline_days, 0, -1):
            day = today - dt.timedelta(days=back)
            counts = _distinct_reads(
                cur, store, _day_start(day, zone), _day_start(day + dt.timedelta(days=1), zone),
                actors,
            )  # fmt: skip
            for actor in actors:
                daily[actor].append(counts.get(actor, 0))
    found = []
    for actor in actors:
        median = statistics.median(daily[actor]) if daily[actor] else 0
        limit = max(limits.read_floor, limits.read_factor * median)
        count = todays[actor]
        if count <= limit:
            continue
        found.append(
            Finding(
                kind=READ_VOLUME,
                key=f"{READ_VOLUME}:{actor}:{today.isoformat()}",
                about=actor,
                summary=(
                    f"{actor} read {count} distinct subjects on {today.isoformat()}, "
                    f"above their limit of {limit:g}"
                ),
                detail={
                    "actor": actor[:200],
                    "day": today.isoformat(),
                    "subjects": count,
                    "limit": float(limit),
                    "median": float(median),
                    "baseline_days": limits.baseline_days,
                    "factor": limits.read_factor,
                    "floor": limits.read_floor,
                },
            )
        )
    return found


def audit_chain(audit: AuditLog, workers: int | None = None) -> list[Finding]:
    """The audit log does not verify (a changed, missing or inserted entry, a bad
    checkpoint), or cannot be verified at all."""
    try:
        report = audit.verify(workers=workers)
    except MamoriError as exc:
        return [
            Finding(
                kind=AUDIT_CHAIN,
                key=f"{AUDIT_CHAIN}:error:{exc.code}",
                about="audit_log",
                summary=f"the audit log could not be verified ({exc.code})",
                detail={"error": exc.code},
            )
        ]
    if report.ok:
        return []
    seq = report.first_bad_seq
    return [
        Finding(
            kind=AUDIT_CHAIN,
            key=f"{AUDIT_CHAIN}:{seq}",
            about="audit_log",
            summary=f"the audit log does not verify: first bad entry {seq}",
            detail={"first_bad_seq": seq, "problem": (report.problem or "")[:200]},
        )
    ]


def kek_age(keys: Keyring, limits: Thresholds) -> list[Finding]:
    """A key-encryption key in use (not retired) older than the rotation period."""
    found = []
    for status in keys.status():
        if status.retired or status.age_days is None or status.age_days <= limits.kek_days:
            continue
        found.append(
            Finding(
                kind=KEK_AGE,
                key=f"{KEK_AGE}:{status.id}",
                about=status.id[:200],
                summary=(
                    f"key-encryption key {status.id} is {status.age_days} days old; rotate "
                    f"it (period {limits.kek_days} days): `mamori keys rotate`"
                ),
                detail={
                    "kek": status.id[:200],
                    "age_days": status.age_days,
                    "period_days": limits.kek_days,
                    "primary": status.primary,
                },
            )
        )
    return found

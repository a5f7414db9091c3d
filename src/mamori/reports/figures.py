"""Figures read from the registers (not the audit log): requests, consent, keys, the
audit chain itself. Each function takes the core and the period and returns JSON data."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from mamori.audit import format_at
from mamori.reports.period import Period
from mamori.requests import OPEN, RequestState
from mamori.store import read_date, read_time

if TYPE_CHECKING:
    from mamori.core import Mamori

__all__ = [
    "audit_figures",
    "consent_figures",
    "key_figures",
    "policy_figures",
    "request_figures",
]

_OPEN = {s.value for s in OPEN}
_OVERDUE_LISTED = 50


def policy_figures(core: Mamori, period: Period) -> dict[str, Any]:
    """The policy version in force on the last day of the period."""
    version = core.versions.in_force(period.until)
    if version is None:
        return {"version": None, "effective_on": None, "content_hash": None}
    return {
        "version": version.number,
        "effective_on": version.effective_on.isoformat(),
        "content_hash": version.content_hash,
    }


def request_figures(core: Mamori, period: Period) -> dict[str, Any]:
    """Requests received in the period, those closed in it (completed on or after their
    target date, rejected, withdrawn), and those still open when it ended, overdue or not.

    A request is on time when it was completed on or before its target date (``due_on``,
    in the configured zone); it is overdue at the end when it was open then and its target
    date had passed.
    """
    store = core.store
    start, end = period.start, period.end
    with store.transaction(write=False) as cur:
        cur.execute(
            store.sql(
                "SELECT id, kind, state, received_at, due_on, closed_at FROM requests "
                "WHERE received_at < ? AND (closed_at IS NULL OR closed_at >= ?) "
                "ORDER BY due_on, id"
            ),
            (store.timestamp(end), store.timestamp(start)),
        )
        rows = cur.fetchall()
    received: dict[str, int] = {}
    closed = {"completed": 0, "completed_on_time": 0, "completed_late": 0}
    closed.update({"rejected": 0, "withdrawn": 0})
    open_at_end = 0
    overdue: list[dict[str, Any]] = []
    for rid, kind, state, received_raw, due_raw, closed_raw in rows:
        received_at = read_time(received_raw)
        due_on = read_date(due_raw)
        closed_at = read_time(closed_raw) if closed_raw is not None else None
        if period.contains(received_at):
            received[kind] = received.get(kind, 0) + 1
        if closed_at is not None and period.contains(closed_at):
            if state == RequestState.completed.value:
                closed["completed"] += 1
                on_time = closed_at.astimezone(period.zone).date() <= due_on
                closed["completed_on_time" if on_time else "completed_late"] += 1
            elif state in closed:
                closed[state] += 1
        if closed_at is None or closed_at >= end:
            open_at_end += 1
            if due_on <= period.until:
                overdue.append(
                    {
                        "id": str(rid),
                        "kind": str(kind),
                        "due_on": due_on.isoformat(),
                        "days_overdue": (period.until - due_on).days + 1,
                    }
                )
    return {
        "received": sum(received.values()),
        "received_by_kind": {k: received[k] for k in sorted(received)},
        **closed,
        "open_at_end": open_at_end,
        "overdue_at_end": len(overdue),
        "overdue": overdue[:_OVERDUE_LISTED],
        "target_days": _target_days(core, period),
    }


def _target_days(core: Mamori, period: Period) -> int | None:
    version = core.versions.in_force(period.until)
    return version.policy.requests.target_days if version is not None else None


def consent_figures(core: Mamori, period: Period) -> dict[str, Any]:
    """For each purpose the policy (in force on the last day) says needs consent: how many
    of the subjects held at the end of the period had a consent to it in force then, and
    the consent events of the period by kind."""
    store = core.store
    version = core.versions.in_force(period.until)
    purposes = (
        [pid for pid, p in version.policy.purposes.items() if p.consent_required]
        if version is not None
        else []
    )
    end = store.timestamp(period.end)
    alive = "s.created_at < ? AND (s.erased_at IS NULL OR s.erased_at >= ?)"
    covered = (
        "SELECT count(*) FROM consent_events e JOIN ("
        "SELECT subject_id, max(number) AS n FROM consent_events WHERE target = ? AND at < ? "
        "GROUP BY subject_id) last ON e.number = last.n "
        "JOIN subjects s ON s.id = e.subject_id "
        f"WHERE e.event = 'given' AND (e.valid_until IS NULL OR e.valid_until > ?) AND {alive}"
    )
    with store.transaction(write=False) as cur:
        cur.execute(store.sql(f"SELECT count(*) FROM subjects s WHERE {alive}"), (end, end))
        subjects = int(cur.fetchone()[0])
        coverage = []
        for pid in purposes:
            cur.execute(store.sql(covered), (f"purpose:{pid}", end, end, end, end))
            count = int(cur.fetchone()[0])
            share = round(count / subjects, 4) if subjects else 0.0
            coverage.append({"purpose": pid, "consented": count, "share": share})
        cur.execute(
            store.sql(
                "SELECT event, count(*) FROM consent_events WHERE at >= ? AND at < ? GROUP BY event"
            ),
            (store.timestamp(period.start), end),
        )
        events = {str(e): int(n) for e, n in cur.fetchall()}
    kinds = ("given", "withdrawn", "expired", "superseded")
    return {
        "as_of": format_at(period.end),
        "subjects": subjects,
        "purposes": coverage,
        "events": {k: events.get(k, 0) for k in kinds},
    }


def key_figures(core: Mamori, period: Period) -> dict[str, Any]:
    """Each key-encryption key's age against the rotation period, and the service keys
    (names, ids and ages only), as of when the report is made."""
    now = core.clock.now()
    rotation = core.settings.key_rotation_days
    keks = []
    for status in core.keys.status():
        data = status.to_dict()
        age = status.age_days
        data["rotation_due"] = bool(
            status.primary and not status.retired and age is not None and age >= rotation
        )
        keks.append(data)
    store = core.store
    with store.transaction(write=False) as cur:
        cur.execute("SELECT name, key_id, kek_id, created_at FROM service_keys ORDER BY name")
        rows = cur.fetchall()
    service = []
    for name, key_id, kek_id, created_raw in rows:
        created = read_time(created_raw)
        service.append(
            {
                "name": str(name),
                "key_id": str(key_id),
                "kek_id": str(kek_id),
                "created": created.isoformat(),
                "age_days": (now - created).days,
            }
        )
    primary = next((k for k in keks if k["primary"]), None)
    return {
        "as_of": format_at(now),
        "rotation_days": rotation,
        "primary_age_days": primary["age_days"] if primary else None,
        "rotation_due": any(k["rotation_due"] for k in keks),
        "keks": keks,
        "service_keys": service,
    }


def audit_figures(core: Mamori, period: Period) -> dict[str, Any]:
    """The whole chain verified from the database (with every stored checkpoint), its head,
    and the latest checkpoint."""
    report = core.audit.verify()
    verified = report.to_dict()
    for volatile in ("seconds", "processes"):
        verified.pop(volatile, None)
    head = core.audit.tail(1)
    checkpoints = core.audit.checkpoints()
    latest = checkpoints[-1] if checkpoints else None
    return {
        "verified": verified,
        "head_seq": head[0].seq if head else 0,
        "head_hash": head[0].hash.hex() if head else None,
        "checkpoints": len(checkpoints),
        "latest_checkpoint": None
        if latest is None
        else {
            "first_seq": latest.first_seq,
            "last_seq": latest.last_seq,
            "root": latest.root.hex(),
            "key_id": latest.key_id,
            "created_at": latest.created_at.astimezone(dt.UTC).isoformat(),
            "signature_ok": latest.signature_ok(),
            "entries_since": (head[0].seq if head else 0) - latest.last_seq,
        },
    }

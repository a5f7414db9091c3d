"""``Alerts``: what the officer must look at, raised by other parts or by the detectors.

An alert is one row and one ``alert`` audit entry, written together. Other parts raise
alerts with :meth:`Alerts.record` (a discovery scan finding a My Number column, ...);
:meth:`Alerts.scan` runs the detectors (:mod:`mamori.alerts.detectors`), each of which
names its condition so that a condition already raised is not raised again. The officer
acknowledges an alert, or turns it into an incident.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from mamori.alerts import detectors
from mamori.alerts.model import Alert, Finding, Thresholds
from mamori.audit import AuditEvent, AuditLog, register_action
from mamori.clock import Clock
from mamori.errors import Conflict, NotFound
from mamori.ids import random_id
from mamori.incidents import Cause, Incident, IncidentRefused, Incidents
from mamori.keys import Keyring
from mamori.store import Store, read_time

__all__ = ["Alerts"]

for _action in ("alert", "alert_ack"):
    register_action(_action)

_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")
_SUMMARY_MAX = 500
_DETAIL_MAX = 8192
_COLUMNS = (
    "id, kind, about, summary, detail, actor, subject, created_at, acknowledged_at, "
    "acknowledged_by, incident_id"
)
# The cause an incident opened from an alert starts with (the officer may change it).
_CAUSES = {
    detectors.DENY_BURST: Cause.unauthorised_access,
    detectors.READ_VOLUME: Cause.insider,
    detectors.AUDIT_CHAIN: Cause.unauthorised_access,
}


def new_alert_id() -> str:
    return random_id("al_")


class Alerts:
    """Alerts to the officer: record, list, acknowledge, scan, open an incident."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        clock: Clock,
        keys: Keyring,
        incidents: Callable[[], Incidents],
        *,
        zone: ZoneInfo,
        thresholds: Thresholds | None = None,
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self._keys = keys
        self._incidents = incidents
        self.zone = zone
        self.thresholds = thresholds or Thresholds()

    # raising ------------------------------------------------------------------------------

    def record(
        self,
        kind: str,
        *,
        summary: str,
        detail: Mapping[str, object],
        actor: str = "system",
        subject: str | None = None,
        key: str | None = None,
        about: str | None = None,
        watermark: int | None = None,
    ) -> Alert:
        """Raise an alert. ``summary`` and ``detail`` name ids, items, counts and codes,
        never a personal data value. With ``key`` (a name for the condition), an alert
        already raised under that key is returned instead of a new one. ``about`` names
        what the alert concerns (an actor, a key id); ``watermark`` the last audit entry a
        detector covered."""
        problems: dict[str, str] = {}
        if not isinstance(kind, str) or not _KIND.fullmatch(kind):
            problems["kind"] = "not_a_name ([a-z][a-z0-9_]*, at most 40 characters)"
        if not isinstance(summary, str) or not summary.strip():
            problems["summary"] = "empty"
        elif len(summary) > _SUMMARY_MAX:
            problems["summary"] = "too_long"
        try:
            body = json.dumps(dict(detail), ensure_ascii=False, sort_keys=True, default=str)
        except (TypeError, ValueError):
            problems["detail"] = "not_json"
            body = "{}"
        if len(body) > _DETAIL_MAX:
            problems["detail"] = "too_large"
        if subject is not None and not 0 < len(subject) <= 40:
            problems["subject"] = "not_a_subject_id"
        if not actor or len(actor) > 200:
            problems["actor"] = "length"
        if key is not None and not 0 < len(key) <= 300:
            problems["key"] = "length"
        if about is not None and not 0 < len(about) <= 200:
            problems["about"] = "length"
        if problems:
            raise IncidentRefused(problems)
        now = self._clock.now()
        aid = new_alert_id()
        with self._store.transaction() as cur:
            if key is not None:
                cur.execute(
                    self._store.sql(f"SELECT {_COLUMNS} FROM alerts WHERE dedup_key = ?"), (key,)
                )
                row = cur.fetchone()
                if row is not None:
                    return _alert(row)
            cur.execute(
                self._store.sql(
                    "INSERT INTO alerts (id, kind, about, dedup_key, watermark, summary, detail, "
                    "actor, subject, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                (aid, kind, about, key, watermark, summary.strip(), body, actor, subject,
                 self._store.timestamp(now)),
            )  # fmt: skip
            event = AuditEvent(
                actor=actor,
                action="alert",
                subject=subject,
                detail={"alert": aid, "kind": kind},
            )
            self._audit.append_cursor(cur, self._store.dialect, [event], entries=False)
        return self.get(aid)

    def scan(
        self, now: dt.datetime | None = None, *, checks: builtins.list[str] | None = None
    ) -> builtins.list[Alert]:
        """Run the detectors (all, or those named in ``checks``: deny_burst, read_volume,
        audit_chain, kek_age) as of ``now`` and raise an alert per new condition."""
        at = now or self._clock.now()
        wanted = detectors.DETECTORS if checks is None else tuple(checks)
        unknown = [c for c in wanted if c not in detectors.DETECTORS]
        if unknown:
            raise IncidentRefused(
                {"checks": f"unknown: {', '.join(unknown)} (use {', '.join(detectors.DETECTORS)})"}
            )
        limits = self.thresholds
        findings: builtins.list[Finding] = []
        if detectors.DENY_BURST in wanted:
            marks = self._watermarks(detectors.DENY_BURST)
            findings += detectors.deny_burst(self._store, at, limits, marks)
        if detectors.READ_VOLUME in wanted:
            findings += detectors.read_volume(self._store, at, self.zone, limits)
        if detectors.AUDIT_CHAIN in wanted:
            findings += detectors.audit_chain(self._audit)
        if detectors.KEK_AGE in wanted:
            findings += detectors.kek_age(self._keys, limits)
        raised = []
        for finding in findings:
            if self._exists(finding.key):
                continue
            raised.append(
                self.record(
                    finding.kind,
                    summary=finding.summary,
                    detail=finding.detail,
                    key=finding.key,
                    about=finding.about,
                    watermark=finding.watermark,
                )
            )
        return raised

    # reading ------------------------------------------------------------------------------

    def get(self, alert_id: str) -> Alert:
        with self._store.transaction(write=False) as cur:
            cur.execute(self._store.sql(f"SELECT {_COLUMNS} FROM alerts WHERE id = ?"), (alert_id,))
            row = cur.fetchone()
        if row is None:
            raise NotFound(f"there is no alert '{alert_id}'")
        return _alert(row)

    def list(
        self,
        *,
        open_only: bool = True,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        kind: str | None = None,
    ) -> builtins.list[Alert]:
        """Alerts, newest first: by default only those not yet acknowledged."""
        where, params = ["1 = 1"], []
        if open_only:
            where.append("acknowledged_at IS NULL")
        if since is not None:
            where.append("created_at >= ?")
            params.append(self._store.timestamp(since))
        if until is not None:
            where.append("created_at < ?")
            params.append(self._store.timestamp(until))
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    f"SELECT {_COLUMNS} FROM alerts WHERE {' AND '.join(where)} "
                    "ORDER BY created_at DESC, id"
                ),
                params,
            )
            rows = cur.fetchall()
        return [_alert(r) for r in rows]

    def summary(self, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
        """For the self-inspection report: alerts raised in [since, until), by kind, how
        many were acknowledged, are still open, and led to an incident."""
        found = self.list(open_only=False, since=since, until=until)
        by_kind: dict[str, int] = {}
        for alert in found:
            by_kind[alert.kind] = by_kind.get(alert.kind, 0) + 1
        return {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "alerts": len(found),
            "open": sum(1 for a in found if a.open),
            "acknowledged": sum(1 for a in found if not a.open),
            "to_incident": sum(1 for a in found if a.incident_id is not None),
            "by_kind": dict(sorted(by_kind.items())),
        }

    # acting -------------------------------------------------------------------------------

    def acknowledge(self, alert_id: str, actor: str, *, incident: str | None = None) -> Alert:
        """The officer has seen the alert. Acknowledging twice is a conflict."""
        alert = self.get(alert_id)
        if not alert.open:
            raise Conflict(
                f"alert {alert_id} was acknowledged by {alert.acknowledged_by} at "
                f"{alert.acknowledged_at.isoformat() if alert.acknowledged_at else '-'}"
            )
        with self._store.transaction() as cur:
            self._ack(cur, alert, actor, incident)
        return self.get(alert_id)

    def _ack(self, cur: Any, alert: Alert, actor: str, incident: str | None) -> None:
        cur.execute(
            self._store.sql(
                "UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, ?), "
                "acknowledged_by = COALESCE(acknowledged_by, ?), incident_id = ? WHERE id = ?"
            ),
            (self._store.timestamp(self._clock.now()), actor, incident, alert.id),
        )
        detail: dict[str, Any] = {"alert": alert.id, "kind": alert.kind}
        if incident is not None:
            detail["incident"] = incident
        event = AuditEvent(actor=actor, action="alert_ack", subject=alert.subject, detail=detail)
        self._audit.append_cursor(cur, self._store.dialect, [event], entries=False)

    def to_incident(self, alert_id: str, *, actor: str, **incident: Any) -> Incident:
        """Open an incident from the alert (see :meth:`Incidents.open` for the arguments)
        and mark the alert acknowledged and linked to it. By default the incident was
        learned of when the alert was raised, its cause follows the alert's kind and, for
        an alert about a subject, that subject is the one affected. Run again, it returns
        the incident already opened."""
        alert = self.get(alert_id)
        incidents = self._incidents()
        existing = [i for i in incidents.list() if i.alert_id == alert_id]
        if existing:
            if alert.incident_id is None:
                with self._store.transaction() as cur:
                    self._ack(cur, alert, actor, existing[0].id)
            return existing[0]
        incident.setdefault("learned_at", alert.created_at)
        incident.setdefault("cause", _CAUSES.get(alert.kind, Cause.other))
        if alert.subject is not None and not any(
            k in incident for k in ("subjects", "holding", "created_from", "created_until")
        ):
            incident["subjects"] = [alert.subject]
        opened = incidents.open(actor=actor, alert_id=alert_id, **incident)
        with self._store.transaction() as cur:
            self._ack(cur, alert, actor, opened.id)
        return opened

    # helpers ------------------------------------------------------------------------------

    def _exists(self, key: str) -> bool:
        with self._store.transaction(write=False) as cur:
            cur.execute(self._store.sql("SELECT 1 FROM alerts WHERE dedup_key = ?"), (key,))
            return cur.fetchone() is not None

    def _watermarks(self, kind: str) -> dict[str, int]:
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    "SELECT about, MAX(watermark) FROM alerts WHERE kind = ? "
                    "AND about IS NOT NULL AND watermark IS NOT NULL GROUP BY about"
                ),
                (kind,),
            )
            return {str(about): int(mark) for about, mark in cur.fetchall()}


def _alert(row: Any) -> Alert:
    (aid, kind, about, summary, detail, actor, subject, created, acked, acked_by,
     incident) = row  # fmt: skip
    return Alert(
        id=aid,
        kind=kind,
        about=about,
        summary=summary,
        detail=json.loads(detail),
        actor=actor,
        subject=subject,
        created_at=read_time(created),
        acknowledged_at=read_time(acked) if acked is not None else None,
        acknowledged_by=acked_by,
        incident_id=incident,
    )

"""``Retention``: erase personal data once its period under the policy has ended (Art. 22;
policy §5, deletion and disposal), and purge the Art. 29-31 records past their periods.

Each subject is disposed of in one transaction with its disposal records and its audit
entry (``retention_dispose``): either everything of the subject went, or nothing did.
When every item the subject holds is due, the subject is crypto-shredded as an erasure
is (values, blind indexes and the data key deleted, the subject marked erased); otherwise
the due items' values and blind-index rows are deleted. A run reads again, under the
subject's lock, what it planned from: an item written again since is not disposed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from mamori.audit import AuditEvent, AuditLog, format_at, register_action
from mamori.clock import Clock
from mamori.consent import lock_subject
from mamori.errors import MamoriError, NoPolicyInForce, SubjectNotFound
from mamori.keys import Keyring
from mamori.policy.model import Policy, RetentionEvent
from mamori.policy.versions import PolicyVersions
from mamori.provision import ProvisionRecords
from mamori.retention.evaluate import evaluate
from mamori.retention.facts import SubjectFacts, fold_audit, load_facts
from mamori.retention.model import REASON_PREFIX, Due, Method, RetentionRefused, RunReport
from mamori.store import Store, read_date, read_time
from mamori.vault.record import read_ledger
from mamori.vault.shred import remove_items, shred

__all__ = ["MARKED_EVENTS", "Retention"]

log = logging.getLogger("mamori.retention")

DISPOSE = "retention_dispose"
EVENT = "retention_event"
register_action(DISPOSE)
register_action(EVENT)

# Events mamori cannot see in its own records, so someone records them.
MARKED_EVENTS = (RetentionEvent.account_closed.value, RetentionEvent.purpose_ended.value)


class Retention:
    """Plans and runs disposal under the retention rules of the policy in force."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        clock: Clock,
        keys: Keyring,
        versions: PolicyVersions,
        zone: ZoneInfo,
        today: Callable[[], dt.date],
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self._keys = keys
        self._versions = versions
        self._zone = zone
        self._today = today

    # -- events ------------------------------------------------------------------------------

    def mark_event(
        self,
        subject: str | None,
        event: str,
        at: dt.datetime | None = None,
        *,
        actor: str,
        purpose: str | None = None,
    ) -> int:
        """Record that ``subject``'s account was closed (``account_closed``), or that a
        purpose ended (``purpose_ended``, with ``purpose``; for everyone when ``subject``
        is None), at ``at`` (now by default). Audited as ``retention_event``.

        Raises :class:`RetentionRefused` (nothing written) naming each problem, and
        :class:`SubjectNotFound` for an unknown or erased subject.
        """
        now = self._clock.now()
        at = now if at is None else at
        problems: dict[str, str] = {}
        if event not in MARKED_EVENTS:
            derived = event in {e.value for e in RetentionEvent}
            problems["event"] = "event_derived" if derived else "event_unknown"
        elif event == RetentionEvent.account_closed:
            if subject is None:
                problems["subject"] = "subject_missing"
            if purpose is not None:
                problems["purpose"] = "purpose_not_allowed"
        elif purpose is None:
            problems["purpose"] = "purpose_missing"
        elif purpose not in self._policy(self._today()).purposes:
            problems["purpose"] = "purpose_unknown"
        if at.tzinfo is None:
            problems["at"] = "naive_time"
        elif at > now:
            problems["at"] = "in_future"
        if problems:
            raise RetentionRefused(problems)
        store = self._store
        with store.transaction() as cur:
            if subject is not None:
                lock_subject(cur, store.dialect, subject)
            cur.execute(
                store.sql(
                    "INSERT INTO retention_events (subject_id, event, purpose, at, recorded_by, "
                    "recorded_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"
                ),
                (subject, event, purpose, store.timestamp(at), actor, store.timestamp(now)),
            )
            ident = int(cur.fetchone()[0])
            detail = {"event": event, "at": format_at(at), "id": ident}
            audit = AuditEvent(
                actor=actor, action=EVENT, subject=subject, purpose=purpose, detail=detail
            )
            self._audit.append_cursor(cur, store.dialect, [audit], entries=False)
        return ident

    def events(self, subject: str) -> list[dict[str, Any]]:
        """The events recorded for ``subject`` (and purposes ended for everyone)."""
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    "SELECT id, subject_id, event, purpose, at, recorded_by FROM retention_events "
                    "WHERE subject_id = ? OR subject_id IS NULL ORDER BY at, id"
                ),
                (subject,),
            )
            rows = cur.fetchall()
        return [
            {
                "id": int(i),
                "subject": s,
                "event": e,
                "purpose": p,
                "at": read_time(a).isoformat(),
                "recorded_by": by,
            }
            for i, s, e, p, a, by in rows
        ]

    # -- planning ----------------------------------------------------------------------------

    def _policy(self, day: dt.date) -> Policy:
        version = self._versions.in_force(day)
        if version is None:
            raise NoPolicyInForce(
                f"no published policy is in force on {day.isoformat()}: retention follows "
                "the rules of a published policy (`mamori policy publish`)"
            )
        return version.policy

    def _facts(self, policy: Policy, *, persist: bool) -> Iterator[SubjectFacts]:
        tail = fold_audit(self._store, persist=persist)
        consents = any(r.after is RetentionEvent.consent_withdrawn for r in policy.retention)
        return load_facts(self._store, list(policy.purposes), tail=tail, consents=consents)

    def _plan(self, today: dt.date, *, persist: bool) -> Iterator[tuple[SubjectFacts, list[Due]]]:
        policy = self._policy(today)
        if not policy.retention:
            return
        rules = policy.retention
        needs = {pid: frozenset(p.items) for pid, p in policy.purposes.items()}
        for facts in self._facts(policy, persist=persist):
            dues = evaluate(rules, needs, facts, today, self._zone)
            if dues:
                yield facts, dues

    def plan(self, today: dt.date | None = None) -> list[Due]:
        """What is due for disposal on ``today`` (default: today in the configured zone)
        and not yet disposed, one :class:`Due` per subject and rule. Writes nothing."""
        day = today or self._today()
        return [due for _, dues in self._plan(day, persist=False) for due in dues]

    # -- running -----------------------------------------------------------------------------

    def run(self, today: dt.date | None = None, *, actor: str, dry_run: bool = False) -> RunReport:
        """Dispose of what is due on ``today`` and purge the Art. 29-31 records past their
        periods. A dry run reports what is due and changes nothing. Running again the same
        day finds nothing more to do."""
        day = today or self._today()
        if dry_run:
            return RunReport(day, True, tuple(self.plan(day)))
        return self._run(day, actor, self._start(day, actor, daily=False))

    def run_daily(self, today: dt.date, *, actor: str) -> RunReport | None:
        """The run of ``today`` for the worker: None when a run of that day was already
        made (by this process before a restart, or by another process)."""
        run_id = self._start(today, actor, daily=True)
        if run_id is None:
            return None
        try:
            return self._run(today, actor, run_id)
        except BaseException:
            # the day is given back, to be tried again; what was disposed stays disposed
            with self._store.transaction() as cur:
                cur.execute(self._store.sql("DELETE FROM retention_runs WHERE id = ?"), (run_id,))
            raise

    def last_daily(self) -> dt.date | None:
        """The day of the newest daily run."""
        with self._store.transaction(write=False) as cur:
            cur.execute("SELECT max(daily_day) FROM retention_runs")
            row = cur.fetchone()
        return None if row is None or row[0] is None else read_date(row[0])

    def _start(self, day: dt.date, actor: str, *, daily: bool) -> int | None:
        store = self._store
        started = store.timestamp(self._clock.now())
        with store.transaction() as cur:
            cur.execute(
                store.sql(
                    "INSERT INTO retention_runs (day, daily_day, actor, dry_run, started_at, "
                    "subjects, items, failed, records_purged) VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0) "
                    "ON CONFLICT DO NOTHING RETURNING id"
                ),
                (
                    store.date_param(day),
                    store.date_param(day) if daily else None,
                    actor[:200],
                    False,
                    started,
                ),
            )
            row = cur.fetchone()
        return None if row is None else int(row[0])

    def _run(self, day: dt.date, actor: str, run_id: int | None) -> RunReport:
        planned = list(self._plan(day, persist=True))
        disposed: list[Due] = []
        failed: dict[str, str] = {}
        for facts, dues in planned:
            try:
                disposed += self._dispose(facts, dues, actor)
            except MamoriError as exc:
                failed[facts.subject] = exc.code
            except Exception:
                log.exception("retention could not dispose of a subject's data")
                failed[facts.subject] = "internal"
        if disposed:
            self._store.purge_freed()
        self._prune()
        records = ProvisionRecords(self._store, self._audit, self._clock, lambda: day)
        purged = tuple(records.purge_expired(actor=actor))
        report = RunReport(
            day,
            False,
            tuple(d for _, dues in planned for d in dues),
            tuple(disposed),
            failed,
            purged,
        )
        if run_id is not None:
            self._finish(run_id, report)
        return report

    def _prune(self) -> None:
        """Forget the activity of subjects erased otherwise (an erasure request)."""
        with self._store.transaction() as cur:
            cur.execute(
                "DELETE FROM retention_activity WHERE subject_id IN "
                "(SELECT id FROM subjects WHERE erased_at IS NOT NULL)"
            )

    def _finish(self, run_id: int, report: RunReport) -> None:
        store = self._store
        with store.transaction() as cur:
            cur.execute(
                store.sql(
                    "UPDATE retention_runs SET finished_at = ?, subjects = ?, items = ?, "
                    "failed = ?, records_purged = ? WHERE id = ?"
                ),
                (
                    store.timestamp(self._clock.now()),
                    report.subjects,
                    report.items,
                    len(report.failed),
                    len(report.records_purged),
                    run_id,
                ),
            )

    def _dispose(self, facts: SubjectFacts, dues: Sequence[Due], actor: str) -> list[Due]:
        """Dispose of one subject's due items in one transaction; returns what was done
        (an item written again since the plan is left, which may turn a shred into item
        deletion)."""
        store = self._store
        subject = facts.subject
        now = self._clock.now()
        with store.transaction() as cur:
            try:
                lock_subject(cur, store.dialect, subject)
            except SubjectNotFound:
                return []  # erased meanwhile: nothing of it is left to dispose of
            cur.execute(store.sql("SELECT ledger FROM subjects WHERE id = ?"), (subject,))
            row = cur.fetchone()
            ledger = read_ledger(row[0] if row is not None else None)
            held = {item: h.collected_at for item, h in ledger.items()}
            done: list[Due] = []
            for due in dues:
                items = tuple(i for i in due.items if held.get(i) == facts.values.get(i))
                if items:
                    done.append(Due(subject, items, due.rule, due.due, due.method))
            gone = {i for d in done for i in d.items}
            if not gone:
                return []
            method = Method.crypto_shred if gone == set(held) else Method.item_delete
            done = [Due(subject, d.items, d.rule, d.due, method) for d in done]
            if method is Method.crypto_shred:
                self._shred(cur, subject, now)
            else:
                self._delete_items(cur, subject, sorted(gone))
            at = store.timestamp(now)
            cur.executemany(
                store.sql(
                    "INSERT INTO disposals (subject_id, items, actor, reason, method, at) "
                    "VALUES (?, ?, ?, ?, ?, ?)"
                ),
                [
                    (subject, json.dumps(list(d.items)), actor, REASON_PREFIX + d.rule,
                     method.value, at)
                    for d in done
                ],
            )  # fmt: skip
            event = AuditEvent(
                actor=actor,
                action=DISPOSE,
                subject=subject,
                items=tuple(sorted(gone)),
                detail={
                    "method": method.value,
                    "rules": [d.rule[:200] for d in done],
                    "due": min(d.due for d in done).isoformat(),
                },
            )
            self._audit.append_cursor(cur, store.dialect, [event], entries=False)
        if method is Method.crypto_shred:
            self._keys.forget(subject)
        return done

    def _shred(self, cur: Any, subject: str, now: dt.datetime) -> None:
        shred(cur, self._store, subject, now)
        cur.execute(
            self._store.sql("DELETE FROM retention_activity WHERE subject_id = ?"), (subject,)
        )

    def _delete_items(self, cur: Any, subject: str, items: Sequence[str]) -> None:
        remove_items(cur, self._store, subject, items)
        cur.executemany(
            self._store.sql("DELETE FROM retention_activity WHERE subject_id = ? AND key = ?"),
            [(subject, f"use_item:{i}") for i in items],
        )

    # -- reporting ---------------------------------------------------------------------------

    def summary(self, since: dt.date, until: dt.date) -> dict[str, Any]:
        """For the self-inspection report: the backlog now (due and not yet disposed), the
        disposals from ``since`` up to (not including) ``until`` (dates in the configured
        zone) by method and rule, the Art. 29-31 records purged and the runs made."""
        zone = self._zone
        lower = dt.datetime.combine(since, dt.time(), zone)
        upper = dt.datetime.combine(until, dt.time(), zone)
        try:
            backlog = self.plan()
        except NoPolicyInForce:
            backlog = []  # nothing can be due under no policy
        by_rule: dict[str, int] = {}
        for due in backlog:
            by_rule[due.rule] = by_rule.get(due.rule, 0) + 1
        store = self._store
        retention: dict[str, Any] = {"records": 0, "subjects": 0, "items": 0}
        r_methods: dict[str, int] = {}
        r_rules: dict[str, int] = {}
        other: dict[str, int] = {}
        subjects: set[str] = set()
        with store.transaction(write=False) as cur:
            cur.execute(
                store.sql(
                    "SELECT subject_id, items, reason, method FROM disposals "
                    "WHERE at >= ? AND at < ?"
                ),
                (store.timestamp(lower), store.timestamp(upper)),
            )
            for subject, items, reason, method in cur.fetchall():
                if str(reason).startswith(REASON_PREFIX):
                    retention["records"] += 1
                    retention["items"] += len(json.loads(items))
                    subjects.add(str(subject))
                    r_methods[method] = r_methods.get(method, 0) + 1
                    rule = str(reason).removeprefix(REASON_PREFIX)
                    r_rules[rule] = r_rules.get(rule, 0) + 1
                else:
                    other[method] = other.get(method, 0) + 1
            collate = ' COLLATE "C"' if store.dialect == "postgresql" else ""
            cur.execute(
                store.sql(
                    f"SELECT count(*) FROM audit_log WHERE action = 'record_purge' "
                    f"AND at{collate} >= ? AND at{collate} < ?"
                ),
                (format_at(lower), format_at(upper)),
            )
            purged = int(cur.fetchone()[0])
            cur.execute(
                store.sql(
                    "SELECT count(*), max(finished_at) FROM retention_runs "
                    "WHERE started_at >= ? AND started_at < ?"
                ),
                (store.timestamp(lower), store.timestamp(upper)),
            )
            runs, last = cur.fetchone()
        retention["subjects"] = len(subjects)
        retention["by_method"] = dict(sorted(r_methods.items()))
        retention["by_rule"] = dict(sorted(r_rules.items()))
        return {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "backlog": {
                "subjects": len({d.subject for d in backlog}),
                "items": sum(len(d.items) for d in backlog),
                "by_rule": dict(sorted(by_rule.items())),
                "oldest_due": min((d.due.isoformat() for d in backlog), default=None),
            },
            "disposals": {"retention": retention, "other": dict(sorted(other.items()))},
            "records_purged": purged,
            "runs": {
                "count": int(runs),
                "last_finished": None if last is None else read_time(last).isoformat(),
            },
        }

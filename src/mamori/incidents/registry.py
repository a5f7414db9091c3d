"""``Incidents``: the register of leaks, losses and damage (漏えい等, Art. 26).

An incident is registered with the moment any department learned of it, the cause, the
affected items and the affected subjects (a query over the vault or a list of ids). The
officer confirms the reportable categories the data suggests (PPC Rule 7), the deadlines
follow (Rules 8(1), 8(2)), report submissions are recorded, and each affected person is
notified once (Art. 26(2)). Every step is one transaction with its event row and its audit
entry; free texts, which may name people, are kept sealed with mamori's sealing key.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from mamori.access import Actor
from mamori.audit import AuditEvent, AuditLog, register_action
from mamori.clock import Clock
from mamori.errors import Conflict, NotFound, SubjectNotFound
from mamori.ids import random_id
from mamori.incidents._checks import (
    check_enum,
    check_items,
    check_texts,
    check_time,
    email_item,
)
from mamori.incidents._rows import COLUMNS, incident_from_row
from mamori.incidents.classify import suggest_categories
from mamori.incidents.deadlines import DueStatus, learned_day, report_deadlines
from mamori.incidents.errors import IncidentRefused
from mamori.incidents.model import (
    TRANSITIONS,
    Category,
    Cause,
    Incident,
    IncidentState,
    NoticeSummary,
    Reporter,
    ReportKind,
)
from mamori.incidents.report import ReportDraft, draft_report, notice_context
from mamori.keys import Keyring
from mamori.notify import Notifier, NotifyError
from mamori.policy.model import Policy
from mamori.store import Store, read_time
from mamori.vault import Vault
from mamori.vault.record import holds_item, holds_item_param

__all__ = ["ACTIONS", "Incidents"]

ACTIONS = (
    "incident_open",
    "incident_update",
    "incident_classify",
    "incident_report",
    "incident_notify",
    "incident_close",
)
for _action in ACTIONS:
    register_action(_action)

_REASON_MAX = 2000
_CHUNK = 500
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def new_incident_id() -> str:
    return random_id("in_")


class Incidents:
    """Register, classify, report, notify and close incidents."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        clock: Clock,
        keys: Keyring,
        vault: Vault,
        policy: Callable[[], Policy],
        notifier: Callable[[], Notifier],
        *,
        zone: ZoneInfo,
        preliminary_days: int = 3,
        lang: str = "ja",
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self._keys = keys
        self._vault = vault
        self._policy = policy
        self._notifier = notifier
        self.zone = zone
        self.preliminary_days = preliminary_days
        self.lang = lang

    def today(self) -> dt.date:
        return self._clock.now().astimezone(self.zone).date()

    # registering ----------------------------------------------------------------------

    def open(
        self,
        *,
        actor: str,
        learned_at: dt.datetime,
        cause: Cause | str,
        items: Sequence[str],
        subjects: Sequence[str] | None = None,
        holding: Sequence[str] | None = None,
        created_from: dt.datetime | None = None,
        created_until: dt.datetime | None = None,
        occurred_at: dt.datetime | None = None,
        estimated_count: int | None = None,
        upper_bound: bool | None = None,
        reporter: Reporter | str = Reporter.ppc,
        client_recipient: str | None = None,
        client_name: str | None = None,
        client_email: str | None = None,
        texts: Mapping[str, str] | None = None,
        alert_id: str | None = None,
    ) -> Incident:
        """Register an incident.

        The affected subjects are either ``subjects`` (ids) or a query: those holding any of
        ``holding`` and/or created in [``created_from``, ``created_until``). A query gives
        the largest possible set, so its count is an upper bound unless ``upper_bound`` says
        otherwise; ``estimated_count`` (at least the listed count) raises the count to what
        may have been affected beyond the subjects found. Erased subjects are not counted.
        """
        policy = self._policy()
        now = self._clock.now()
        problems: dict[str, str] = {}
        check_time(problems, "learned_at", learned_at, now)
        if occurred_at is not None:
            check_time(problems, "occurred_at", occurred_at, now)
            valid = "learned_at" not in problems and "occurred_at" not in problems
            if valid and occurred_at > learned_at:
                problems["occurred_at"] = "after_learned_at"
        how = check_enum(problems, "cause", Cause, cause)
        who = check_enum(problems, "reporter", Reporter, reporter)
        listed_items = check_items(problems, "items", policy, items, required=True)
        query_items = check_items(problems, "holding", policy, holding or (), required=False)
        by_query = bool(holding) or created_from is not None or created_until is not None
        if subjects is not None and by_query:
            problems["subjects"] = "give_subjects_or_a_query_not_both"
        elif subjects is None and not by_query:
            problems["subjects"] = "give_subjects_or_a_query"
        for name, moment in (("created_from", created_from), ("created_until", created_until)):
            if moment is not None and moment.tzinfo is None:
                problems[name] = "timezone_missing"
        if (
            created_from is not None
            and created_until is not None
            and "created_from" not in problems
            and "created_until" not in problems
            and created_from >= created_until
        ):
            problems["created_until"] = "not_after_created_from"
        ids: list[str] = []
        if subjects is not None:
            ids = list(dict.fromkeys(s.strip() for s in subjects if s.strip()))
            if not ids:
                problems["subjects"] = "empty"
            else:
                known = self._vault.created_at(ids)
                unknown = [s for s in ids if s not in known]
                if unknown:
                    shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
                    problems["subjects"] = f"subject_unknown: {shown}"
        if estimated_count is not None and estimated_count < 0:
            problems["estimated_count"] = "negative"
        client = self._client(problems, policy, who, client_recipient, client_name, client_email)
        narrative = check_texts(problems, texts or {})
        if problems:
            raise IncidentRefused(problems)
        assert how is not None and who is not None
        iid = new_incident_id()
        sealed = self._seal(iid, narrative)
        selection: dict[str, Any] = {"mode": "query" if by_query else "list"}
        if by_query:
            selection.update(
                holding=list(query_items),
                created_from=created_from.isoformat() if created_from else None,
                created_until=created_until.isoformat() if created_until else None,
            )
        bound = by_query if upper_bound is None else upper_bound
        day1 = learned_day(learned_at, self.zone)
        with self._store.transaction() as cur:
            # The row first (the subjects refer to it), its counts once they are known.
            cur.execute(
                self._store.sql(
                    "INSERT INTO incidents (id, state, learned_at, learned_on, occurred_at, "
                    "cause, reporter, client_recipient, client_name, client_email, items, "
                    "selection, listed_count, affected_count, count_is_upper_bound, narrative, "
                    "suggested, preliminary_due, final_due, alert_id, created_by, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, '[]', ?, ?, ?, ?, ?)"
                ),
                (
                    iid, IncidentState.open.value, self._store.timestamp(learned_at),
                    self._store.date_param(day1),
                    self._store.timestamp(occurred_at) if occurred_at else None,
                    how.value, who.value, *client, json.dumps(list(listed_items)),
                    json.dumps(selection), bound, sealed, self._store.date_param(day1),
                    self._store.date_param(day1), alert_id, actor, self._store.timestamp(now),
                ),
            )  # fmt: skip
            if by_query:
                self._insert_query(cur, iid, query_items, created_from, created_until)
            else:
                self._insert_list(cur, iid, ids)
            cur.execute(
                self._store.sql("SELECT COUNT(*) FROM incident_subjects WHERE incident_id = ?"),
                (iid,),
            )
            listed = int(cur.fetchone()[0])
            if estimated_count is not None and estimated_count < listed:
                raise IncidentRefused({"estimated_count": f"below_the_{listed}_subjects_found"})
            affected = max(listed, estimated_count or 0)
            bound = bound or affected > listed
            suggested = suggest_categories(policy, listed_items, how, affected)
            due = report_deadlines(
                day1,
                preliminary_days=self.preliminary_days,
                malicious=Category.malicious in suggested,
            )
            cur.execute(
                self._store.sql(
                    "UPDATE incidents SET listed_count = ?, affected_count = ?, "
                    "count_is_upper_bound = ?, suggested = ?, preliminary_due = ?, "
                    "final_due = ? WHERE id = ?"
                ),
                (
                    listed, affected, bound, json.dumps([c.value for c in suggested]),
                    self._store.date_param(due.preliminary), self._store.date_param(due.final),
                    iid,
                ),
            )  # fmt: skip
            self._event(cur, iid, None, IncidentState.open, actor, "registered")
            detail = {
                "incident": iid,
                "cause": how.value,
                "reporter": who.value,
                "selection": selection["mode"],
                "affected": affected,
                "upper_bound": bound,
                "suggested": [c.value for c in suggested],
            }
            if alert_id:
                detail["alert"] = alert_id
            self._audit_cur(cur, actor, "incident_open", listed_items, detail)
        return self.get(iid)

    def _client(
        self,
        problems: dict[str, str],
        policy: Policy,
        who: Reporter | None,
        recipient: str | None,
        name: str | None,
        email: str | None,
    ) -> tuple[str | None, str | None, str | None]:
        """(recipient id, name, email) of the client a contractor reports to."""
        given = recipient is not None or name is not None or email is not None
        if who is not Reporter.client:
            if given and who is not None:
                problems["client"] = "only_when_reporter_is_client"
            return None, None, None
        if recipient is not None:
            if recipient not in policy.recipients:
                problems["client"] = f"recipient_unknown: {recipient}"
            elif name is None:
                name = policy.recipients[recipient].name.ja
        elif not (name and name.strip()):
            problems["client"] = "give_a_recipient_id_or_a_name"
        if name is not None and len(name) > 200:
            problems["client_name"] = "too_long"
        if email is not None and (len(email) > 320 or not _EMAIL.match(email)):
            problems["client_email"] = "not_an_email_address"
        return recipient, name.strip() if name else None, email

    def _insert_query(
        self,
        cur: Any,
        iid: str,
        holding: Sequence[str],
        created_from: dt.datetime | None,
        created_until: dt.datetime | None,
    ) -> None:
        where = ["s.erased_at IS NULL"]
        params: list[Any] = [iid]
        if created_from is not None:
            where.append("s.created_at >= ?")
            params.append(self._store.timestamp(created_from))
        if created_until is not None:
            where.append("s.created_at < ?")
            params.append(self._store.timestamp(created_until))
        if holding:
            where.append("(" + " OR ".join([holds_item("s.ledger")] * len(holding)) + ")")
            params.extend(holds_item_param(item) for item in holding)
        cur.execute(
            self._store.sql(
                "INSERT INTO incident_subjects (incident_id, subject_id) "
                f"SELECT CAST(? AS VARCHAR(40)), s.id FROM subjects s WHERE {' AND '.join(where)}"
            ),
            params,
        )

    def _insert_list(self, cur: Any, iid: str, ids: Sequence[str]) -> None:
        sql = self._store.sql(
            "INSERT INTO incident_subjects (incident_id, subject_id) VALUES (?, ?)"
        )
        for start in range(0, len(ids), _CHUNK):
            cur.executemany(sql, [(iid, s) for s in ids[start : start + _CHUNK]])

    def describe(self, incident_id: str, *, actor: str, texts: Mapping[str, str]) -> Incident:
        """Add to or replace the report's free texts (see ``NARRATIVE_FIELDS``)."""
        problems: dict[str, str] = {}
        changes = check_texts(problems, texts)
        if not changes:
            problems.setdefault("texts", "nothing_given")
        if problems:
            raise IncidentRefused(problems)
        incident = self.get(incident_id)
        self._require(incident, set(IncidentState) - {IncidentState.closed}, "describe")
        merged = {**self.narrative(incident_id), **changes}
        sealed = self._seal(incident_id, merged)
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql("UPDATE incidents SET narrative = ? WHERE id = ?"),
                (sealed, incident_id),
            )
            detail = {"incident": incident_id, "fields": sorted(changes)}
            self._audit_cur(cur, actor, "incident_update", (), detail)
        return self.get(incident_id)

    # classifying ----------------------------------------------------------------------

    def suggest(self, incident_id: str, *, excluded: bool = False) -> tuple[Category, ...]:
        """The categories the incident's data suggests now (under the policy in force)."""
        incident = self.get(incident_id)
        return suggest_categories(
            self._policy(),
            incident.items,
            incident.cause,
            incident.affected_count,
            excluded=excluded,
        )

    def classify(
        self,
        incident_id: str,
        *,
        actor: str,
        categories: Sequence[Category | str] | None = None,
        reason: str | None = None,
        excluded_reason: str | None = None,
    ) -> Incident:
        """The officer confirms the reportable categories: the suggestion when
        ``categories`` is None, otherwise their own choice, which needs a ``reason`` when it
        differs from the suggestion. ``excluded_reason`` records that the data was under
        advanced encryption and the key did not leak: then nothing is suggested. The
        deadlines follow the confirmed categories (60 days when ``malicious``)."""
        problems: dict[str, str] = {}
        if excluded_reason is not None:
            excluded_reason = excluded_reason.strip()
            if not excluded_reason:
                problems["excluded_reason"] = "empty"
            elif len(excluded_reason) > _REASON_MAX:
                problems["excluded_reason"] = "too_long"
        chosen: list[Category] = []
        for value in categories or ():
            try:
                chosen.append(Category(value))
            except ValueError:
                known = ", ".join(c.value for c in Category)
                problems["categories"] = f"category_unknown: {value} (use {known})"
        if reason is not None:
            reason = reason.strip() or None
            if reason is not None and len(reason) > _REASON_MAX:
                problems["reason"] = "too_long"
        if problems:
            raise IncidentRefused(problems)
        incident = self.get(incident_id)
        allowed = {IncidentState.open, IncidentState.classified, IncidentState.preliminary_reported}
        self._require(incident, allowed, "classify")
        suggested = self.suggest(incident_id, excluded=excluded_reason is not None)
        confirmed = suggested if categories is None else tuple(c for c in Category if c in chosen)
        if set(confirmed) != set(suggested) and reason is None:
            raise IncidentRefused(
                {"reason": "required_when_the_categories_differ_from_the_suggestion"},
                "not recorded (reason: the categories differ from the suggestion "
                f"({', '.join(c.value for c in suggested) or 'none'}): give a reason)",
            )
        if incident.state is IncidentState.preliminary_reported and not confirmed:
            raise Conflict(
                f"incident {incident_id} was reported to the PPC: it cannot become not reportable"
            )
        due = report_deadlines(
            incident.learned_on,
            preliminary_days=self.preliminary_days,
            malicious=Category.malicious in confirmed,
        )
        now = self._clock.now()
        target = (
            IncidentState.classified if incident.state is IncidentState.open else incident.state
        )
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql(
                    "UPDATE incidents SET state = ?, suggested = ?, categories = ?, "
                    "classify_reason = ?, excluded_reason = ?, classified_by = ?, "
                    "classified_at = ?, preliminary_due = ?, final_due = ? WHERE id = ?"
                ),
                (
                    target.value, json.dumps([c.value for c in suggested]),
                    json.dumps([c.value for c in confirmed]), reason, excluded_reason, actor,
                    self._store.timestamp(now), self._store.date_param(due.preliminary),
                    self._store.date_param(due.final), incident_id,
                ),
            )  # fmt: skip
            note = "categories: " + (", ".join(c.value for c in confirmed) or "none")
            self._event(cur, incident_id, incident.state, target, actor, note)
            detail = {
                "incident": incident_id,
                "suggested": [c.value for c in suggested],
                "confirmed": [c.value for c in confirmed],
                "differs": set(confirmed) != set(suggested),
                "excluded": excluded_reason is not None,
                "reportable": bool(confirmed),
                "preliminary_due": due.preliminary.isoformat(),
                "final_due": due.final.isoformat(),
            }
            self._audit_cur(cur, actor, "incident_classify", incident.items, detail)
        return self.get(incident_id)

    # reporting ------------------------------------------------------------------------

    def draft(
        self, incident_id: str, kind: ReportKind | str, *, lang: str | None = None
    ) -> ReportDraft:
        """The draft of the preliminary or final report, with the nine items of Rule 8."""
        problems: dict[str, str] = {}
        what = check_enum(problems, "kind", ReportKind, kind)
        if lang is not None and lang not in ("ja", "en"):
            problems["lang"] = "use ja or en"
        if problems:
            raise IncidentRefused(problems)
        incident = self.get(incident_id)
        return draft_report(
            incident,
            what,
            narrative=self.narrative(incident_id),
            notices=self.notices(incident_id),
            policy=self._policy(),
            zone=self.zone,
            today=self.today(),
            lang=lang or self.lang,
        )

    def record_report(
        self,
        incident_id: str,
        kind: ReportKind | str,
        *,
        actor: str,
        submitted_at: dt.datetime | None = None,
    ) -> Incident:
        """Record that the preliminary or final report was submitted (to the PPC, or to
        the client when the company is the entrusted party). A final report submitted
        without a preliminary one counts as both (one report may serve as both). When the
        client has an email address, the report's summary is sent to it."""
        problems: dict[str, str] = {}
        what = check_enum(problems, "kind", ReportKind, kind)
        now = self._clock.now()
        when = submitted_at or now
        if submitted_at is not None:
            check_time(problems, "submitted_at", submitted_at, now)
        if problems:
            raise IncidentRefused(problems)
        assert what is not None
        incident = self.get(incident_id)
        if what is ReportKind.preliminary:
            self._require(incident, {IncidentState.classified}, "report preliminary")
            target = IncidentState.preliminary_reported
        else:
            allowed = {IncidentState.classified, IncidentState.preliminary_reported}
            self._require(incident, allowed, "report final")
            target = IncidentState.final_reported
        if not incident.reportable:
            raise Conflict(
                f"incident {incident_id} was classified as not reportable: there is no report "
                "to record (classify it again if facts changed)"
            )
        if when < incident.learned_at:
            raise IncidentRefused({"submitted_at": "before_learned_at"})
        sets = ["state = ?"]
        params: list[Any] = [target.value]
        if what is ReportKind.preliminary or incident.preliminary_at is None:
            sets.append("preliminary_at = ?")
            params.append(self._store.timestamp(when))
        if what is ReportKind.final:
            sets.append("final_at = ?")
            params.append(self._store.timestamp(when))
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql(f"UPDATE incidents SET {', '.join(sets)} WHERE id = ?"),
                (*params, incident_id),
            )
            self._event(cur, incident_id, incident.state, target, actor, f"{what.value} report")
            due = incident.preliminary_due if what is ReportKind.preliminary else incident.final_due
            on_time = when.astimezone(self.zone).date() <= due
            detail = {
                "incident": incident_id,
                "kind": what.value,
                "to": incident.reporter.value,
                "due": due.isoformat(),
                "on_time": on_time,
            }
            self._audit_cur(cur, actor, "incident_report", (), detail)
        updated = self.get(incident_id)
        if updated.reporter is Reporter.client and updated.client_email:
            self._notify_client(updated, what, actor)
        return updated

    def _notify_client(self, incident: Incident, kind: ReportKind, actor: str) -> None:
        policy = self._policy()
        context = notice_context(incident, self.narrative(incident.id), policy, self.lang)
        context["report_kind"] = kind.value
        context["client"] = incident.client_name or incident.client_recipient or ""
        context["affected_count"] = incident.affected_count
        context["upper_bound"] = incident.count_is_upper_bound
        assert incident.client_email is not None
        self._notifier().send(
            to=incident.client_email,
            template="incident_notice_client",
            lang=self.lang,
            context=context,
            actor=actor,
            subject_id=None,
        )

    # notices to the persons ---------------------------------------------------------------

    def notify(self, incident_id: str, *, actor: str, lang: str | None = None) -> NoticeSummary:
        """Send the notice (Art. 26(2)) to each affected subject's registered email.

        A subject already notified for this incident is not written to again; a run that
        stopped half-way is finished by running it again. Subjects without an email (or
        erased since) are counted as ``no_contact``: reach them by public announcement.
        Reading the address is recorded as an export for the incident (the law obliges the
        notice, so a suspension of use does not stop it); each delivery is audited.
        """
        incident = self.get(incident_id)
        if incident.state is IncidentState.open:
            raise Conflict(
                f"incident {incident_id} is not classified yet: classify it before notifying "
                "the persons (`mamori incidents classify`)"
            )
        self._require(incident, set(IncidentState) - {IncidentState.closed}, "notify")
        policy = self._policy()
        address_item = email_item(policy)
        language = lang or self.lang
        context = notice_context(incident, self.narrative(incident_id), policy, language)
        notifier = self._notifier()
        officer = Actor(actor, policy.officer_role or "")
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    "SELECT COUNT(*) FROM incident_subjects WHERE incident_id = ? "
                    "AND outcome = 'sent'"
                ),
                (incident_id,),
            )
            already = int(cur.fetchone()[0])
        sent = no_contact = failed = 0
        for page in self._pending(incident_id):
            for subject in page:
                address: str | None = None
                try:
                    values = self._vault.for_request(subject, [address_item], incident_id, officer)
                    address = values.get(address_item)
                except SubjectNotFound:
                    address = None
                delivery: str | None = None
                if address is None:
                    outcome = "no_contact"
                    no_contact += 1
                else:
                    try:
                        done = notifier.send(
                            to=address,
                            template="incident_notice",
                            lang=language,
                            context=context,
                            actor=actor,
                            subject_id=subject,
                        )
                    except NotifyError:
                        outcome = "failed"
                        failed += 1
                    else:
                        outcome, delivery = "sent", done.delivery_id
                        sent += 1
                self._record_notice(incident_id, subject, outcome, delivery)
        summary = NoticeSummary(incident_id, sent, already, no_contact, failed)
        with self._store.transaction() as cur:
            self._event(
                cur, incident_id, incident.state, incident.state, actor,
                f"notices: {sent} sent, {no_contact} no contact, {failed} failed",
            )  # fmt: skip
            detail = summary.to_dict()
            self._audit_cur(cur, actor, "incident_notify", incident.items, detail)
        return summary

    def _pending(self, incident_id: str) -> Iterable[list[str]]:
        """Subjects not yet notified, a page at a time, in id order."""
        last = ""
        sql = self._store.sql(
            "SELECT subject_id FROM incident_subjects WHERE incident_id = ? AND subject_id > ? "
            f"AND (outcome IS NULL OR outcome <> 'sent') ORDER BY subject_id LIMIT {_CHUNK}"
        )
        while True:
            with self._store.transaction(write=False) as cur:
                cur.execute(sql, (incident_id, last))
                page = [row[0] for row in cur.fetchall()]
            if not page:
                return
            yield page
            if len(page) < _CHUNK:
                return
            last = page[-1]

    def _record_notice(
        self, incident_id: str, subject: str, outcome: str, delivery: str | None
    ) -> None:
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql(
                    "UPDATE incident_subjects SET outcome = ?, delivery = ?, notified_at = ? "
                    "WHERE incident_id = ? AND subject_id = ?"
                ),
                (
                    outcome,
                    delivery,
                    self._store.timestamp(self._clock.now()) if outcome == "sent" else None,
                    incident_id,
                    subject,
                ),
            )

    def notices(self, incident_id: str) -> dict[str, int]:
        """Counts of the affected subjects by notice outcome (``pending``: not tried)."""
        self.get(incident_id)
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    "SELECT outcome, COUNT(*) FROM incident_subjects WHERE incident_id = ? "
                    "GROUP BY outcome"
                ),
                (incident_id,),
            )
            rows = cur.fetchall()
        counts = {"sent": 0, "no_contact": 0, "failed": 0, "pending": 0}
        for outcome, count in rows:
            counts[outcome or "pending"] = int(count)
        return counts

    # closing ------------------------------------------------------------------------------

    def close(self, incident_id: str, *, actor: str, note: str = "") -> Incident:
        """Close after the final report, or once classified as not reportable."""
        if len(note) > 200:
            raise IncidentRefused({"note": "too_long"})
        incident = self.get(incident_id)
        if incident.state is IncidentState.classified and incident.reportable:
            raise Conflict(
                f"incident {incident_id} is reportable: record the final report before closing it"
            )
        self._require(incident, {IncidentState.classified, IncidentState.final_reported}, "close")
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql("UPDATE incidents SET state = ?, closed_at = ? WHERE id = ?"),
                (
                    IncidentState.closed.value,
                    self._store.timestamp(self._clock.now()),
                    incident_id,
                ),
            )
            self._event(
                cur, incident_id, incident.state, IncidentState.closed, actor, note or "closed"
            )
            self._audit_cur(cur, actor, "incident_close", (), {"incident": incident_id})
        return self.get(incident_id)

    # reading ------------------------------------------------------------------------------

    def get(self, incident_id: str) -> Incident:
        rows = self._select("id = ?", (incident_id,))
        if not rows:
            raise NotFound(f"there is no incident '{incident_id}'")
        return rows[0]

    def list(
        self,
        *,
        state: IncidentState | str | None = None,
        open_only: bool = False,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> builtins.list[Incident]:
        """Incidents learned of in [since, until), newest first."""
        where: builtins.list[str] = ["1 = 1"]
        params: builtins.list[object] = []
        if state is not None:
            try:
                params.append(IncidentState(state).value)
            except ValueError:
                known = ", ".join(s.value for s in IncidentState)
                raise IncidentRefused({"state": f"state_unknown (use {known})"}) from None
            where.append("state = ?")
        if open_only:
            where.append("state <> 'closed'")
        if since is not None:
            where.append("learned_at >= ?")
            params.append(self._store.timestamp(since))
        if until is not None:
            where.append("learned_at < ?")
            params.append(self._store.timestamp(until))
        return self._select(" AND ".join(where), tuple(params))

    def events(self, incident_id: str) -> builtins.list[dict[str, Any]]:
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    "SELECT from_state, to_state, actor, note, at FROM incident_events "
                    "WHERE incident_id = ? ORDER BY id"
                ),
                (incident_id,),
            )
            rows = cur.fetchall()
        return [
            {"from": f, "to": t, "actor": a, "note": n, "at": read_time(at).isoformat()}
            for f, t, a, n, at in rows
        ]

    def subjects(self, incident_id: str) -> builtins.list[str]:
        """The affected subjects found (ids, in order)."""
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    "SELECT subject_id FROM incident_subjects WHERE incident_id = ? "
                    "ORDER BY subject_id"
                ),
                (incident_id,),
            )
            return [row[0] for row in cur.fetchall()]

    def narrative(self, incident_id: str) -> dict[str, str]:
        """The report's free texts, unsealed."""
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql("SELECT narrative FROM incidents WHERE id = ?"), (incident_id,)
            )
            row = cur.fetchone()
        if row is None:
            raise NotFound(f"there is no incident '{incident_id}'")
        if row[0] is None:
            return {}
        plain = self._keys.sealer().decrypt(bytes(row[0]), _aad(incident_id))
        data: dict[str, str] = json.loads(plain)
        return data

    def summary(self, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
        """For the self-inspection report: incidents learned of in [since, until), how many
        were reportable, by category and cause, and whether each report deadline was met,
        missed or is still pending (as of the clock's today)."""
        today = self.today()
        found = self.list(since=since, until=until)
        by_state = {s.value: 0 for s in IncidentState}
        by_category = {c.value: 0 for c in Category}
        by_cause: dict[str, int] = {}
        deadlines = {k.value: {s.value: 0 for s in DueStatus} for k in ReportKind}
        reportable = unclassified = affected = 0
        for incident in found:
            by_state[incident.state.value] += 1
            by_cause[incident.cause.value] = by_cause.get(incident.cause.value, 0) + 1
            if incident.categories is None:
                unclassified += 1
            if not incident.reportable:
                continue
            reportable += 1
            affected += incident.affected_count
            for category in incident.categories or ():
                by_category[category.value] += 1
            prelim = incident.preliminary_status(today, self.zone)
            deadlines["preliminary"][prelim.value] += 1
            deadlines["final"][incident.final_status(today, self.zone).value] += 1
        return {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "as_of": today.isoformat(),
            "incidents": len(found),
            "reportable": reportable,
            "not_reportable": len(found) - reportable - unclassified,
            "unclassified": unclassified,
            "affected_in_reportable": affected,
            "by_state": by_state,
            "by_category": by_category,
            "by_cause": dict(sorted(by_cause.items())),
            "deadlines": deadlines,
        }

    # helpers ------------------------------------------------------------------------------

    def _require(self, incident: Incident, allowed: set[IncidentState], what: str) -> None:
        if incident.state not in allowed:
            can = ", ".join(sorted(s.value for s in allowed))
            raise Conflict(
                f"incident {incident.id} is {incident.state.value}: cannot {what} (only when {can})"
            )

    def _event(
        self,
        cur: Any,
        incident_id: str,
        source: IncidentState | None,
        target: IncidentState,
        actor: str,
        note: str,
    ) -> None:
        if source is not None and source is not target and target not in TRANSITIONS[source]:
            raise Conflict(f"incident {incident_id}: {source.value} cannot become {target.value}")
        cur.execute(
            self._store.sql(
                "INSERT INTO incident_events (incident_id, from_state, to_state, actor, note, at) "
                "VALUES (?, ?, ?, ?, ?, ?)"
            ),
            (incident_id, source.value if source else None, target.value, actor, note[:200],
             self._store.timestamp(self._clock.now())),
        )  # fmt: skip

    def _audit_cur(
        self,
        cur: Any,
        actor: str,
        action: str,
        items: Sequence[str],
        detail: Mapping[str, Any],
    ) -> None:
        event = AuditEvent(actor=actor, action=action, items=tuple(items), detail=detail)
        self._audit.append_cursor(cur, self._store.dialect, [event], entries=False)

    def _seal(self, incident_id: str, texts: Mapping[str, str]) -> bytes | None:
        if not texts:
            return None
        body = json.dumps(dict(texts), ensure_ascii=False, sort_keys=True).encode("utf-8")
        return self._keys.sealer().encrypt(body, _aad(incident_id))

    def _select(self, where: str, params: tuple[Any, ...]) -> builtins.list[Incident]:
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    f"SELECT {COLUMNS} FROM incidents WHERE {where} ORDER BY learned_at DESC, id"
                ),
                params,
            )
            rows = cur.fetchall()
        return [incident_from_row(r) for r in rows]


def _aad(incident_id: str) -> bytes:
    return b"mamori:incident:v1:" + incident_id.encode()

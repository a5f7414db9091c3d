"""``ConsentLedger``: record consent events, answer what each subject has chosen.

Every event is appended to ``consent_events`` (the database refuses to change or remove
one), the subject's current state in ``consent_current`` is folded in the same
transaction, and so is the audit entry. Targets and items are checked against the policy
in force; a foreign recipient's consent is valid only with the Rule 17 information the
person was shown (Art. 28(1)).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from mamori.access import AccessPolicy
from mamori.audit import AuditEvent, AuditLog
from mamori.clock import Clock
from mamori.consent import state as folded
from mamori.consent.model import (
    CollectionMethod,
    ConsentEvent,
    ConsentRecord,
    PendingConsent,
    Target,
    TargetKind,
)
from mamori.consent.state import ConsentView
from mamori.errors import ConsentRefused, NotFound, SubjectNotFound
from mamori.ids import random_id
from mamori.policy.model import Policy, Recipient, RecipientKind
from mamori.store import Store, read_time

__all__ = ["ConsentLedger", "anonymise_ip", "lock_subject"]

LANGS = ("ja", "en")
_NOTICE_MAX = 200_000
_AGENT_MAX = 300
_RULE17_FIELDS = ("country", "system", "measures")

_SQL = {
    "subject": "SELECT erased_at FROM subjects WHERE id = ?",
    "current": "SELECT state FROM consent_current WHERE subject_id = ?",
    "notice": "INSERT INTO consent_notices (hash, lang, text, first_shown_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (hash) DO NOTHING",
    "event": "INSERT INTO consent_events (record_id, subject_id, target, event, items, "
    "policy_version, notice_hash, lang, method, at, valid_until, refers_to, channel, rule17, "
    "recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "upsert": "INSERT INTO consent_current (subject_id, state) VALUES (?, ?) "
    "ON CONFLICT (subject_id) DO UPDATE SET state = excluded.state",
    "history": "SELECT record_id, subject_id, target, event, items, policy_version, notice_hash, "
    "lang, method, at, valid_until, refers_to, channel, rule17, recorded_by FROM consent_events "
    "WHERE subject_id = ? ORDER BY number",
    "record": "SELECT record_id, subject_id, target, event, items, policy_version, notice_hash, "
    "lang, method, at, valid_until, refers_to, channel, rule17, recorded_by FROM consent_events "
    "WHERE record_id = ?",
    "notice_text": "SELECT text FROM consent_notices WHERE hash = ?",
    "like": "SELECT subject_id, state FROM consent_current WHERE state LIKE ?",
}


def new_record_id() -> str:
    return random_id("cr_")


def anonymise_ip(text: str) -> str:
    """An address made coarse before it is stored: IPv4 to its /24, IPv6 to its /48."""
    address = ipaddress.ip_address(text.strip())
    prefix = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return str(network)


def lock_subject(cur: Any, dialect: str, subject: str) -> None:
    """Check the subject exists and is not erased, holding its row until commit on
    PostgreSQL (SQLite's BEGIN IMMEDIATE already holds the write lock)."""
    sql = _SQL["subject"] if dialect == "sqlite" else _pg(_SQL["subject"]) + " FOR UPDATE"
    cur.execute(sql, (subject,))
    row = cur.fetchone()
    if row is None:
        raise SubjectNotFound(f"no subject '{subject}'")
    if row[0] is not None:
        raise SubjectNotFound(f"subject '{subject}' was erased")


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class ConsentLedger:
    """Consent events per subject and target, and the current choice folded from them."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        clock: Clock,
        access: Callable[[], AccessPolicy],
        version: Callable[[], int | None],
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self._access = access
        self._version = version
        dialect = store.dialect
        self._dialect = dialect
        self._sql = _SQL if dialect == "sqlite" else {k: _pg(v) for k, v in _SQL.items()}

    # recording ---------------------------------------------------------------------------

    def give(
        self,
        subject: str,
        target: str | Target,
        *,
        notice: str,
        actor: str,
        lang: str = "ja",
        method: CollectionMethod | str = CollectionMethod.web,
        items: Sequence[str] | None = None,
        valid_until: dt.datetime | None = None,
        channel: Mapping[str, str] | None = None,
        rule17: Mapping[str, str] | None = None,
    ) -> ConsentRecord:
        """Record that ``subject`` consented to ``target`` after being shown ``notice``.

        Raises :class:`ConsentRefused` (nothing written) naming each problem: an unknown
        target, a recipient that needs no consent, items the target does not cover, an
        empty notice, a validity already past, or a foreign recipient without the Rule 17
        information shown.
        """
        now = self._clock.now()
        problems: dict[str, str] = {}
        parsed = _parse_target(target, problems)
        policy = self._access().policy
        covered: tuple[str, ...] = ()
        if parsed is not None:
            covered = _items_for(policy, parsed, items, problems)
            rule17 = _rule17_for(policy, parsed, rule17, problems)
        if not notice or not notice.strip():
            problems["notice"] = "notice_missing"
        elif len(notice) > _NOTICE_MAX:
            problems["notice"] = "too_long"
        if lang not in LANGS:
            problems["lang"] = "lang_unknown"
        if valid_until is not None and (valid_until.tzinfo is None or valid_until <= now):
            problems["valid_until"] = "naive_time" if valid_until.tzinfo is None else "in_past"
        how = _method(method, problems)
        meta = _channel(channel, problems)
        if problems or parsed is None:
            raise ConsentRefused(problems)
        digest = hashlib.sha256(notice.encode("utf-8")).hexdigest()
        record = ConsentRecord(
            record_id=new_record_id(),
            subject=subject,
            target=parsed.key,
            event=ConsentEvent.given,
            items=covered,
            policy_version=self._version(),
            notice_hash=digest,
            lang=lang,
            method=how,
            at=now,
            valid_until=valid_until,
            refers_to=None,
            channel=meta,
            rule17=rule17,
            recorded_by=actor,
        )
        with self._store.transaction() as cur:
            current = self._locked_state(cur, subject)
            cur.execute(self._sql["notice"], (digest, lang, notice, self._ts(now)))
            self._append(cur, current, [record], actor)
        return record

    def withdraw(
        self,
        subject: str,
        target: str | Target,
        *,
        actor: str,
        method: CollectionMethod | str = CollectionMethod.web,
        channel: Mapping[str, str] | None = None,
    ) -> ConsentRecord:
        """Record a withdrawal; as easy as giving. Without an earlier consent it stands as
        an objection (an opt-out), which a marketing purpose respects."""
        problems: dict[str, str] = {}
        parsed = _parse_target(target, problems)
        how = _method(method, problems)
        meta = _channel(channel, problems)
        if parsed is not None and parsed.kind is not TargetKind.purpose:
            policy = self._access().policy
            if parsed.id not in policy.recipients:
                problems["target"] = "recipient_unknown"
        if problems or parsed is None:
            raise ConsentRefused(problems)
        with self._store.transaction() as cur:
            current = self._locked_state(cur, subject)
            record = self._ending(
                subject, parsed.key, current, ConsentEvent.withdrawn, how, actor, meta
            )
            self._append(cur, current, [record], actor)
        return record

    def apply_gpc(
        self, subject: str, *, actor: str, channel: Mapping[str, str] | None = None
    ) -> list[ConsentRecord]:
        """A Global Privacy Control signal: withdraw consent for every purpose flagged
        ``marketing`` and every recipient of kind ``third_party`` not already withdrawn."""
        problems: dict[str, str] = {}
        meta = _channel(channel, problems)
        if problems:
            raise ConsentRefused(problems)
        policy = self._access().policy
        targets = [Target(TargetKind.purpose, p) for p, d in policy.purposes.items() if d.marketing]
        targets += [
            Target(TargetKind.recipient, r)
            for r, d in policy.recipients.items()
            if d.kind is RecipientKind.third_party
        ]
        records: list[ConsentRecord] = []
        with self._store.transaction() as cur:
            current = self._locked_state(cur, subject)
            for target in targets:
                entry = current.get(target.key)
                if entry is not None and entry[0] == ConsentEvent.withdrawn.value:
                    continue
                records.append(
                    self._ending(
                        subject,
                        target.key,
                        current,
                        ConsentEvent.withdrawn,
                        CollectionMethod.gpc,
                        actor,
                        meta,
                    )
                )
            self._append(cur, current, records, actor)
        return records

    def supersede(
        self, cur: Any, targets: Iterable[str], version: int, actor: str = "system"
    ) -> int:
        """In the caller's transaction (a publish): every consent given for ``targets``
        becomes ``superseded`` under ``version``. Returns how many."""
        count = 0
        now = self._clock.now()
        for target in sorted(set(targets)):
            pattern = f'%"{target}":["given"%'
            cur.execute(self._sql["like"], (pattern,))
            for subject, text in cur.fetchall():
                current = folded.loads(text)
                entry = current.get(target)
                if entry is None or entry[0] != ConsentEvent.given.value:
                    continue
                record = self._ending(
                    subject,
                    target,
                    current,
                    ConsentEvent.superseded,
                    CollectionMethod.system,
                    actor,
                    {},
                    at=now,
                    version=version,
                )
                self._append(cur, current, [record], actor)
                count += 1
        return count

    def expire_due(self, actor: str = "system") -> int:
        """Record ``expired`` for every consent whose validity has passed. Reads already
        treat such a consent as expired; this puts the event in the history."""
        now = self._clock.now()
        count = 0
        with self._store.transaction() as cur:
            cur.execute(self._sql["like"], ('%"given"%',))
            rows = cur.fetchall()
            for subject, text in rows:
                current = folded.loads(text)
                due = [
                    target
                    for target, entry in sorted(current.items())
                    if entry[0] == ConsentEvent.given.value
                    and entry[3] is not None
                    and dt.datetime.fromisoformat(entry[3]) <= now
                ]
                records = [
                    self._ending(
                        subject,
                        target,
                        current,
                        ConsentEvent.expired,
                        CollectionMethod.system,
                        actor,
                        {},
                        at=now,
                    )
                    for target in due
                ]
                self._append(cur, current, records, actor)
                count += len(records)
        return count

    def _ending(
        self,
        subject: str,
        target: str,
        current: Mapping[str, list[Any]],
        event: ConsentEvent,
        method: CollectionMethod,
        actor: str,
        channel: Mapping[str, str],
        *,
        at: dt.datetime | None = None,
        version: int | None = None,
    ) -> ConsentRecord:
        """A withdrawn, expired or superseded event for ``target``, pointing at the given
        record it ends (if any) and carrying its items."""
        entry = current.get(target)
        given = entry is not None and entry[0] == ConsentEvent.given.value
        return ConsentRecord(
            record_id=new_record_id(),
            subject=subject,
            target=target,
            event=event,
            items=tuple(entry[5]) if entry is not None else (),
            policy_version=version if version is not None else self._version(),
            notice_hash=None,
            lang=None,
            method=method,
            at=at or self._clock.now(),
            valid_until=None,
            refers_to=entry[1] if given and entry is not None else None,
            channel=channel,
            rule17=None,
            recorded_by=actor,
        )

    def _locked_state(self, cur: Any, subject: str) -> dict[str, list[Any]]:
        lock_subject(cur, self._dialect, subject)
        cur.execute(self._sql["current"], (subject,))
        row = cur.fetchone()
        return folded.loads(row[0] if row else None)

    def _append(
        self,
        cur: Any,
        current: dict[str, list[Any]],
        records: Sequence[ConsentRecord],
        actor: str,
    ) -> None:
        if not records:
            return
        rows = []
        events = []
        for record in records:
            folded.fold(current, record)
            rows.append(
                (
                    record.record_id,
                    record.subject,
                    record.target,
                    record.event.value,
                    json.dumps(list(record.items)),
                    record.policy_version,
                    record.notice_hash,
                    record.lang,
                    record.method.value,
                    self._ts(record.at),
                    self._ts(record.valid_until) if record.valid_until else None,
                    record.refers_to,
                    json.dumps(dict(record.channel), sort_keys=True),
                    json.dumps(dict(record.rule17), sort_keys=True) if record.rule17 else None,
                    record.recorded_by,
                )
            )
            kind, _, ident = record.target.partition(":")
            detail: dict[str, Any] = {
                "event": record.event.value,
                "target": record.target,
                "record": record.record_id,
                "method": record.method.value,
                "version": record.policy_version,
            }
            events.append(
                AuditEvent(
                    actor=actor,
                    action="consent",
                    subject=record.subject,
                    purpose=ident if kind == TargetKind.purpose.value else None,
                    items=record.items,
                    detail=detail,
                )
            )
        cur.executemany(self._sql["event"], rows)
        cur.execute(self._sql["upsert"], (records[0].subject, folded.dumps(current)))
        self._audit.append_cursor(cur, self._dialect, events, entries=False)

    def _ts(self, at: dt.datetime) -> object:
        utc = at.astimezone(dt.UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self._dialect == "sqlite" else utc

    # reading -----------------------------------------------------------------------------

    def state(self, subject: str) -> ConsentView:
        """The current choice per target, a read-only mapping (a given consent past its
        validity is expired). An unknown subject has no choices."""
        row = self._store.read_one(self._sql["current"], (subject,))
        return ConsentView.from_text(row[0] if row else None, self._clock.now())

    def history(self, subject: str) -> list[ConsentRecord]:
        """Every consent event of ``subject``, oldest first."""
        with self._store.transaction(write=False) as cur:
            cur.execute(self._sql["history"], (subject,))
            return [self._record(row) for row in cur.fetchall()]

    def record(self, record_id: str) -> ConsentRecord:
        with self._store.transaction(write=False) as cur:
            cur.execute(self._sql["record"], (record_id,))
            row = cur.fetchone()
        if row is None:
            raise NotFound(f"no consent record '{record_id}'")
        return self._record(row)

    def notice_text(self, notice_hash: str) -> str | None:
        with self._store.transaction(write=False) as cur:
            cur.execute(self._sql["notice_text"], (notice_hash,))
            row = cur.fetchone()
        return None if row is None else str(row[0])

    def pending(self) -> list[PendingConsent]:
        """Subjects to ask again: their consent was superseded by a policy change and has
        not been given since."""
        out: list[PendingConsent] = []
        with self._store.transaction(write=False) as cur:
            cur.execute(self._sql["like"], ('%"superseded"%',))
            rows = cur.fetchall()
        for subject, text in rows:
            for target, entry in sorted(folded.loads(text).items()):
                if entry[0] == ConsentEvent.superseded.value:
                    at = dt.datetime.fromisoformat(entry[2])
                    out.append(PendingConsent(subject, target, at, entry[4]))
        return sorted(out, key=lambda p: (p.target, p.subject))

    def _record(self, row: Sequence[Any]) -> ConsentRecord:
        (rid, subject, target, event, items, version, notice, lang, method, at, until,
         refers, channel, rule17, by) = row  # fmt: skip
        return ConsentRecord(
            record_id=rid,
            subject=subject,
            target=target,
            event=ConsentEvent(event),
            items=tuple(json.loads(items)),
            policy_version=version,
            notice_hash=notice,
            lang=lang,
            method=CollectionMethod(method),
            at=read_time(at),
            valid_until=read_time(until) if until is not None else None,
            refers_to=refers,
            channel=json.loads(channel),
            rule17=json.loads(rule17) if rule17 else None,
            recorded_by=by,
        )


# checks ----------------------------------------------------------------------------------


def _parse_target(target: str | Target, problems: dict[str, str]) -> Target | None:
    if isinstance(target, Target):
        return target
    try:
        return Target.parse(target)
    except ValueError:
        problems["target"] = "target_invalid"
        return None


def _method(method: CollectionMethod | str, problems: dict[str, str]) -> CollectionMethod:
    try:
        return CollectionMethod(method)
    except ValueError:
        problems["method"] = "method_unknown"
        return CollectionMethod.api


def _channel(channel: Mapping[str, str] | None, problems: dict[str, str]) -> dict[str, str]:
    """Channel metadata kept: the user agent (shortened) and the IP address made coarse."""
    out: dict[str, str] = {}
    for key, value in (channel or {}).items():
        if not isinstance(value, str):
            problems[f"channel.{key}"] = "not_text"
        elif key == "user_agent":
            out[key] = "".join(c for c in value if c.isprintable())[:_AGENT_MAX]
        elif key == "ip":
            try:
                out["ip"] = anonymise_ip(value)
            except ValueError:
                problems["channel.ip"] = "ip_invalid"
        else:
            problems[f"channel.{key}"] = "field_unknown"
    return out


def _items_for(
    policy: Policy, target: Target, items: Sequence[str] | None, problems: dict[str, str]
) -> tuple[str, ...]:
    """The items a consent covers: those asked for, or all the target covers."""
    wanted = tuple(dict.fromkeys(items)) if items is not None else None
    if wanted is not None:
        unknown = [i for i in wanted if i not in policy.items]
        if unknown:
            problems["items"] = "item_unknown"
            return ()
    if target.kind is TargetKind.purpose:
        purpose = policy.purposes.get(target.id)
        if purpose is None:  # a specific use beyond the declared purposes (Art. 18(1))
            if not wanted:
                problems["items"] = "items_required"
            return wanted or ()
        allowed: tuple[str, ...] = purpose.items
    else:
        recipient = policy.recipients.get(target.id)
        if recipient is None:
            problems["target"] = "recipient_unknown"
            return ()
        if target.kind is TargetKind.recipient:
            if not _needs_consent(recipient):
                problems["target"] = "consent_not_needed"
            allowed = recipient.items
        else:
            allowed = tuple(i for i in recipient.items if policy.items[i].personally_referable)
            if not allowed:
                problems["target"] = "no_referable_items"
    if wanted is None:
        return allowed
    if any(i not in allowed for i in wanted):
        problems["items"] = "item_not_covered"
    return wanted


def _needs_consent(recipient: Recipient) -> bool:
    """Third parties need consent (Art. 27(1)); outsourcees and joint users only abroad
    without equivalent measures (Art. 28(1))."""
    return recipient.kind is RecipientKind.third_party or recipient.needs_art28_consent


def _rule17_for(
    policy: Policy,
    target: Target,
    shown: Mapping[str, str] | None,
    problems: dict[str, str],
) -> dict[str, str] | None:
    """The Rule 17 information the person was shown, required for a foreign recipient
    outside the equivalent countries (Art. 28(2), Art. 31(1)(ii))."""
    if target.kind is TargetKind.purpose:
        return None
    recipient = policy.recipients.get(target.id)
    if recipient is None or not recipient.needs_art28_consent:
        return dict(shown) if shown else None
    if not shown:
        problems["rule17"] = "rule17_missing"
        return None
    out: dict[str, str] = {}
    for key in _RULE17_FIELDS:
        value = shown.get(key)
        if not isinstance(value, str) or not value.strip():
            problems[f"rule17.{key}"] = "missing"
        else:
            out[key] = value.strip()[:4000]
    extra = set(shown) - set(_RULE17_FIELDS)
    if extra:
        problems["rule17"] = "field_unknown"
    if out.get("country") and out["country"].upper() != recipient.country:
        problems["rule17.country"] = "country_mismatch"
    return out


def rule17_shown(recipient: Recipient, lang: str) -> dict[str, str] | None:
    """The Rule 17 information the policy declares for ``recipient``, in ``lang``, as a
    consent screen shows it (None when the policy has none)."""
    if recipient.rule17 is None:
        return None
    info = recipient.rule17
    english = lang == "en"
    return {
        "country": recipient.country,
        "system": (info.country_system.en if english else None) or info.country_system.ja,
        "measures": (info.recipient_measures.en if english else None) or info.recipient_measures.ja,
    }

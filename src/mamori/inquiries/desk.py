"""``InquiryDesk``: questions and complaints (policy §8, Art. 40) from receipt to closing.

Each step is one transaction with its audit entry (``inquiry_open``, ``inquiry_assign``,
``inquiry_reply``, ``inquiry_status``, ``inquiry_close``, ``inquiry_read``), which names
the ticket, its kind and channel, never a text or the contact address. The title, body,
contact address, replies and closing summary are sealed (see :mod:`.sealing`). A reply to
a ticket with a contact address is mailed first and recorded after: a failed delivery
records nothing of the reply (the notifier audits the failure).
"""

from __future__ import annotations

import builtins
import datetime as dt
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from mamori.audit import AuditEvent, AuditLog, register_action
from mamori.clock import Clock
from mamori.errors import Conflict, NotFound
from mamori.inquiries.errors import InquiryRefused
from mamori.inquiries.model import (
    ASSIGNEE_MAX,
    BODY_MAX,
    REPLY_DAYS_MAX,
    REPLY_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Inquiry,
    InquiryChannel,
    InquiryDetail,
    InquiryKind,
    InquiryStatus,
    Reply,
    new_reference,
    normal_reference,
)
from mamori.inquiries.sealing import SUBJECT_MISSING, SealedWith, Sealing, aad
from mamori.keys import DataKey, Keyring
from mamori.notify import Notifier
from mamori.policy.model import Normaliser, Policy
from mamori.store import Store, read_date, read_time
from mamori.vault.normalise import InvalidValue, normalise

__all__ = ["ACTIONS", "InquiryDesk"]

ACTIONS = (
    "inquiry_open",
    "inquiry_assign",
    "inquiry_reply",
    "inquiry_status",
    "inquiry_close",
    "inquiry_read",
)
for _action in ACTIONS:
    register_action(_action)

TEMPLATE = "inquiry_reply"
LANGS = ("ja", "en")
_KINDS = ", ".join(k.value for k in InquiryKind)
_CHANNELS = ", ".join(c.value for c in InquiryChannel)
_STATUSES = ", ".join(s.value for s in InquiryStatus)
_MOVABLE = frozenset({InquiryStatus.open, InquiryStatus.answered, InquiryStatus.waiting_on_person})
_AFTER_REPLY = frozenset({InquiryStatus.answered, InquiryStatus.waiting_on_person})
_COLUMNS = (
    "i.id, i.kind, i.channel, i.status, i.subject_id, i.lang, i.assignee, i.received_at, "
    "i.reply_days, i.due_on, i.first_reply_at, i.replies, i.contact, i.closed_at, "
    "i.sealed_with, k.id"
)
_E = TypeVar("_E", InquiryKind, InquiryChannel, InquiryStatus)
# k: the linked subject while its data key exists (not erased)
_FROM = "FROM inquiries i LEFT JOIN subjects k ON k.id = i.subject_id AND k.wrapped IS NOT NULL"


class InquiryDesk:
    """Tickets of questions and complaints, their replies and their dates."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        clock: Clock,
        keys: Keyring,
        *,
        zone: dt.tzinfo,
        reply_days: int,
        lang: str,
        notifier: Callable[[], Notifier],
        policy: Callable[[], Policy],
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self._sealing = Sealing(store, keys)
        self._zone = zone
        self._reply_days = reply_days
        self._lang = lang
        self._notifier = notifier
        self._policy = policy

    def today(self) -> dt.date:
        return self._clock.now().astimezone(self._zone).date()

    # receiving ---------------------------------------------------------------------------

    def open(
        self,
        kind: InquiryKind | str,
        *,
        title: str,
        body: str,
        actor: str,
        channel: InquiryChannel | str = InquiryChannel.web,
        subject: str | None = None,
        contact: str | None = None,
        lang: str | None = None,
        assignee: str | None = None,
        reply_days: int | None = None,
        received_at: dt.datetime | None = None,
    ) -> Inquiry:
        """Receive a question or complaint. ``subject`` links a person of the vault (their
        texts are then sealed under their data key); ``contact`` is the email address a
        reply goes to. The reply is due ``reply_days`` (default: the setting
        ``inquiry_reply_days``) after the day received, in the configured time zone."""
        problems: dict[str, str] = {}
        hints: dict[str, str] = {}
        what = _enum(InquiryKind, kind, "kind", _KINDS, problems, hints)
        how = _enum(InquiryChannel, channel, "channel", _CHANNELS, problems, hints)
        clean_title = _text(title, "title", TITLE_MAX, problems, hints, one_line=True)
        clean_body = _text(body, "body", BODY_MAX, problems, hints)
        address = None
        if contact is not None and contact.strip():
            try:
                address = normalise(Normaliser.email, contact)
            except InvalidValue as exc:
                problems["contact"] = exc.reason
                hints["contact"] = "an email address"
        language = self._lang if lang is None else lang
        if language not in LANGS:
            problems["lang"] = "lang_unknown"
            hints["lang"] = "ja or en"
        who = _assignee(assignee, problems, hints)
        days = self._reply_days if reply_days is None else reply_days
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= REPLY_DAYS_MAX:
            problems["reply_days"] = "out_of_range"
            hints["reply_days"] = f"1 to {REPLY_DAYS_MAX}"
        now = self._clock.now()
        received = now if received_at is None else received_at
        if received.tzinfo is None:
            problems["received_at"] = "no_time_zone"
        elif received > now:
            problems["received_at"] = "in_the_future"
        service = self._sealing.service()  # before the write lock: may make the key
        key: DataKey = service
        sealed_with = SealedWith.service
        if subject is not None:
            with self._store.transaction(write=False) as cur:
                found = self._sealing.subject_key(cur, subject)
            if isinstance(found, DataKey):
                key, sealed_with = found, SealedWith.subject
            else:
                problems["subject"] = (
                    "subject_unknown" if found == SUBJECT_MISSING else "subject_erased"
                )
        if problems:
            raise InquiryRefused(problems, hints)
        assert what is not None and how is not None
        day = received.astimezone(self._zone).date()
        due = day + dt.timedelta(days=days)
        rid = new_reference(day.year)
        sealed_contact = key.encrypt(address.encode(), aad(rid, "contact")) if address else None
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql(
                    "INSERT INTO inquiries (id, kind, channel, status, subject_id, lang, "
                    "assignee, received_at, reply_days, due_on, first_reply_at, replies, "
                    "sealed_with, title, body, contact, summary, summary_sealed_with, "
                    "closed_at, closed_by, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, ?, ?, NULL, NULL, "
                    "NULL, NULL, ?)"
                ),
                (
                    rid, what.value, how.value, InquiryStatus.open.value, subject, language,
                    who, self._store.timestamp(received), days, self._store.date_param(due),
                    sealed_with.value,
                    key.encrypt(clean_title.encode(), aad(rid, "title")),
                    key.encrypt(clean_body.encode(), aad(rid, "body")),
                    sealed_contact, self._store.timestamp(now),
                ),
            )  # fmt: skip
            detail = {
                "status": InquiryStatus.open.value,
                "lang": language,
                "due_on": due.isoformat(),
                "contact": address is not None,
            }
            self._event(cur, actor, "inquiry_open", rid, what, how, subject, detail)
        return self.lookup(rid)

    # working on a ticket -------------------------------------------------------------------

    def assign(self, inquiry_id: str, assignee: str | None, *, actor: str) -> Inquiry:
        """Give the ticket to a member of staff (an actor string); None takes it back."""
        problems: dict[str, str] = {}
        hints: dict[str, str] = {}
        who = _assignee(assignee, problems, hints)
        if problems:
            raise InquiryRefused(problems, hints, action="assigned")
        with self._store.transaction() as cur:
            ticket = self._locked(cur, inquiry_id)
            _require_open(ticket, "assigned")
            self._update(cur, ticket.id, assignee=who)
            self._event(cur, actor, "inquiry_assign", ticket.id, ticket.kind, ticket.channel,
                        ticket.subject, {"assignee": who})  # fmt: skip
        return self.lookup(inquiry_id)

    def set_status(self, inquiry_id: str, status: InquiryStatus | str, *, actor: str) -> Inquiry:
        """Move an open ticket between ``open``, ``answered`` and ``waiting_on_person``
        (closing is :meth:`close`, which takes a summary)."""
        problems: dict[str, str] = {}
        hints: dict[str, str] = {}
        target = _enum(InquiryStatus, status, "status", _STATUSES, problems, hints)
        if target is InquiryStatus.closed:
            problems["status"] = "use_close"
            hints["status"] = "close a ticket with its summary (close)"
        if problems:
            raise InquiryRefused(problems, hints, action="changed")
        assert target is not None
        with self._store.transaction() as cur:
            ticket = self._locked(cur, inquiry_id)
            _require_open(ticket, "changed")
            if ticket.status is not target:
                self._update(cur, ticket.id, status=target.value)
                detail = {"from": ticket.status.value, "to": target.value}
                self._event(cur, actor, "inquiry_status", ticket.id, ticket.kind,
                            ticket.channel, ticket.subject, detail)  # fmt: skip
        return self.lookup(inquiry_id)

    def reply(
        self,
        inquiry_id: str,
        text: str,
        *,
        actor: str,
        send: bool = True,
        status: InquiryStatus | str = InquiryStatus.answered,
    ) -> Reply:
        """Record a reply to the person and, with ``send`` and a contact address, mail it
        to them first (template ``inquiry_reply`` in the ticket's language). The ticket
        moves to ``status`` (``answered``, or ``waiting_on_person`` when the reply asks
        them something)."""
        problems: dict[str, str] = {}
        hints: dict[str, str] = {}
        clean = _text(text, "text", REPLY_MAX, problems, hints)
        target = _enum(InquiryStatus, status, "status", _STATUSES, problems, hints)
        if target is not None and target not in _AFTER_REPLY:
            problems["status"] = "not_after_reply"
            hints["status"] = "answered or waiting_on_person"
        if problems:
            raise InquiryRefused(problems, hints, action="replied to")
        assert target is not None
        self._sealing.service()
        with self._store.transaction(write=False) as cur:
            ticket = self._one(cur, inquiry_id)
            _require_open(ticket, "replied to")
            key, sealed_contact = self._key_and_contact(cur, ticket)
        if key is None:
            raise Conflict(
                f"inquiry {ticket.id}: its subject was erased and its texts shredded; "
                "a reply cannot be recorded (close it)"
            )
        address = None
        if send and sealed_contact is not None:
            address = key.decrypt(sealed_contact, aad(ticket.id, "contact")).decode()
        delivery = None
        if address is not None:
            delivery = (
                self._notifier()
                .send(
                    to=address,
                    template=TEMPLATE,
                    lang=ticket.lang,
                    context={
                        "controller": self._controller(ticket.lang),
                        "reference": ticket.id,
                        "reply": clean,
                    },
                    actor=actor,
                    subject_id=ticket.subject,
                )
                .delivery_id
            )
        now = self._clock.now()
        with self._store.transaction() as cur:
            ticket = self._locked(cur, ticket.id)
            _require_open(ticket, "replied to")
            number = ticket.replies + 1
            sealed = key.encrypt(clean.encode(), aad(ticket.id, f"reply:{number}"))
            cur.execute(
                self._store.sql(
                    "INSERT INTO inquiry_replies (inquiry_id, number, author, at, text, sent, "
                    "delivery) VALUES (?, ?, ?, ?, ?, ?, ?)"
                ),
                (ticket.id, number, actor[:ASSIGNEE_MAX], self._store.timestamp(now), sealed,
                 delivery is not None, delivery),
            )  # fmt: skip
            changes: dict[str, Any] = {"replies": number, "status": target.value}
            if ticket.first_reply_at is None:
                changes["first_reply_at"] = self._store.timestamp(now)
            self._update(cur, ticket.id, **changes)
            detail = {
                "reply": number,
                "sent": delivery is not None,
                "from": ticket.status.value,
                "to": target.value,
            }
            self._event(cur, actor, "inquiry_reply", ticket.id, ticket.kind, ticket.channel,
                        ticket.subject, detail)  # fmt: skip
        return Reply(number, actor[:ASSIGNEE_MAX], now, clean, delivery is not None, delivery)

    def close(self, inquiry_id: str, summary: str, *, actor: str) -> Inquiry:
        """Close the ticket with a summary of how it ended. The summary is sealed like the
        other texts; on a ticket whose subject was erased, under mamori's sealing key."""
        problems: dict[str, str] = {}
        hints: dict[str, str] = {}
        clean = _text(summary, "summary", SUMMARY_MAX, problems, hints)
        if problems:
            raise InquiryRefused(problems, hints, action="closed")
        service = self._sealing.service()
        now = self._clock.now()
        with self._store.transaction() as cur:
            ticket = self._locked(cur, inquiry_id)
            _require_open(ticket, "closed")
            key = self._sealing.key(cur, _sealed_with(ticket), ticket.subject)
            sealed_with = _sealed_with(ticket) if key is not None else SealedWith.service
            sealed = (key or service).encrypt(clean.encode(), aad(ticket.id, "summary"))
            self._update(
                cur,
                ticket.id,
                status=InquiryStatus.closed.value,
                summary=sealed,
                summary_sealed_with=sealed_with.value,
                closed_at=self._store.timestamp(now),
                closed_by=actor[:ASSIGNEE_MAX],
            )
            detail = {
                "from": ticket.status.value,
                "replies": ticket.replies,
                "on_time": self._on_time(ticket),
            }
            self._event(cur, actor, "inquiry_close", ticket.id, ticket.kind, ticket.channel,
                        ticket.subject, detail)  # fmt: skip
        return self.lookup(inquiry_id)

    # reading -------------------------------------------------------------------------------

    def lookup(self, inquiry_id: str) -> Inquiry:
        """A ticket without its texts (not a read of personal data: not audited)."""
        with self._store.transaction(write=False) as cur:
            return self._one(cur, inquiry_id)

    def get(self, inquiry_id: str, *, actor: str) -> InquiryDetail:
        """A ticket with its texts opened; the read is audited (``inquiry_read``). Texts of
        a ticket whose subject was erased are None."""
        self._sealing.service()
        with self._store.transaction() as cur:
            ticket = self._one(cur, inquiry_id)
            cur.execute(
                self._store.sql(
                    "SELECT title, body, contact, summary, summary_sealed_with, closed_by "
                    "FROM inquiries WHERE id = ?"
                ),
                (ticket.id,),
            )
            title, body, contact, summary, summary_with, closed_by = cur.fetchone()
            cur.execute(
                self._store.sql(
                    "SELECT number, author, at, text, sent, delivery FROM inquiry_replies "
                    "WHERE inquiry_id = ? ORDER BY number"
                ),
                (ticket.id,),
            )
            replies = cur.fetchall()
            key = self._sealing.key(cur, _sealed_with(ticket), ticket.subject)
            summary_key = key
            if summary_with is not None and SealedWith(summary_with) is SealedWith.service:
                summary_key = self._sealing.service()
            detail = {"replies": len(replies), "shredded": key is None}
            self._event(cur, actor, "inquiry_read", ticket.id, ticket.kind, ticket.channel,
                        ticket.subject, detail)  # fmt: skip

        def opened(k: DataKey | None, sealed: Any, part: str) -> str | None:
            if k is None or sealed is None:
                return None
            return k.decrypt(bytes(sealed), aad(ticket.id, part)).decode()

        return InquiryDetail(
            inquiry=ticket,
            title=opened(key, title, "title"),
            body=opened(key, body, "body"),
            contact=opened(key, contact, "contact"),
            replies=tuple(
                Reply(
                    int(n),
                    author,
                    read_time(at),
                    opened(key, text, f"reply:{int(n)}"),
                    bool(sent),
                    delivery,
                )
                for n, author, at, text, sent, delivery in replies
            ),
            summary=opened(summary_key, summary, "summary"),
            closed_by=closed_by,
        )

    def list(
        self,
        *,
        status: InquiryStatus | str | None = None,
        kind: InquiryKind | str | None = None,
        assignee: str | None = None,
        subject: str | None = None,
        overdue: bool = False,
        today: dt.date | None = None,
    ) -> builtins.list[Inquiry]:
        """Tickets, the soonest due first; ``overdue``: open, unanswered and past their
        date as of ``today`` (default: today in the configured zone)."""
        problems: dict[str, str] = {}
        hints: dict[str, str] = {}
        clauses: builtins.list[str] = []
        params: builtins.list[Any] = []
        if status is not None:
            state = _enum(InquiryStatus, status, "status", _STATUSES, problems, hints)
            clauses.append("i.status = ?")
            params.append(state.value if state else None)
        if kind is not None:
            what = _enum(InquiryKind, kind, "kind", _KINDS, problems, hints)
            clauses.append("i.kind = ?")
            params.append(what.value if what else None)
        if problems:
            raise InquiryRefused(problems, hints, action="listed")
        if assignee is not None:
            clauses.append("i.assignee = ?")
            params.append(assignee)
        if subject is not None:
            clauses.append("i.subject_id = ?")
            params.append(subject)
        if overdue:
            clauses.append("i.status <> ? AND i.first_reply_at IS NULL AND i.due_on < ?")
            params.append(InquiryStatus.closed.value)
            params.append(self._store.date_param(today or self.today()))
        return self._select(" AND ".join(clauses) or "1 = 1", tuple(params))

    def overdue(self, today: dt.date | None = None) -> builtins.list[Inquiry]:
        """Open tickets without a reply past their date, as of ``today``."""
        return self.list(overdue=True, today=today)

    def summary(
        self, since: dt.date, until: dt.date, *, today: dt.date | None = None
    ) -> dict[str, Any]:
        """Counts over the tickets received in a period: by kind, channel and status; first
        replies on time (on or before the due date) and late; those still without a reply;
        those overdue as of ``today``; and the median days from receipt to first reply.

        Dates name the days ``since`` to ``until``, both included, in the configured zone;
        aware datetimes (a report's period instants) bound it as ``since <= t < until``.
        """
        start = self._instant(since, "since", 0)
        end = self._instant(until, "until", 1)
        if end <= start:
            raise InquiryRefused(
                {"until": "before_since"}, {"until": f"after {since}"}, action="summarised"
            )
        day = today or self.today()
        rows = self._select(
            "i.received_at >= ? AND i.received_at < ?",
            (self._store.timestamp(start), self._store.timestamp(end)),
        )
        return _summary(rows, since, until, day, self._zone)

    def _instant(self, day: dt.date, field: str, after: int) -> dt.datetime:
        """Midnight starting ``day`` (+ ``after`` days) in the zone; an aware datetime as is."""
        if isinstance(day, dt.datetime):
            if day.tzinfo is None:
                raise InquiryRefused(
                    {field: "no_time_zone"}, {field: "a date or an aware time"}, action="summarised"
                )
            return day
        return dt.datetime.combine(day + dt.timedelta(days=after), dt.time(), self._zone)

    # helpers -------------------------------------------------------------------------------

    def _controller(self, lang: str) -> str:
        name = self._policy().controller.name
        return name.ja if lang == "ja" else (name.en or name.ja)

    def _on_time(self, ticket: Inquiry) -> bool | None:
        if ticket.first_reply_at is None:
            return None
        return ticket.first_reply_at.astimezone(self._zone).date() <= ticket.due_on

    def _key_and_contact(self, cur: Any, ticket: Inquiry) -> tuple[DataKey | None, bytes | None]:
        key = self._sealing.key(cur, _sealed_with(ticket), ticket.subject)
        cur.execute(self._store.sql("SELECT contact FROM inquiries WHERE id = ?"), (ticket.id,))
        row = cur.fetchone()
        return key, (bytes(row[0]) if row and row[0] is not None else None)

    def _locked(self, cur: Any, inquiry_id: str) -> Inquiry:
        """The ticket, its row locked for the rest of the transaction (PostgreSQL, MariaDB;
        SQLite already holds the write lock)."""
        if self._store.dialect != "sqlite":
            cur.execute(
                self._store.sql("SELECT id FROM inquiries WHERE id = ? FOR UPDATE"),
                (normal_reference(inquiry_id),),
            )
        return self._one(cur, inquiry_id)

    def _one(self, cur: Any, inquiry_id: str) -> Inquiry:
        ref = normal_reference(inquiry_id) if isinstance(inquiry_id, str) else ""
        cur.execute(self._store.sql(f"SELECT {_COLUMNS} {_FROM} WHERE i.id = ?"), (ref,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"no inquiry '{ref[:40]}'")
        return _inquiry(row)

    def _select(self, where: str, params: tuple[Any, ...]) -> builtins.list[Inquiry]:
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(f"SELECT {_COLUMNS} {_FROM} WHERE {where} ORDER BY i.due_on, i.id"),
                params,
            )
            return [_inquiry(r) for r in cur.fetchall()]

    def _update(self, cur: Any, inquiry_id: str, **values: Any) -> None:
        values["updated_at"] = self._store.timestamp(self._clock.now())
        parts = ", ".join(f"{name} = ?" for name in values)
        cur.execute(
            self._store.sql(f"UPDATE inquiries SET {parts} WHERE id = ?"),
            (*values.values(), inquiry_id),
        )

    def _event(
        self,
        cur: Any,
        actor: str,
        action: str,
        inquiry_id: str,
        kind: InquiryKind,
        channel: InquiryChannel,
        subject: str | None,
        extra: Mapping[str, Any],
    ) -> None:
        detail = {"inquiry": inquiry_id, "kind": kind.value, "channel": channel.value, **extra}
        event = AuditEvent(actor=actor, action=action, subject=subject, detail=detail)
        self._audit.append_cursor(cur, self._store.dialect, [event], entries=False)


def _inquiry(row: Sequence[Any]) -> Inquiry:
    (rid, kind, channel, status, subject, lang, assignee, received, days, due, first, replies,
     contact, closed, sealed_with, key_holder) = row  # fmt: skip
    shredded = SealedWith(sealed_with) is SealedWith.subject and key_holder is None
    return Inquiry(
        id=rid,
        kind=InquiryKind(kind),
        channel=InquiryChannel(channel),
        status=InquiryStatus(status),
        subject=subject,
        lang=lang,
        assignee=assignee,
        received_at=read_time(received),
        reply_days=int(days),
        due_on=read_date(due),
        first_reply_at=read_time(first) if first is not None else None,
        replies=int(replies),
        has_contact=contact is not None and not shredded,
        closed_at=read_time(closed) if closed is not None else None,
        shredded=shredded,
    )


def _sealed_with(ticket: Inquiry) -> SealedWith:
    return SealedWith.subject if ticket.subject is not None else SealedWith.service


def _require_open(ticket: Inquiry, action: str) -> None:
    if ticket.status is InquiryStatus.closed:
        raise Conflict(f"inquiry {ticket.id} is closed: it cannot be {action}")


def _enum(
    cls: type[_E],
    value: str,
    field: str,
    allowed: str,
    problems: dict[str, str],
    hints: dict[str, str],
) -> _E | None:
    try:
        return cls(value)
    except ValueError:
        problems[field] = f"{field}_unknown"
        hints[field] = f"one of {allowed}"
        return None


def _text(
    value: object,
    field: str,
    limit: int,
    problems: dict[str, str],
    hints: dict[str, str],
    *,
    one_line: bool = False,
) -> str:
    if not isinstance(value, str) or not value.strip():
        problems[field] = "empty"
        return ""
    clean = value.strip()
    if len(clean) > limit:
        problems[field] = "too_long"
        hints[field] = f"at most {limit} characters, got {len(clean)}"
    elif one_line and ("\n" in clean or "\r" in clean):
        problems[field] = "not_one_line"
    elif "\x00" in clean:
        problems[field] = "nul_character"
    return clean


def _assignee(value: str | None, problems: dict[str, str], hints: dict[str, str]) -> str | None:
    if value is None:
        return None
    clean = value.strip()
    if not clean:
        problems["assignee"] = "empty"
    elif len(clean) > ASSIGNEE_MAX or any(c.isspace() and c != " " for c in clean):
        problems["assignee"] = "invalid"
        hints["assignee"] = f"one line of at most {ASSIGNEE_MAX} characters"
    return clean or None


def _summary(
    rows: Sequence[Inquiry], since: dt.date, until: dt.date, today: dt.date, zone: dt.tzinfo
) -> dict[str, Any]:
    by_kind = dict.fromkeys((k.value for k in InquiryKind), 0)
    by_channel = dict.fromkeys((c.value for c in InquiryChannel), 0)
    by_status = dict.fromkeys((s.value for s in InquiryStatus), 0)
    on_time = late = 0
    days: list[float] = []
    for ticket in rows:
        by_kind[ticket.kind.value] += 1
        by_channel[ticket.channel.value] += 1
        by_status[ticket.status.value] += 1
        if ticket.first_reply_at is not None:
            if ticket.first_reply_at.astimezone(zone).date() <= ticket.due_on:
                on_time += 1
            else:
                late += 1
            days.append((ticket.first_reply_at - ticket.received_at).total_seconds() / 86400)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "as_of": today.isoformat(),
        "received": len(rows),
        "by_kind": by_kind,
        "by_channel": by_channel,
        "by_status": by_status,
        "answered_on_time": on_time,
        "answered_late": late,
        "unanswered": len(rows) - on_time - late,
        "overdue_now": sum(1 for t in rows if t.is_overdue(today)),
        "median_days_to_first_reply": round(statistics.median(days), 2) if days else None,
    }

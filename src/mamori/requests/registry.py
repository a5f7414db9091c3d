"""``RequestDesk``: receive the person's requests, verify who asks, track each to its date.

Every transition is one transaction with its event row and audit entry. What a request
asks (values to correct, a scope) is personal data: it is kept sealed with mamori's
sealing key, bound to the request id. The address a requester gives is kept only as its
blind-index digest. Verification codes go to the contact already registered for the
subject, never to an address the requester supplies; they are kept as an HMAC, expire
after 15 minutes and allow 5 attempts, after which the request waits for staff.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mamori.access import Actor
from mamori.audit import AuditEvent, AuditLog
from mamori.clock import Clock
from mamori.errors import Conflict, ConsentRefused, NotFound
from mamori.ids import random_id
from mamori.keys import Keyring
from mamori.notify import Notifier
from mamori.policy.model import Normaliser, Policy, RequestKind, VerificationMethod
from mamori.requests.model import (
    OPEN,
    TRANSITIONS,
    Channel,
    RejectCode,
    Request,
    RequestEvent,
    RequestState,
    Submitted,
)
from mamori.store import Store, read_date, read_time
from mamori.suspension import SuspensionReason
from mamori.vault import Vault
from mamori.vault.normalise import InvalidValue, normalise

__all__ = ["CODE_ATTEMPTS", "CODE_MINUTES", "RequestDesk", "RequestRefused"]

CODE_MINUTES = 15
CODE_ATTEMPTS = 5
_REASON_MAX = 2000

_COLUMNS = (
    "id, kind, state, subject_id, channel, by_agent, received_at, due_on, verification, "
    "reject_code, reject_reason, result, error, closed_at, idempotency_key, fee"
)


class RequestRefused(ConsentRefused):
    """A request was not accepted as given; ``problems`` names each field."""

    code = "request_refused"


#: States of a request verified before: a code lets the person back in without changing it.
_RETURNING = frozenset(
    {RequestState.verified, RequestState.in_progress, RequestState.completed, RequestState.rejected}
)


def new_request_id() -> str:
    return random_id("rq_")


class RequestDesk:
    """The person's requests, from receipt to completion."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        clock: Clock,
        keys: Keyring,
        vault: Vault,
        policy: Callable[[], Policy],
        notifier: Callable[[], Notifier],
        today: Callable[[], dt.date],
        lang: str = "ja",
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self._keys = keys
        self._vault = vault
        self._policy = policy
        self._notifier = notifier
        self._today = today
        self._lang = lang
        self._mark = "?" if store.dialect == "sqlite" else "%s"

    # receiving ---------------------------------------------------------------------------

    def submit(
        self,
        kind: RequestKind | str,
        *,
        actor: str,
        subject: str | None = None,
        contact: tuple[str, str] | None = None,
        channel: Channel | str = Channel.web,
        by_agent: bool = False,
        details: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Submitted:
        """Receive a request. The person is named by ``subject`` (staff who know them) or
        by ``contact`` = (item, value), e.g. ("email", "a@example.jp"), looked up by blind
        index; an unknown contact still gives a request (that can never be verified), so
        the answer does not reveal whether the address is registered.

        The same ``idempotency_key`` returns the first request; an open request of the
        same kind for the same subject is returned instead of a new one.
        """
        policy = self._policy()
        problems: dict[str, str] = {}
        try:
            what = RequestKind(kind)
        except ValueError:
            raise RequestRefused({"kind": "kind_unknown"}) from None
        offered = {o.kind: o for o in policy.requests.kinds}
        if what not in offered:
            problems["kind"] = "not_offered"
        try:
            how = Channel(channel)
        except ValueError:
            problems["channel"] = "channel_unknown"
            how = Channel.web
        if by_agent and not policy.requests.agents_accepted:
            problems["by_agent"] = "agents_not_accepted"
        if idempotency_key is not None and not 0 < len(idempotency_key) <= 200:
            problems["idempotency_key"] = "length"
        payload = _check_details(policy, what, details or {}, problems)
        digest: bytes | None = None
        contact_item: str | None = None
        if subject is None and contact is None:
            problems["subject"] = "subject_or_contact_required"
        elif subject is not None and not self._vault.exists(subject):
            problems["subject"] = "subject_unknown"
        elif subject is None and contact is not None:
            contact_item, value = contact
            item = policy.items.get(contact_item)
            if item is None or item.normaliser not in (Normaliser.email, Normaliser.phone):
                problems["contact"] = "contact_item_unusable"
            else:
                try:
                    normal = normalise(item.normaliser, value)
                except InvalidValue as exc:
                    problems["contact"] = exc.reason
                else:
                    digest = self._keys.blind_index().digest(contact_item, normal)
                    found = self._vault.find(contact_item, normal)
                    subject = found[0] if len(found) == 1 else None
        if problems:
            raise RequestRefused(problems)
        if idempotency_key is not None:
            existing = self._one("idempotency_key = ?", (idempotency_key,))
            if existing is not None:
                return Submitted(existing, duplicate=True)
        if subject is not None:
            marks = ", ".join([self._mark] * len(OPEN))
            rows = self._select(
                f"subject_id = ? AND kind = ? AND state IN ({marks})",
                (subject, what.value, *sorted(s.value for s in OPEN)),
            )
            if rows:
                return Submitted(rows[0], duplicate=True)
        now = self._clock.now()
        rid = new_request_id()
        due = self._today() + dt.timedelta(days=policy.requests.target_days)
        sealed = self._seal(rid, payload) if payload else None
        charge = offered[what].fee
        fee = charge.amount if charge is not None else None
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql(
                    "INSERT INTO requests (id, kind, state, subject_id, channel, by_agent, "
                    "contact_item, contact_digest, idempotency_key, payload, received_at, "
                    "due_on, fee) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                (
                    rid, what.value, RequestState.received.value, subject, how.value,
                    by_agent, contact_item, digest, idempotency_key, sealed,
                    self._store.timestamp(now), self._store.date_param(due), fee,
                ),
            )  # fmt: skip
            self._event(cur, rid, None, RequestState.received, actor, what.value, subject)
        return Submitted(self.get(rid), duplicate=False)

    # verification (Art. 37) ----------------------------------------------------------------

    def send_code(self, request_id: str, *, actor: str) -> None:
        """Send a one-time code to the subject's registered email and move the request to
        ``verifying``. Says nothing about whether one was sent: an unknown person gets
        no code, and the request simply cannot be verified by code.

        For a request already verified (being fulfilled, completed or rejected) the code
        only lets the person back in to follow it and fetch its result: the request's state
        does not change (:meth:`verify_code` then answers without verifying anything anew).
        """
        request = self.get(request_id)
        self._require(request, {RequestState.received, RequestState.verifying, *_RETURNING})
        policy = self._policy()
        if VerificationMethod.otp_email not in policy.requests.verification:
            raise Conflict("the policy offers no verification by email code (otp_email)")
        email_item = next(
            (i for i, d in policy.items.items() if d.normaliser is Normaliser.email), None
        )
        address = None
        if request.subject is not None and email_item is not None:
            values = self._vault.for_request(
                request.subject, [email_item], request.id, Actor(actor, "system")
            )
            address = values.get(email_item)
        now = self._clock.now()
        code = f"{secrets.randbelow(10**6):06d}"
        mac = self._code_mac(request.id, code)  # before the write lock: may make the key
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql("DELETE FROM verification_codes WHERE request_id = ?"),
                (request.id,),
            )
            cur.execute(
                self._store.sql(
                    "INSERT INTO verification_codes (request_id, code_mac, expires_at, "
                    "attempts, sent_at) VALUES (?, ?, ?, 0, ?)"
                ),
                (
                    request.id,
                    mac,
                    self._store.timestamp(now + dt.timedelta(minutes=CODE_MINUTES)),
                    self._store.timestamp(now),
                ),
            )
            if request.state is RequestState.received:
                self._move(cur, request, RequestState.verifying, actor, "code_sent")
        if address is not None and request.subject is not None:
            self._notifier().send(
                to=address,
                template="verification_code",
                lang=self._lang,
                context={
                    "code": code,
                    "minutes": CODE_MINUTES,
                    "controller": policy.controller.name.ja
                    if self._lang == "ja"
                    else (policy.controller.name.en or policy.controller.name.ja),
                },
                actor=actor,
                subject_id=request.subject,
            )

    def verify_code(self, request_id: str, code: str, *, actor: str) -> bool:
        """Check a code (constant time). True verifies the request. A wrong, expired or
        used-up code gives False; after 5 wrong attempts codes are refused and the request
        waits for staff (``verify_by_staff``). On a request verified before, True only
        says the person holds the registered contact; the state stays as it is."""
        request = self.get(request_id)
        self._require(request, {RequestState.verifying, *_RETURNING})
        returning = request.state in _RETURNING
        now = self._clock.now()
        given = self._code_mac(request.id, code.strip())
        with self._store.transaction() as cur:
            lock = "" if self._mark == "?" else " FOR UPDATE"
            cur.execute(
                self._store.sql(
                    "SELECT code_mac, expires_at, attempts FROM verification_codes "
                    "WHERE request_id = ?" + lock
                ),
                (request.id,),
            )
            row = cur.fetchone()
            if row is None:
                return False
            mac, expires, attempts = bytes(row[0]), read_time(row[1]), int(row[2])
            if attempts >= CODE_ATTEMPTS or expires <= now:
                return False
            cur.execute(
                self._store.sql(
                    "UPDATE verification_codes SET attempts = attempts + 1 WHERE request_id = ?"
                ),
                (request.id,),
            )
            good = hmac.compare_digest(mac, given)
            if not good or request.subject is None:
                if attempts + 1 >= CODE_ATTEMPTS and not returning:
                    self._move(cur, request, RequestState.verifying, actor, "attempts_exhausted")
                return False
            cur.execute(
                self._store.sql("DELETE FROM verification_codes WHERE request_id = ?"),
                (request.id,),
            )
            if returning:
                return True
            self._set(cur, request.id, verification={"method": "otp_email"})
            self._move(cur, request, RequestState.verified, actor, "otp_email")
        return True

    def verify_by_staff(
        self,
        request_id: str,
        *,
        actor: str,
        checked: Sequence[str],
        method: str = "documents",
        subject: str | None = None,
    ) -> Request:
        """Staff verified the requester (in person, by documents, an agent's authority):
        record what was checked (document names, never copies) and who checked it."""
        request = self.get(request_id)
        self._require(request, {RequestState.received, RequestState.verifying})
        problems: dict[str, str] = {}
        names = [c.strip() for c in checked if c.strip()]
        if not names:
            problems["checked"] = "nothing_checked"
        if any(len(n) > 100 for n in names):
            problems["checked"] = "too_long"
        if method not in ("documents", "in_person", "account_login", "agent_documents"):
            problems["method"] = "method_unknown"
        who = subject or request.subject
        if who is None:
            problems["subject"] = "subject_unknown"
        if problems:
            raise RequestRefused(problems)
        record = {"method": method, "checked": names, "by": actor}
        with self._store.transaction() as cur:
            self._set(cur, request.id, verification=record, subject=who)
            self._move(cur, request, RequestState.verified, actor, method, subject=who)
        return self.get(request.id)

    # deciding ------------------------------------------------------------------------------

    def start(self, request_id: str, *, actor: str) -> Request:
        """Approve a verified request for fulfilment (``in_progress``)."""
        request = self.get(request_id)
        self._require(request, {RequestState.verified, RequestState.in_progress})
        if request.state is RequestState.verified:
            with self._store.transaction() as cur:
                self._move(cur, request, RequestState.in_progress, actor, "approved")
        return self.get(request_id)

    def reject(
        self, request_id: str, *, code: RejectCode | str, reason: str, actor: str
    ) -> Request:
        """Refuse with a reason code and the reason shown to the person (Art. 36)."""
        problems: dict[str, str] = {}
        try:
            why = RejectCode(code)
        except ValueError:
            problems["code"] = "code_unknown"
        if not reason.strip():
            problems["reason"] = "reason_required"
        elif len(reason) > _REASON_MAX:
            problems["reason"] = "too_long"
        if problems:
            raise RequestRefused(problems)
        request = self.get(request_id)
        self._require(request, set(OPEN))
        with self._store.transaction() as cur:
            self._set(cur, request.id, reject_code=why.value, reject_reason=reason.strip())
            self._move(cur, request, RequestState.rejected, actor, why.value)
        return self.get(request_id)

    def withdraw(self, request_id: str, *, actor: str) -> Request:
        request = self.get(request_id)
        self._require(request, set(OPEN) - {RequestState.in_progress})
        with self._store.transaction() as cur:
            self._move(cur, request, RequestState.withdrawn, actor, "withdrawn")
        return self.get(request_id)

    def record_result(
        self,
        request_id: str,
        *,
        result: Mapping[str, Any],
        error: str | None,
        complete: bool,
        actor: str,
    ) -> Request:
        """Store fulfilment progress; ``complete`` closes the request, otherwise it stays
        ``in_progress`` with the error (to be retried)."""
        request = self.get(request_id)
        self._require(request, {RequestState.in_progress})
        with self._store.transaction() as cur:
            self._set(cur, request.id, result=json.dumps(dict(result)), error=error)
            target = RequestState.completed if complete else RequestState.in_progress
            note = "fulfilled" if complete else f"failed: {(error or '')[:160]}"
            self._move(cur, request, target, actor, note)
        return self.get(request_id)

    # the disclosure package ------------------------------------------------------------------

    def store_package(self, request_id: str, body: bytes) -> None:
        """Keep the package sealed until the person downloads it."""
        sealed = self._keys.sealer().encrypt(body, _aad(request_id) + b":package")
        digest = hashlib.sha256(body).hexdigest()
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql("DELETE FROM request_packages WHERE request_id = ?"), (request_id,)
            )
            cur.execute(
                self._store.sql(
                    "INSERT INTO request_packages (request_id, sealed, sha256, size, created_at) "
                    "VALUES (?, ?, ?, ?, ?)"
                ),
                (request_id, sealed, digest, len(body),
                 self._store.timestamp(self._clock.now())),
            )  # fmt: skip

    def download(self, request_id: str, *, actor: str) -> bytes:
        """The package of a completed disclosure; every download is audited."""
        request = self.get(request_id)
        if request.state is not RequestState.completed:
            raise Conflict(f"request {request_id} is {request.state.value}: nothing to download")
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql("SELECT sealed, sha256 FROM request_packages WHERE request_id = ?"),
                (request_id,),
            )
            row = cur.fetchone()
            if row is None:
                raise NotFound(f"request {request_id} has no package")
            cur.execute(
                self._store.sql(
                    "UPDATE request_packages SET downloaded_at = ? WHERE request_id = ?"
                ),
                (self._store.timestamp(self._clock.now()), request_id),
            )
            event = AuditEvent(
                actor=actor,
                action="download",
                subject=request.subject,
                detail={"request": request_id, "sha256": str(row[1])},
            )
            self._audit.append_cursor(cur, self._store.dialect, [event], entries=False)
        return self._keys.sealer().decrypt(bytes(row[0]), _aad(request_id) + b":package")

    # reading -------------------------------------------------------------------------------

    def get(self, request_id: str) -> Request:
        found = self._one("id = ?", (request_id,))
        if found is None:
            raise NotFound(f"no request '{request_id}'")
        return found

    def details(self, request: Request) -> dict[str, Any]:
        """What the request asks (unsealed)."""
        with self._store.transaction(write=False) as cur:
            cur.execute(self._store.sql("SELECT payload FROM requests WHERE id = ?"), (request.id,))
            row = cur.fetchone()
        if row is None or row[0] is None:
            return {}
        plain = self._keys.sealer().decrypt(bytes(row[0]), _aad(request.id))
        return dict(json.loads(plain))

    def query(
        self,
        *,
        state: RequestState | str | None = None,
        overdue: bool = False,
        due_within: int | None = None,
        subject: str | None = None,
    ) -> list[Request]:
        """Requests, oldest due first: by state, the open ones past their date
        (``overdue``), or the open ones due within ``due_within`` days."""
        clauses: list[str] = []
        params: list[Any] = []
        if state is not None:
            clauses.append("state = ?")
            params.append(RequestState(state).value)
        if subject is not None:
            clauses.append("subject_id = ?")
            params.append(subject)
        if overdue or due_within is not None:
            marks = ", ".join("?" * len(OPEN))
            clauses.append(f"state IN ({marks})")
            params.extend(sorted(s.value for s in OPEN))
            today = self._today()
            if overdue:
                clauses.append("due_on < ?")
                params.append(self._store.date_param(today))
            else:
                clauses.append("due_on <= ?")
                params.append(self._store.date_param(today + dt.timedelta(days=due_within or 0)))
        where = " AND ".join(clauses) or "1 = 1"
        return self._select(where, tuple(params))

    def events(self, request_id: str) -> list[RequestEvent]:
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    "SELECT request_id, from_state, to_state, actor, note, at FROM "
                    "request_events WHERE request_id = ? ORDER BY number"
                ),
                (request_id,),
            )
            rows = cur.fetchall()
        return [
            RequestEvent(r[0], RequestState(r[1]) if r[1] else None, RequestState(r[2]),
                         r[3], r[4], read_time(r[5]))
            for r in rows
        ]  # fmt: skip

    # helpers -------------------------------------------------------------------------------

    def _require(
        self, request: Request, allowed: set[RequestState] | frozenset[RequestState]
    ) -> None:
        if request.state not in allowed:
            raise Conflict(
                f"request {request.id} is {request.state.value}; this needs it to be "
                + " or ".join(sorted(s.value for s in allowed))
            )

    def _move(
        self,
        cur: Any,
        request: Request,
        target: RequestState,
        actor: str,
        note: str,
        *,
        subject: str | None = None,
    ) -> None:
        if target not in TRANSITIONS[request.state]:
            raise Conflict(f"request {request.id} cannot go from {request.state} to {target}")
        closed = target not in OPEN
        cur.execute(
            self._store.sql("UPDATE requests SET state = ?, closed_at = ? WHERE id = ?"),
            (
                target.value,
                self._store.timestamp(self._clock.now()) if closed else None,
                request.id,
            ),
        )
        self._event(cur, request.id, request.state, target, actor, note, subject or request.subject)

    def _event(
        self,
        cur: Any,
        request_id: str,
        source: RequestState | None,
        target: RequestState,
        actor: str,
        note: str,
        subject: str | None,
    ) -> None:
        now = self._clock.now()
        cur.execute(
            self._store.sql(
                "INSERT INTO request_events (request_id, from_state, to_state, actor, note, at) "
                "VALUES (?, ?, ?, ?, ?, ?)"
            ),
            (request_id, source.value if source else None, target.value, actor, note[:200],
             self._store.timestamp(now)),
        )  # fmt: skip
        detail = {
            "request": request_id,
            "from": source.value if source else None,
            "to": target.value,
            "note": note[:80],
        }
        event = AuditEvent(actor=actor, action="request", subject=subject, detail=detail)
        self._audit.append_cursor(cur, self._store.dialect, [event], entries=False)

    def _set(self, cur: Any, request_id: str, **values: Any) -> None:
        columns = {"subject": "subject_id"}
        parts, params = [], []
        for name, value in values.items():
            parts.append(f"{columns.get(name, name)} = ?")
            params.append(json.dumps(value) if name == "verification" else value)
        cur.execute(
            self._store.sql(f"UPDATE requests SET {', '.join(parts)} WHERE id = ?"),
            (*params, request_id),
        )

    def _seal(self, request_id: str, payload: Mapping[str, Any]) -> bytes:
        text = json.dumps(dict(payload), ensure_ascii=False, sort_keys=True).encode("utf-8")
        return self._keys.sealer().encrypt(text, _aad(request_id))

    def _code_mac(self, request_id: str, code: str) -> bytes:
        return self._keys.mac("codes").digest(request_id, code)

    def _one(self, where: str, params: tuple[Any, ...]) -> Request | None:
        rows = self._select(where, params)
        return rows[0] if rows else None

    def _select(self, where: str, params: tuple[Any, ...]) -> list[Request]:
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    f"SELECT {_COLUMNS} FROM requests WHERE {where} ORDER BY due_on, id"
                ),
                params,
            )
            rows = cur.fetchall()
        return [_request(r) for r in rows]


def _aad(request_id: str) -> bytes:
    return b"mamori:request:v1:" + request_id.encode()


def _request(row: Sequence[Any]) -> Request:
    (rid, kind, state, subject, channel, agent, received, due, verification, code, reason,
     result, error, closed, key, fee) = row  # fmt: skip
    return Request(
        id=rid,
        kind=RequestKind(kind),
        state=RequestState(state),
        subject=subject,
        channel=Channel(channel),
        by_agent=bool(agent),
        received_at=read_time(received),
        due_on=read_date(due),
        verification=json.loads(verification) if verification else None,
        reject_code=RejectCode(code) if code else None,
        reject_reason=reason,
        result=json.loads(result) if result else None,
        error=error,
        closed_at=read_time(closed) if closed else None,
        idempotency_key=key,
        fee=fee,
    )


def _check_details(
    policy: Policy, kind: RequestKind, details: Mapping[str, Any], problems: dict[str, str]
) -> dict[str, Any]:
    """What each kind may ask, checked against the policy."""
    allowed = {
        RequestKind.correction: {"values"},
        RequestKind.suspension: {"scope", "reason"},
        RequestKind.stop_provision: {"recipients", "reason"},
        RequestKind.disclosure: {"method"},
        RequestKind.provision_records: {"method"},
        RequestKind.erasure: {"reason"},
        RequestKind.purpose_notice: set(),
    }[kind]
    for key in details:
        if key not in allowed:
            problems[f"details.{key}"] = "field_unknown"
    out: dict[str, Any] = {}
    if kind is RequestKind.correction:
        values = details.get("values")
        if not isinstance(values, Mapping) or not values:
            problems["details.values"] = "values_required"
        else:
            for item, value in values.items():
                if item not in policy.items:
                    problems[f"details.values.{item}"] = "item_unknown"
                elif not isinstance(value, str):
                    problems[f"details.values.{item}"] = "not_text"
            out["values"] = dict(values)
    if kind is RequestKind.suspension:
        scope = details.get("scope", "all")
        if scope not in ("all", "provision") and not (
            isinstance(scope, str) and scope.startswith("purpose:") and scope[8:] in policy.purposes
        ):
            problems["details.scope"] = "scope_invalid"
        out["scope"] = scope
        reason = details.get("reason", SuspensionReason.rights_at_risk.value)
        if reason not in SuspensionReason.__members__:
            problems["details.reason"] = "reason_unknown"
        out["reason"] = reason
    if kind is RequestKind.stop_provision:
        recipients = details.get("recipients", [])
        if not isinstance(recipients, list) or any(r not in policy.recipients for r in recipients):
            problems["details.recipients"] = "recipient_unknown"
        out["recipients"] = list(recipients) if isinstance(recipients, list) else []
        out["reason"] = details.get("reason", SuspensionReason.provision_without_consent.value)
    if kind in (RequestKind.disclosure, RequestKind.provision_records):
        method = details.get("method", "electronic")
        offer = next((o for o in policy.requests.kinds if o.kind is kind), None)
        methods = [m.value for m in offer.methods] if offer is not None else []
        if methods and method not in methods:
            problems["details.method"] = "method_not_offered"
        out["method"] = method
    if kind is RequestKind.erasure and "reason" in details:
        out["reason"] = str(details["reason"])[:_REASON_MAX]
    return out

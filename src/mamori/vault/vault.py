"""The vault: personal data encrypted per field under one data key per subject.

Every method runs in one transaction together with its audit entry. Collection checks
each item against the purpose (Art. 20, policy §4) and normalises it; reads pass an access
decision first; erasure destroys the subject's data key (crypto-shredding) and keeps a
disposal record. Values are never logged, never put in errors or audit entries.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NamedTuple

from mamori.access import (
    AccessPolicy,
    Actor,
    Decision,
    LegalException,
    Outcome,
    ProvisionTerms,
    SubjectState,
)
from mamori.audit import AuditEvent, AuditLog
from mamori.clock import Clock
from mamori.consent import ConsentView
from mamori.errors import AccessDenied, CollectRefused, SubjectNotFound
from mamori.keys import DataKey, Keyring, value_aad
from mamori.policy.model import Normaliser, Policy
from mamori.store import Store, read_time
from mamori.store.bulk import PreparedRows, insert_rows, prepare_rows
from mamori.vault._sql import Statements
from mamori.vault.normalise import InvalidValue, is_my_number, normalise, normaliser_function
from mamori.vault.record import (
    Held,
    holds_item,
    holds_item_param,
    iso,
    ledger_text,
    pack,
    read_ledger,
    record_columns,
    unpack,
)
from mamori.vault.results import Collected, Corrected, Erased, Refused, Use
from mamori.vault.shred import shred

__all__ = ["SEARCHABLE", "Vault"]

# Items with these normalisers get a blind index, so a subject can be found by them.
SEARCHABLE = frozenset({Normaliser.email, Normaliser.phone, Normaliser.token})
_READ_CHUNK = 500
# Normal forms that cannot be a My Number (twelve digits once spaces and dashes are gone):
# an e-mail holds "@", a phone starts with "+", a date has eight digits.
_NEVER_MY_NUMBER = frozenset({Normaliser.email, Normaliser.phone, Normaliser.date})
_SUBJECTS = ("id", "created_at", "source", "key_id", "kek_id", "wrapped", "ledger", "sealed")
_INDEXES = ("item", "digest", "subject_id")
_TEMPLATE_LIMIT = 1024  # audit events of uses differ per subject only in its id


_SORTED_BASE32 = "0123456789abcdefghjkmnpqrstvwxyz"  # in ASCII order, like the numbers


def new_subject_id() -> str:
    """An opaque id: 's_', the time in milliseconds (10 characters of a base-32 alphabet
    in ASCII order) and 80 random bits (16 base32 characters). Ids made later sort later,
    so a table keyed by subject takes new rows at its end instead of all over its B-tree;
    the id tells nothing about the person but when the record was made."""
    return new_subject_ids(1)[0]


def new_subject_ids(count: int, *, now_ms: int | None = None) -> list[str]:
    """``count`` ids as :func:`new_subject_id` makes them, from one clock reading and one
    draw of random bytes: base32 turns each 10 bytes into 16 characters on their own, so
    one encoding of ``10 * count`` bytes is the random parts one after another."""
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    stamp = "".join(_SORTED_BASE32[(ms >> shift) & 31] for shift in range(45, -5, -5))
    text = base64.b32encode(secrets.token_bytes(10 * count)).decode("ascii").lower()
    return [f"s_{stamp}{text[at : at + 16]}" for at in range(0, 16 * count, 16)]


class _Check(NamedTuple):
    """How an item's values are checked: its normaliser; whether it is a My Number item
    lawful for the purpose (True/False) or an item of another kind (None); and whether its
    normal forms must be searched for a hidden My Number (not where none can be one)."""

    normalise: Callable[[object], str]
    my_number: bool | None
    scan: bool


class _Made(NamedTuple):
    """A batch's new subjects, made before its transaction: the results in batch order
    (None for rows about existing subjects), the subject rows, the blind-index rows, and
    whether the batch also has existing subjects."""

    results: list[Collected | Refused | None]
    subjects: PreparedRows
    indexes: PreparedRows
    existing: bool


class _UseSpec(NamedTuple):
    """What every decision of one ``use_many`` call shares."""

    items: tuple[str, ...]
    purpose: str
    actor: Actor
    exception: LegalException | None
    note: str | None
    provision: ProvisionTerms | None
    export: tuple[tuple[str, str], ...]


@dataclass
class _Subject:
    """A subject as a change reads it: its opened key, what it holds and the sealed
    values (item -> (version, ciphertext))."""

    id: str
    erased: bool
    key: DataKey | None
    held: dict[str, Held] = field(default_factory=dict)
    values: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    def put(
        self, item: str, version: int, ciphertext: bytes, purpose: str, at: dt.datetime
    ) -> None:
        self.values[item] = (version, ciphertext)
        self.held[item] = Held(version, purpose, at)

    def columns(self) -> tuple[str | None, bytes | None]:
        """The (ledger, sealed) columns of what the subject now holds."""
        return record_columns(self.held, [(i, v, c) for i, (v, c) in self.values.items()])


class _Reading:
    """A subject as a use reads it: its opened key, consent choices, suspended scopes and
    the (item, version, ciphertext) of each asked item it holds, in the order asked."""

    __slots__ = ("consents", "erased", "id", "key", "stored", "suspended")

    def __init__(self, sid: str, erased: bool, key: DataKey | None) -> None:
        self.id = sid
        self.erased = erased
        self.key = key
        self.consents: ConsentView | None = None
        self.suspended: frozenset[str] = frozenset()
        self.stored: list[tuple[str, int, bytes]] = []


class Vault:
    """Collect, find, use, correct and erase the personal data of subjects."""

    def __init__(
        self,
        store: Store,
        keys: Keyring,
        audit: AuditLog,
        clock: Clock,
        access: Callable[[], AccessPolicy],
    ) -> None:
        self._store = store
        self._keys = keys
        self._audit = audit
        self._clock = clock
        self._access = access
        self._sql = Statements.for_engine(store.engine)
        self._use_sql: dict[int, str] = {}
        self._templates: dict[tuple[Any, ...], AuditEvent] = {}
        self._writer_pool: ThreadPoolExecutor | None = None
        self._writer_lock = threading.Lock()

    # -- collection ------------------------------------------------------------------

    def collect(
        self,
        subject: str | None,
        values: Mapping[str, object],
        purpose: str,
        actor: Actor,
        source: str,
    ) -> Collected:
        """Store ``values`` for ``subject`` (a new subject when None), collected for ``purpose``.

        Raises :class:`CollectRefused` (nothing stored) when an item is undeclared, not needed
        by the purpose, or its value is invalid; :class:`AccessDenied` when the actor's role
        may not handle these items for this purpose.
        """
        for result in self.collect_many([(subject, values)], purpose, actor, source):
            if isinstance(result, Refused):
                raise CollectRefused(dict(result.problems))
            return result
        raise AssertionError("collect_many yields one result per row")  # pragma: no cover

    def collect_many(
        self,
        rows: Iterable[tuple[str | None, Mapping[str, object]]],
        purpose: str,
        actor: Actor,
        source: str,
        *,
        batch_size: int = 5000,
    ) -> Iterator[Collected | Refused]:
        """Collect many rows; each batch is one transaction, a refused row stores nothing."""
        access = self._access()
        policy = access.policy
        if purpose not in policy.purposes:
            raise CollectRefused({"-": "purpose_unknown"}, f"unknown purpose '{purpose}'")
        needed = access.purpose_items(purpose)
        reach = sorted((needed & access.role_items(actor.role)) or needed)
        decision = access.decide(actor, reach, purpose)
        if not decision.allowed:
            self._record_deny(decision, "collect")
            raise AccessDenied(decision.reasons)
        batches = self._batches(policy, access, rows, purpose, actor, batch_size)
        first = next(batches, None)
        second = next(batches, None) if first is not None else None
        if first is None:
            return
        if second is None:  # one batch: written on this thread
            yield from self._flush(
                policy,
                self._make(policy, first[0], purpose, source),
                *first,
                purpose,
                actor,
                source,
            )
            return
        # Several batches: the next batch is normalised and encrypted on this thread while
        # the writer thread stores the one before (its inserts run without the GIL).
        pending: Future[list[Collected | Refused]] | None = None
        upcoming = chain((first, second), batches)
        try:
            while True:
                try:
                    step = next(upcoming, None)
                    made = self._make(policy, step[0], purpose, source) if step else None
                except BaseException:
                    # the rows or their preparation failed: what was written comes first
                    if pending is not None:
                        done, pending = pending.result(), None
                        yield from done
                    raise
                if pending is not None:
                    done, pending = pending.result(), None
                    yield from done
                if step is None or made is None:
                    return
                pending = self._writer().submit(
                    self._flush, policy, made, *step, purpose, actor, source
                )
        finally:
            if pending is not None:  # the caller stopped early: the batch still completes
                wait([pending])

    def _batches(
        self,
        policy: Policy,
        access: AccessPolicy,
        rows: Iterable[tuple[str | None, Mapping[str, object]]],
        purpose: str,
        actor: Actor,
        batch_size: int,
    ) -> Iterator[tuple[list[tuple[int, str | None, dict[str, str]]], list[Refused]]]:
        """The rows normalised and checked, ``batch_size`` at a time: (accepted, refused)."""
        batch: list[tuple[int, str | None, dict[str, str]]] = []
        refused: list[Refused] = []
        plan = self._plan(policy, access, purpose, actor)
        for index, (subject, raw) in enumerate(rows):
            problems, clean = self._prepare(policy, access, purpose, actor, raw, plan)
            if problems:
                refused.append(Refused(index, problems))
            else:
                batch.append((index, subject, clean))
            if len(batch) + len(refused) >= batch_size:
                yield batch, refused
                batch, refused = [], []
        if batch or refused:
            yield batch, refused

    def _writer(self) -> ThreadPoolExecutor:
        """The thread that writes batches of a multi-batch collection (made on first use)."""
        with self._writer_lock:
            if self._writer_pool is None:
                self._writer_pool = ThreadPoolExecutor(1, thread_name_prefix="mamori-vault")
            return self._writer_pool

    def close(self) -> None:
        """Stop the writer thread, if one was started (after its batch completes)."""
        with self._writer_lock:
            pool, self._writer_pool = self._writer_pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _flush(
        self,
        policy: Policy,
        made: _Made,
        batch: list[tuple[int, str | None, dict[str, str]]],
        refused: list[Refused],
        purpose: str,
        actor: Actor,
        source: str,
    ) -> list[Collected | Refused]:
        """Write a batch; results come back in the order the rows were given."""
        written = self._write_batch(policy, made, batch, purpose, actor, source) if batch else []
        if not refused:
            return written
        return sorted([*written, *refused], key=lambda r: r.index)

    def _prepare(
        self,
        policy: Policy,
        access: AccessPolicy,
        purpose: str | None,
        actor: Actor,
        raw: Mapping[str, object],
        plan: dict[str, _Check | str] | None = None,
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Problems per item, and the normalised values, for a collection (``purpose``
        given: each item must be needed by it) or a correction (``purpose`` None).
        ``plan``: what :meth:`_plan` made for these arguments, to reuse over many rows."""
        if plan is None:
            plan = self._plan(policy, access, purpose, actor)
        problems: dict[str, str] = {}
        clean: dict[str, str] = {}
        if not raw:
            problems["-"] = "no_values"
        for item_id, value in raw.items():
            check = plan.get(item_id, "item_unknown")
            if isinstance(check, str):
                problems[item_id] = check
                continue
            try:
                normal = check.normalise(value)
            except InvalidValue as exc:
                problems[item_id] = exc.reason
                continue
            # A My Number only where the policy gives it a lawful use; nowhere else.
            if check.my_number is False or (check.scan and is_my_number(normal)):
                problems[item_id] = "my_number_refused"
                continue
            clean[item_id] = normal
        return problems, clean

    @staticmethod
    def _plan(
        policy: Policy, access: AccessPolicy, purpose: str | None, actor: Actor
    ) -> dict[str, _Check | str]:
        """For each declared item: the reason it is refused outright, or its normaliser
        and whether it holds a My Number (True: lawful here, False: not, None: an item
        of another kind, whose values are checked for one)."""
        needed = access.purpose_items(purpose) if purpose is not None else None
        role_items = access.role_items(actor.role)
        plan: dict[str, _Check | str] = {}
        for item_id, item in policy.items.items():
            if needed is not None and item_id not in needed:
                plan[item_id] = "not_needed_by_purpose"
            elif item_id not in role_items:
                plan[item_id] = "role_lacks_item"
            else:
                my_number: bool | None = None
                if item.normaliser is Normaliser.my_number:
                    my_number = _my_number_lawful(policy, item_id, purpose)
                scan = my_number is None and item.normaliser not in _NEVER_MY_NUMBER
                plan[item_id] = _Check(normaliser_function(item.normaliser), my_number, scan)
        return plan

    def _make(
        self,
        policy: Policy,
        batch: list[tuple[int, str | None, dict[str, str]]],
        purpose: str,
        source: str,
    ) -> _Made:
        """The rows of a batch's new subjects, made whole (ids, data keys, ciphertexts,
        blind indexes) before any transaction; existing subjects are left to the write."""
        now = self._clock.now()
        ts = self._sql.timestamp(now)
        blind = self._keys.blind_index()
        searchable = frozenset(i for i, d in policy.items.items() if d.normaliser in SEARCHABLE)
        # None: an existing subject, settled in the transaction
        results: list[Collected | Refused | None] = [None] * len(batch)
        subjects: list[tuple[Any, ...]] = []
        index_rows: list[tuple[str, bytes, str]] = []
        rows = [(at, row) for at, row in enumerate(batch) if row[1] is None]
        ledgers: dict[tuple[str, ...], str] = {}  # new subjects' ledgers differ only by items
        stamp = iso(now)
        # New subjects in the order of their ids (which start with the time): each table
        # takes its rows in key order, appended at the end of its B-tree.
        made = sorted(zip(new_subject_ids(len(rows)), rows, strict=True))
        keys = self._keys.new_data_keys([sid for sid, _ in made])
        for (sid, (at, (index, _, clean))), (key, wrapped) in zip(made, keys, strict=True):
            items = tuple(clean)
            ciphertexts = key.encrypt_values(sid, [(i, 1, v.encode()) for i, v in clean.items()])
            ledger = ledgers.get(items)
            if ledger is None:
                ledger = ledgers[items] = ledger_text(dict.fromkeys(items, (1, purpose, stamp)))
            sealed = pack((i, 1, c) for i, c in zip(items, ciphertexts, strict=True))
            subjects.append(
                (sid, ts, source, wrapped.key_id, wrapped.kek_id, wrapped.wrapped, ledger, sealed)
            )
            for item_id in searchable.intersection(items):
                index_rows.append((item_id, blind.digest(item_id, clean[item_id]), sid))
            results[at] = Collected(sid, True, items, dict.fromkeys(items, 1), index)
        dialect = self._sql.dialect
        index_rows.sort()  # in key order: the B-tree takes them page by page
        return _Made(
            results,
            prepare_rows(dialect, "subjects", _SUBJECTS, subjects, blobs=(3, 5, 7)),
            prepare_rows(dialect, "blind_indexes", _INDEXES, index_rows, blobs=(1,)),
            len(rows) < len(batch),
        )

    def _write_batch(
        self,
        policy: Policy,
        made: _Made,
        batch: list[tuple[int, str | None, dict[str, str]]],
        purpose: str,
        actor: Actor,
        source: str,
    ) -> list[Collected | Refused]:
        """One transaction: values for existing subjects encrypted under the versions it
        reads, then every row and audit entry of the batch, one statement per table."""
        sql = self._sql
        now = self._clock.now()
        blind = self._keys.blind_index()
        searchable = frozenset(i for i, d in policy.items.items() if d.normaliser in SEARCHABLE)
        results = list(made.results)

        templates: dict[tuple[tuple[str, ...], bool], AuditEvent] = {}
        chosen: list[AuditEvent] = []
        about: list[str | None] = []
        with self._store.transaction() as cur:
            changed: dict[str, _Subject] = {}
            stale_index: list[tuple[str, str]] = []
            later_index: dict[tuple[str, str], bytes] = {}
            if made.existing:
                known = self._load(cur, [s for _, s, _ in batch if s is not None])
                for at, (index, subject_id, clean) in enumerate(batch):
                    if subject_id is None:
                        continue
                    found = known.get(subject_id)
                    if found is None or found.erased or found.key is None:
                        reason = "subject_unknown" if found is None else "subject_erased"
                        results[at] = Refused(index, {"-": reason})
                        continue
                    versions: dict[str, int] = {}
                    for item_id, value in clean.items():
                        version = found.values.get(item_id, (0, b""))[0] + 1
                        versions[item_id] = version
                        aad = value_aad(subject_id, item_id, version)
                        ciphertext = found.key.encrypt(value.encode("utf-8"), aad)
                        found.put(item_id, version, ciphertext, purpose, now)
                        if item_id in searchable:
                            stale_index.append((subject_id, item_id))
                            later_index[(subject_id, item_id)] = blind.digest(item_id, value)
                    changed[subject_id] = found
                    results[at] = Collected(subject_id, False, tuple(clean), versions, index)
            for result in results:
                if isinstance(result, Collected):
                    kind = (result.items, result.created)
                    template = templates.get(kind)
                    if template is None:
                        template = templates[kind] = AuditEvent(
                            actor=actor.id,
                            action="collect",
                            purpose=purpose,
                            items=result.items,
                            detail={
                                "role": actor.role,
                                "source": source[:200],
                                "created": result.created,
                            },
                        )
                    chosen.append(template)
                    about.append(result.subject)
            made.subjects.run(cur)
            self._many(cur, sql.update_values, [(*r.columns(), sid) for sid, r in changed.items()])
            self._many(cur, sql.delete_index, stale_index)
            made.indexes.run(cur)
            later = [(item, digest, sid) for (sid, item), digest in later_index.items()]
            insert_rows(cur, sql.dialect, "blind_indexes", _INDEXES, later, blobs=(1,))
            self._audit.append_about(cur, sql.dialect, chosen, about)
        return [r for r in results if r is not None]

    @staticmethod
    def _many(cur: Any, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            cur.executemany(statement, rows)

    def _load(self, cur: Any, ids: Sequence[str], *, lock: bool = True) -> dict[str, _Subject]:
        """Subjects with their data key opened, what they hold and their sealed values."""
        out: dict[str, _Subject] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), _READ_CHUNK):
            chunk = unique[start : start + _READ_CHUNK]
            cur.execute(self._sql.read_subjects(len(chunk), lock=lock), chunk)
            for sid, erased_at, key_id, kek_id, wrapped, ledger, sealed in cur.fetchall():
                key = None
                if wrapped is not None and erased_at is None:
                    key = self._keys.open_data_key(sid, bytes(key_id), kek_id, bytes(wrapped))
                record = out[sid] = _Subject(sid, erased_at is not None, key)
                record.held = read_ledger(ledger)
                if sealed is not None:
                    record.values = {i: (v, c) for i, v, c in unpack(bytes(sealed))}
        return out

    # -- lookup ----------------------------------------------------------------------

    def find(self, item: str, value: object) -> list[str]:
        """Subjects whose ``item`` equals ``value`` (after normalisation), by blind index."""
        policy = self._access().policy
        declared = policy.items.get(item)
        if declared is None or declared.normaliser not in SEARCHABLE:
            searchable = sorted(i for i, d in policy.items.items() if d.normaliser in SEARCHABLE)
            raise CollectRefused(
                {item: "not_searchable"},
                f"'{item}' cannot be searched; searchable items: {', '.join(searchable)}",
            )
        try:
            normal = normalise(declared.normaliser, value)
        except InvalidValue as exc:
            raise CollectRefused({item: exc.reason}) from None
        digest = self._keys.blind_index().digest(item, normal)
        with self._store.transaction(write=False) as cur:
            cur.execute(self._sql.find_index, (item, digest))
            rows = cur.fetchall()
        return [r[0] for r in rows]

    def for_request(
        self, subject: str, items: Sequence[str] | None, request_id: str, actor: Actor
    ) -> dict[str, str]:
        """The values of ``items`` (all when None) read to answer the person's own request
        (a verification code to their registered contact, a disclosure to them).

        This is not a use for a purpose, so the access decision's purpose and consent
        checks do not apply, and a suspension does not stop it (Art. 32-35 oblige the
        business to answer). It is recorded as ``export`` with the request id.
        """
        with self._store.transaction() as cur:
            wanted_items = None if items is None else tuple(dict.fromkeys(items))
            record = self._load_for_use(cur, [subject], wanted_items).get(subject)
            if record is None:
                raise SubjectNotFound(f"no subject '{subject}'")
            if record.erased or record.key is None:
                raise SubjectNotFound(f"subject '{subject}' was erased")
            stored = record.stored
            wanted = [s[0] for s in stored]
            plain = record.key.decrypt_values(subject, stored)
            event = AuditEvent(
                actor=actor.id,
                action="export",
                subject=subject,
                items=tuple(wanted),
                detail={"role": actor.role, "request": request_id[:40]},
            )
            self._audit.append_cursor(cur, self._sql.dialect, [event], entries=False)
        return {i: p.decode("utf-8") for i, p in zip(wanted, plain, strict=True)}

    def exists(self, subject: str) -> bool:
        """Whether ``subject`` is a subject of this vault (erased ones included)."""
        with self._store.transaction(write=False) as cur:
            cur.execute(f"SELECT 1 FROM subjects WHERE id = {self._sql.mark}", (subject,))
            return cur.fetchone() is not None

    def created_at(self, subjects: Sequence[str]) -> dict[str, dt.datetime]:
        """When each subject was first collected (UTC), for those that exist."""
        out: dict[str, dt.datetime] = {}
        unique = list(dict.fromkeys(subjects))
        mark = self._sql.mark
        with self._store.transaction(write=False) as cur:
            for start in range(0, len(unique), _READ_CHUNK):
                chunk = unique[start : start + _READ_CHUNK]
                marks = ", ".join([mark] * len(chunk))
                cur.execute(f"SELECT id, created_at FROM subjects WHERE id IN ({marks})", chunk)
                for sid, at in cur.fetchall():
                    out[sid] = read_time(at)
        return out

    def holders(self, item: str) -> Iterator[str]:
        """Ids of the subjects (not erased) holding a value of ``item``, in id order, read
        a page at a time."""
        last = ""
        mark = self._sql.mark
        sql = (
            f"SELECT s.id FROM subjects s WHERE s.id > {mark} AND s.erased_at IS NULL "
            f"AND {holds_item().replace('?', mark)} ORDER BY s.id LIMIT {_READ_CHUNK}"
        )
        pattern = holds_item_param(item)
        while True:
            with self._store.transaction(write=False) as cur:
                cur.execute(sql, (last, pattern))
                page = [row[0] for row in cur.fetchall()]
            yield from page
            if len(page) < _READ_CHUNK:
                return
            last = page[-1]

    # -- use -------------------------------------------------------------------------

    def use(
        self,
        subject: str,
        items: Sequence[str],
        purpose: str,
        actor: Actor,
        *,
        exception: LegalException | None = None,
        note: str | None = None,
    ) -> Use:
        """Decide, record, and only when allowed return the values of ``items``."""
        spec = _UseSpec(tuple(dict.fromkeys(items)), purpose, actor, exception, note, None, ())
        return self._use_batch(self._access(), [subject], spec)[0]

    def use_many(
        self,
        subjects: Iterable[str],
        items: Sequence[str],
        purpose: str,
        actor: Actor,
        *,
        exception: LegalException | None = None,
        note: str | None = None,
        provision: ProvisionTerms | None = None,
        export: Mapping[str, str] | None = None,
        batch_size: int = 500,
    ) -> Iterator[Use]:
        """Stream uses in batches: one decision and one audit entry per subject.

        ``provision`` adds what giving the data to a recipient needs of each subject (see
        :class:`ProvisionTerms`); ``export`` (recipient, basis, record) makes each allowed
        entry an ``export``, data carried out of mamori, with those details.
        """
        access = self._access()
        spec = _UseSpec(
            tuple(dict.fromkeys(items)),
            purpose,
            actor,
            exception,
            note,
            provision,
            tuple(sorted((export or {}).items())),
        )
        batch: list[str] = []
        for subject in subjects:
            batch.append(subject)
            if len(batch) >= batch_size:
                yield from self._use_batch(access, batch, spec)
                batch = []
        if batch:
            yield from self._use_batch(access, batch, spec)

    def _use_batch(self, access: AccessPolicy, batch: list[str], spec: _UseSpec) -> list[Use]:
        results: list[Use] = []
        items = spec.items
        decide = access.decide
        actor, purpose = spec.actor, spec.purpose
        exception, note, provision = spec.exception, spec.note, spec.provision
        # Within a call, use events differ only by outcome and reasons (and the subject).
        templates: dict[tuple[Any, ...], AuditEvent] = {}
        chosen: list[AuditEvent] = []
        about: list[str | None] = []
        allow = Outcome.allow
        decode = bytes.decode
        with self._store.transaction() as cur:
            known = self._load_for_use(cur, batch, items)
            for sid in batch:
                record = known.get(sid)
                if record is None:
                    state = SubjectState(sid, False)
                else:
                    state = SubjectState(
                        sid, True, record.erased, record.consents, record.suspended
                    )
                decision = decide(
                    actor,
                    items,
                    purpose,
                    state,
                    exception=exception,
                    note=note,
                    provision=provision,
                )
                values: dict[str, str] | None = None
                if decision.outcome is allow and record is not None and record.key is not None:
                    stored = record.stored
                    plain = record.key.decrypt_values(sid, stored)
                    names = items if len(stored) == len(items) else [s[0] for s in stored]
                    values = dict(zip(names, map(decode, plain), strict=True))
                kind = (decision.outcome, decision.reasons)
                template = templates.get(kind)
                if template is None:
                    template = templates[kind] = self._use_template(decision, note, spec.export)
                chosen.append(template)
                about.append(decision.subject)
                results.append(Use(decision, values))
            self._audit.append_about(cur, self._sql.dialect, chosen, about)
        return results

    def _load_for_use(
        self, cur: Any, ids: Sequence[str], items: Sequence[str] | None
    ) -> dict[str, _Reading]:
        """Subjects with their data key opened, their consent choices and suspended scopes,
        and the (item, version, ciphertext) of ``items`` they hold (all, by item, when
        None): one statement per chunk of subjects, one row per subject."""
        out: dict[str, _Reading] = {}
        unique = list(dict.fromkeys(ids))
        open_key = self._keys.open_data_key
        now = self._clock.now()
        wanted = None if items is None else {item: at for at, item in enumerate(items)}
        order = None if items is None else list(items)
        for start in range(0, len(unique), _READ_CHUNK):
            chunk = unique[start : start + _READ_CHUNK]
            sql = self._use_sql.get(len(chunk))
            if sql is None:
                sql = self._use_sql[len(chunk)] = self._sql.read_for_use(len(chunk))
            cur.execute(sql, chunk)
            for sid, erased_at, key_id, kek_id, wrapped, consents, scopes, sealed in cur:
                key = None
                if wrapped is not None and erased_at is None:
                    key = open_key(sid, bytes(key_id), kek_id, bytes(wrapped))
                record = out[sid] = _Reading(sid, erased_at is not None, key)
                if consents is not None:
                    record.consents = ConsentView.from_text(consents, now)
                if scopes is not None and scopes != "{}":
                    record.suspended = frozenset(json.loads(scopes))
                if sealed is None:
                    continue
                stored = unpack(bytes(sealed))
                if wanted is None:
                    stored.sort()
                elif [s[0] for s in stored] != order:
                    position: dict[str, int] = wanted
                    stored = [s for s in stored if s[0] in position]
                    stored.sort(key=lambda s: position[s[0]])
                record.stored = stored
        return out

    def _use_template(
        self, decision: Decision, note: str | None, export: tuple[tuple[str, str], ...] = ()
    ) -> AuditEvent:
        """The audit event of a use, built once per kind of decision; its subject is the
        first one it was built for: ``AuditLog.append_about`` sets each entry's own."""
        key = (
            export,
            decision.actor,
            decision.role,
            decision.outcome,
            decision.reasons,
            decision.purpose,
            decision.items,
            decision.exception,
            note if decision.exception is not None else None,
        )
        template = self._templates.get(key)
        if template is None:
            if len(self._templates) >= _TEMPLATE_LIMIT:
                self._templates.clear()
            template = self._templates[key] = _use_event(decision, note, dict(export))
        return template

    def _record_deny(self, decision: Decision, attempted: str) -> None:
        with self._store.transaction() as cur:
            event = _use_event(decision, None, attempted=attempted)
            self._audit.append_cursor(cur, self._sql.dialect, [event])

    # -- correction and erasure -------------------------------------------------------

    def correct(
        self, subject: str, values: Mapping[str, object], actor: Actor, reason: str
    ) -> Corrected:
        """Replace values with corrected ones (Art. 34); each gets a new version."""
        access = self._access()
        policy = access.policy
        problems, clean = self._prepare(policy, access, None, actor, values)
        if problems:
            raise CollectRefused(problems)
        now = self._clock.now()
        blind = self._keys.blind_index()
        with self._store.transaction() as cur:
            record = self._live(cur, subject)
            assert record.key is not None
            versions: dict[str, int] = {}
            stale, index = [], []
            for item_id, value in clean.items():
                version = record.values.get(item_id, (0, b""))[0] + 1
                versions[item_id] = version
                ciphertext = record.key.encrypt(
                    value.encode(), value_aad(subject, item_id, version)
                )
                record.put(item_id, version, ciphertext, "correction", now)
                if policy.items[item_id].normaliser in SEARCHABLE:
                    stale.append((subject, item_id))
                    index.append((item_id, blind.digest(item_id, value), subject))
            cur.execute(self._sql.update_values, (*record.columns(), subject))
            self._many(cur, self._sql.delete_index, stale)
            insert_rows(cur, self._sql.dialect, "blind_indexes", _INDEXES, index, blobs=(1,))
            event = AuditEvent(
                actor=actor.id,
                action="correct",
                subject=subject,
                purpose=None,
                items=tuple(clean),
                detail={"role": actor.role, "reason": reason[:200]},
            )
            self._audit.append_cursor(cur, self._sql.dialect, [event])
        return Corrected(subject, tuple(clean), versions)

    def erase(self, subject: str, actor: Actor, reason: str) -> Erased:
        """Destroy the subject's data key and values; keep a disposal record (Art. 35)."""
        access = self._access()
        now = self._clock.now()
        with self._store.transaction() as cur:
            record = self._live(cur, subject)
            items = tuple(sorted(record.values))
            lacking = [i for i in items if i not in access.role_items(actor.role)]
            if lacking or actor.role not in access.policy.roles:
                raise AccessDenied(
                    ("role_lacks_item",),
                    f"role '{actor.role}' may not erase all "
                    f"items of this subject ({', '.join(lacking) or 'role unknown'})",
                )
            sql = self._sql
            shred(cur, self._store, subject, now)
            cur.execute(
                sql.insert_disposal,
                (
                    subject,
                    json.dumps(list(items)),
                    actor.id,
                    reason[:2000],
                    "crypto_shred",
                    sql.timestamp(now),
                ),
            )
            event = AuditEvent(
                actor=actor.id,
                action="erase",
                subject=subject,
                purpose=None,
                items=items,
                detail={"role": actor.role, "reason": reason[:200], "method": "crypto_shred"},
            )
            self._audit.append_cursor(cur, sql.dialect, [event])
        self._keys.forget(subject)
        self._store.purge_freed()
        return Erased(subject, items, None)

    def _live(self, cur: Any, subject: str) -> _Subject:
        record = self._load(cur, [subject]).get(subject)
        if record is None:
            raise SubjectNotFound(f"no subject '{subject}'")
        if record.erased or record.key is None:
            raise SubjectNotFound(f"subject '{subject}' was erased")
        return record


def _my_number_lawful(policy: Policy, item: str, purpose: str | None) -> bool:
    """A My Number may be held only for a purpose with a lawful use (番号法 Art. 9):
    the purpose collected for, or for a correction any purpose that uses the item."""
    if purpose is not None:
        return policy.purposes[purpose].my_number_use is not None
    return any(p.my_number_use and item in p.items for p in policy.purposes.values())


def _use_event(
    decision: Decision,
    note: str | None,
    export: Mapping[str, str] | None = None,
    **extra: str,
) -> AuditEvent:
    if not decision.allowed:
        action = "deny"
    elif decision.flagged:
        action = "legal_exception"
    else:
        action = "export" if export else "use"
    detail: dict[str, Any] = {"role": decision.role, "reasons": list(decision.reasons), **extra}
    if export:
        detail.update(export)
    if decision.exception is not None:
        detail["exception"] = decision.exception.value
        detail["note"] = (note or "")[:200]
    return AuditEvent(
        actor=decision.actor,
        action=action,
        subject=decision.subject,
        purpose=decision.purpose,
        items=decision.items,
        detail=detail,
    )

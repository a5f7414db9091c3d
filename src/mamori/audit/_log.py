"""``AuditLog``: append to the chain, read it, sign checkpoints, verify it all."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, insert, select

from mamori.audit import _scan, _schema
from mamori.audit._chain import ZERO
from mamori.audit._checkpoint import Checkpoint
from mamori.audit._errors import AuditChainBroken, AuditEntryNotFound, AuditRangeError
from mamori.audit._event import AuditEntry, AuditEvent, format_at, subject_tail
from mamori.clock import Clock
from mamori.errors import StoreError
from mamori.store import Store
from mamori.store.bulk import insert_rows
from mamori.store.tables import AuditCheckpointRow

__all__ = ["AuditLog", "VerifyReport"]

_INSERT = "INSERT INTO audit_log (seq, hash, canonical) VALUES (?, ?, ?)"
_COLUMNS = ("seq", "hash", "canonical")
_SET_HEAD = "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1"
# Moves the head only from where this process last left it: one statement instead of a read
# and a write when no other writer appended meanwhile (the usual case for a busy process).
_MOVE_HEAD = "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ? AND hash = ?"
_STATE = (
    "SELECT h.seq, h.hash, (SELECT max(seq) FROM audit_log), (SELECT min(seq) FROM audit_log),"
    " (SELECT a.hash FROM audit_log a WHERE a.seq = h.seq) FROM audit_head h WHERE h.id = 1"
)
_EXPORT_PAGE = 1000


Problem = tuple[int | None, str]  # (first bad seq or None, what is wrong)


@dataclass(frozen=True)
class _State:
    """The head row and the ends of the log, read in one statement (one snapshot)."""

    head: int
    top: int  # the highest seq stored, 0 when empty
    problems: tuple[Problem, ...]

    @classmethod
    def read(cls, conn: Connection) -> _State:
        row = conn.exec_driver_sql(_STATE).first()
        if row is None:
            return cls(0, 0, ((None, "the audit_head row is missing"),))
        head, head_hash, top, bottom, at_head = row
        top = int(top or 0)
        problems: list[Problem] = []
        if bottom is not None and bottom < 1:
            problems.append((bottom, f"entry {bottom} comes before the first entry (1)"))
        if head < top:
            problems.append((head + 1, f"entry {head + 1} is past the head ({head})"))
        elif head == top and bytes(head_hash) != (bytes(at_head) if head else ZERO):
            if head:
                problems.append((head, f"the head's hash does not match entry {head}"))
            else:
                problems.append((None, "the head of the empty log is not 32 zero bytes"))
        return cls(head, top, tuple(problems))


def _checkpoint_problem(cp: Checkpoint, key: bytes, top: int) -> Problem | None:
    """What is wrong with a checkpoint before its root is computed, if anything."""
    if not cp.signature_ok(key):
        return None, f"{cp.label()}: the signature does not verify"
    if cp.last_seq > top:
        text = f"{cp.label()} covers entries up to {cp.last_seq}, but the log ends at {top}"
        return top + 1, text
    return None


def _chain_rows(
    head: tuple[int, bytes],
    at: bytes,
    parts: Sequence[tuple[bytes, bytes, bytes]],
    rows: list[tuple[int, bytes, bytes]],
) -> tuple[int, bytes]:
    """Append (seq, hash, canonical) of each entry after ``head`` to ``rows``; the new head.
    An entry's canonical bytes are head + at + middle + seq + tail (see AuditEvent)."""
    seq, prev = head
    sha256 = hashlib.sha256
    add = rows.append
    for start, middle, tail in parts:
        seq += 1
        canonical = b"%s%s%s%d%s" % (start, at, middle, seq, tail)
        prev = sha256(prev + canonical).digest()
        add((seq, prev, canonical))
    return seq, prev


def _sql(conn: Connection, text: str) -> str:
    return text if conn.dialect.paramstyle == "qmark" else text.replace("?", "%s")


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of :meth:`AuditLog.verify`: ``ok``, or the first bad entry and why."""

    ok: bool
    entries_checked: int
    first_bad_seq: int | None
    problem: str | None
    seconds: float
    checkpoints_checked: int = 0
    processes: int = 1

    @property
    def rate(self) -> float:
        """Entries checked per second."""
        return self.entries_checked / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries_checked": self.entries_checked,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "seconds": round(self.seconds, 6),
            "checkpoints_checked": self.checkpoints_checked,
            "processes": self.processes,
        }


class AuditLog:
    """The hash-chained audit log of one store.

    Writers are serialised by the single ``audit_head`` row (``SELECT ... FOR UPDATE`` on
    PostgreSQL; on SQLite a no-op UPDATE takes the database's one write lock first), so
    sequence numbers have no gaps and each hash covers the one before it.

    The log remembers the head it last wrote. An append first moves the head with an
    UPDATE that matches only that remembered (seq, hash): when it matches, the row is
    locked and no other writer came in between, so the entries computed from it are right;
    when it does not (another process or connection appended, or a transaction rolled
    back), the head is read under the lock and the entries are computed again.
    """

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._head: tuple[int, bytes] | None = None  # (seq, hash) this log last wrote
        self._stamp: tuple[dt.datetime, bytes] | None = None  # the last time formatted

    # writing ----------------------------------------------------------------------------

    def append(self, conn: Connection, events: Sequence[AuditEvent]) -> list[AuditEntry]:
        """Append ``events`` in the caller's transaction: they commit or roll back with it."""
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            return self.append_cursor(cursor, conn.dialect.name, events, take_lock=True)
        finally:
            cursor.close()

    def append_cursor(
        self,
        cursor: Any,
        dialect: str,
        events: Sequence[AuditEvent],
        *,
        take_lock: bool = False,
        entries: bool = True,
    ) -> list[AuditEntry]:
        """:meth:`append` on a DBAPI cursor inside the caller's transaction (the vault's
        hot path, see ``Store.transaction``, which already holds SQLite's write lock).

        ``take_lock``: on SQLite, take the write lock first with a no-op UPDATE; reading
        the head before holding it could read a head another writer is about to move.
        ``entries=False`` skips building the returned entries (the vault does not read them).
        """
        if not events:
            return []
        for event in events:
            if not isinstance(event, AuditEvent):
                raise TypeError("append takes AuditEvent objects")
        parts = [(e._head, e._middle, e._tail) for e in events]
        rows, at = self._append(cursor, dialect, parts, take_lock)
        if not entries:
            return []
        text = at.decode("ascii")
        return [
            AuditEntry(s, text, e.actor, e.action, e.subject, e.purpose, e.items, e.detail, h)
            for (s, h, _), e in zip(rows, events, strict=True)
        ]

    def append_about(
        self,
        cursor: Any,
        dialect: str,
        templates: Sequence[AuditEvent],
        subjects: Sequence[str | None],
    ) -> None:
        """Append ``templates[i].with_subject(subjects[i])`` for each i, on a DBAPI cursor
        in the caller's transaction, without making those events: the vault's streams of
        uses and imports, where events differ by little more than the subject."""
        if len(templates) != len(subjects):
            raise ValueError("one template per subject")
        for template in {id(t): t for t in templates}.values():
            if not isinstance(template, AuditEvent):
                raise TypeError("append takes AuditEvent objects")
        parts = [
            (t._head, t._middle, subject_tail(s)) for t, s in zip(templates, subjects, strict=True)
        ]
        if parts:
            self._append(cursor, dialect, parts, False)

    def _append(
        self, cursor: Any, dialect: str, parts: list[tuple[bytes, bytes, bytes]], take_lock: bool
    ) -> tuple[list[tuple[int, bytes, bytes]], bytes]:
        """Chain and insert entries given as (head, middle, tail); the rows and their time."""
        qmark = dialect == "sqlite"
        if qmark and take_lock:
            cursor.execute("UPDATE audit_head SET seq = seq WHERE id = 1")
        now = self._clock.now()
        stamp = self._stamp
        if stamp is None or stamp[0] != now:
            stamp = self._stamp = (now, format_at(now).encode("ascii"))
        at = stamp[1]
        remembered = self._head
        rows: list[tuple[int, bytes, bytes]] = []
        if remembered is not None:
            seq, prev = _chain_rows(remembered, at, parts, rows)
            cursor.execute(
                _MOVE_HEAD if qmark else _MOVE_HEAD.replace("?", "%s"),
                (seq, prev, *remembered),
            )
            if cursor.rowcount != 1:  # another writer moved the head: read it, start again
                remembered = None
                rows.clear()
        if remembered is None:
            lock = "" if qmark else " FOR UPDATE"
            cursor.execute(f"SELECT seq, hash FROM audit_head WHERE id = 1{lock}")
            row = cursor.fetchone()
            if row is None:
                raise StoreError(
                    "the audit_head row is missing: the audit log cannot be appended to"
                )
            seq, prev = _chain_rows((int(row[0]), bytes(row[1])), at, parts, rows)
            cursor.execute(_SET_HEAD if qmark else _SET_HEAD.replace("?", "%s"), (seq, prev))
        if len(rows) == 1:
            cursor.execute(_INSERT if qmark else _INSERT.replace("?", "%s"), rows[0])
        else:
            insert_rows(cursor, dialect, "audit_log", _COLUMNS, rows, blobs=(1, 2))
        self._head = (seq, prev)  # checked by the next append, so a rollback is harmless
        return rows, at

    def record(self, event: AuditEvent) -> AuditEntry:
        """Append one event in a transaction of its own."""
        with self._store.engine.begin() as conn:
            return self.append(conn, [event])[0]

    # reading ----------------------------------------------------------------------------

    def get(self, seq: int) -> AuditEntry:
        """The entry ``seq``; :class:`AuditEntryNotFound` when there is none."""
        with self._store.engine.connect() as conn:
            sql = _sql(conn, "SELECT hash, canonical FROM audit_log WHERE seq = ?")
            row = conn.exec_driver_sql(sql, (seq,)).first()
        if row is None:
            raise AuditEntryNotFound(f"there is no audit entry {seq}")
        return AuditEntry.from_canonical(row[1], row[0])

    def tail(self, n: int = 20) -> list[AuditEntry]:
        """The newest ``n`` entries, oldest first."""
        if n <= 0:
            return []
        with self._store.engine.connect() as conn:
            sql = _sql(conn, "SELECT hash, canonical FROM audit_log ORDER BY seq DESC LIMIT ?")
            rows = conn.exec_driver_sql(sql, (n,)).all()
        return [AuditEntry.from_canonical(c, h) for h, c in reversed(rows)]

    def count(self) -> int:
        """How many entries the log holds."""
        with self._store.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one())

    def export(
        self, since: dt.datetime | None = None, until: dt.datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        """Entries with ``since <= at < until`` (aware datetimes; None = open), oldest first,
        as dicts for JSON Lines. Reads a page at a time; entries appended meanwhile are not
        included."""
        lower = None if since is None else format_at(since)
        upper = None if until is None else format_at(until)
        return self._export(lower, upper)

    def _export(self, lower: str | None, upper: str | None) -> Iterator[dict[str, Any]]:
        with self._store.engine.connect() as conn:
            top = conn.exec_driver_sql("SELECT max(seq) FROM audit_log").scalar() or 0
            collate = ' COLLATE "C"' if conn.dialect.name == "postgresql" else ""
        clauses = ["seq > ?", "seq <= ?"]
        bounds: list[Any] = []
        if lower is not None:
            clauses.append(f"at{collate} >= ?")
            bounds.append(lower)
        if upper is not None:
            clauses.append(f"at{collate} < ?")
            bounds.append(upper)
        text = (
            f"SELECT seq, hash, canonical FROM audit_log WHERE {' AND '.join(clauses)}"
            f" ORDER BY seq LIMIT {_EXPORT_PAGE}"
        )
        last = 0
        while True:
            with self._store.engine.connect() as conn:
                rows = conn.exec_driver_sql(_sql(conn, text), (last, top, *bounds)).all()
            for _, h, c in rows:
                yield AuditEntry.from_canonical(c, h).to_dict()
            if len(rows) < _EXPORT_PAGE:
                return
            last = rows[-1][0]

    # checkpoints ------------------------------------------------------------------------

    def checkpoint(
        self,
        signer: Ed25519PrivateKey,
        key_id: str,
        *,
        first_seq: int = 1,
        last_seq: int | None = None,
        actor: str = "mamori",
    ) -> Checkpoint:
        """Sign the Merkle root over entries ``first_seq..last_seq`` (default: to the head).

        The chain over the range is verified first: mamori does not sign a broken chain
        (:class:`AuditChainBroken`). The checkpoint is stored, and a ``checkpoint`` entry
        records it. Keep ``to_json()`` of the result outside the database.
        """
        with self._store.engine.connect() as conn:
            head = int(conn.exec_driver_sql("SELECT seq FROM audit_head WHERE id = 1").scalar_one())
        last = head if last_seq is None else last_seq
        if head == 0:
            raise AuditRangeError("the audit log is empty: there is nothing to checkpoint")
        if not 1 <= first_seq <= last <= head:
            raise AuditRangeError(
                f"entries {first_seq}..{last} are not a range of the log (1..{head})"
            )
        scan = _scan.run(
            self._store, lo=first_seq, hi=last, origin=first_seq, merkle=True, ends=[last]
        )
        if scan.problem is not None:
            seq, text = scan.problem
            raise AuditChainBroken(f"{text}; no checkpoint was signed", seq)
        root = scan.root(first_seq, last)
        if root is None:  # pragma: no cover - a complete scan computes every part
            raise AuditChainBroken("the Merkle root could not be computed", None)
        now = self._clock.now().astimezone(dt.UTC)
        checkpoint = Checkpoint.sign(signer, key_id, first_seq, last, root, now)
        detail = {"first_seq": first_seq, "last_seq": last, "root": root.hex(), "key_id": key_id}
        event = AuditEvent(actor=actor, action="checkpoint", detail=detail)
        with self._store.engine.begin() as conn:
            conn.execute(
                insert(AuditCheckpointRow),
                {
                    "first_seq": checkpoint.first_seq,
                    "last_seq": checkpoint.last_seq,
                    "root": checkpoint.root,
                    "signature": checkpoint.signature,
                    "key_id": checkpoint.key_id,
                    "public_key": checkpoint.public_key,
                    "created_at": checkpoint.created_at,
                },
            )
            self.append(conn, [event])
        return checkpoint

    def checkpoints(self) -> list[Checkpoint]:
        """The checkpoints stored in the database, oldest first."""
        with self._store.engine.connect() as conn:
            return self._stored(conn)

    @staticmethod
    def _stored(conn: Connection) -> list[Checkpoint]:
        table = AuditCheckpointRow.__table__
        out = []
        for row in conn.execute(select(table).order_by(table.c.id)).mappings():
            created = row["created_at"]
            if created.tzinfo is None:  # SQLite keeps no offset; mamori stores UTC
                created = created.replace(tzinfo=dt.UTC)
            out.append(
                Checkpoint(
                    first_seq=row["first_seq"],
                    last_seq=row["last_seq"],
                    root=bytes(row["root"]),
                    key_id=row["key_id"],
                    public_key=bytes(row["public_key"]),
                    signature=bytes(row["signature"]),
                    created_at=created,
                )
            )
        return out

    # verifying --------------------------------------------------------------------------

    def verify(
        self,
        *,
        checkpoints: Sequence[Checkpoint] = (),
        public_key: bytes | None = None,
        workers: int | None = None,
    ) -> VerifyReport:
        """Recompute the chain from the database alone and check every checkpoint.

        Catches a changed, deleted, moved or inserted entry, a head that disagrees with the
        last entry, entries a checkpoint covers that are gone, a rewritten range under a
        checkpoint, a bad signature, and a query column redefined to show other values.
        Stored checkpoints are checked with the key they carry; the given ones (files kept
        elsewhere) with ``public_key`` when it is given. ``workers`` caps the processes
        (default: one per CPU for a large SQLite log).
        """
        started = time.perf_counter()
        with self._store.engine.connect() as conn:
            state = _State.read(conn)
            schema = _schema.check(conn)
            stored = self._stored(conn)
        problems = list(state.problems)
        if schema is not None:
            problems.append(schema)
        cps = [(cp, cp.public_key) for cp in stored]
        cps += [(cp, public_key or cp.public_key) for cp in checkpoints]
        last = max(state.head, state.top)
        ends = sorted({cp.last_seq for cp, _ in cps if cp.first_seq == 1 and cp.last_seq <= last})
        scan = _scan.run(
            self._store, lo=1, hi=last, origin=1, merkle=bool(ends), ends=ends, workers=workers
        )
        if scan.problem is not None:
            seq, text = scan.problem
            if seq > state.top:
                text = f"entries {seq}..{state.head} are missing: the head is at {state.head}"
            problems.append((seq, text))
        verified = 0
        roots: dict[tuple[int, int], bytes | None] = {}
        for cp, key in cps:
            problem = _checkpoint_problem(cp, key, state.top)
            if problem is None:
                span = (cp.first_seq, cp.last_seq)
                if span not in roots:
                    roots[span] = self._root(scan, *span, workers)
                if roots[span] is None:  # the scan stopped at an earlier problem
                    continue
                verified += 1
                if roots[span] != cp.root:
                    span_text = f"entries {cp.first_seq}..{cp.last_seq}"
                    problem = (
                        cp.first_seq,
                        f"{cp.label()}: {span_text} do not match the signed root",
                    )
            if problem is not None:
                problems.append(problem)
        numbered = [p for p in problems if p[0] is not None]
        first = min(numbered, key=lambda p: p[0] or 0) if numbered else next(iter(problems), None)
        return VerifyReport(
            ok=not problems,
            entries_checked=scan.checked,
            first_bad_seq=first[0] if first else None,
            problem=first[1] if first else None,
            seconds=time.perf_counter() - started,
            checkpoints_checked=verified,
            processes=scan.processes,
        )

    def _root(
        self, scan: _scan.ScanResult, first: int, last: int, workers: int | None
    ) -> bytes | None:
        if first == 1:
            return scan.root(1, last)
        if scan.problem is not None and scan.problem[0] <= last:
            return None
        own = _scan.run(
            self._store,
            lo=first,
            hi=last,
            origin=first,
            chain=False,
            merkle=True,
            ends=[last],
            workers=workers,
        )
        return None if own.problem is not None else own.root(first, last)

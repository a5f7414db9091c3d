"""Jobs recorded in the database: queued, claimed under a lease, done or failed.

A worker claims a job by taking a lease; a worker that dies leaves the lease to expire,
and the next claim takes the job again. Jobs must therefore be safe to run again (the
request fulfilment records its progress and skips what is done).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from mamori.clock import Clock
from mamori.errors import NotFound
from mamori.store import Store, read_time

__all__ = ["Job", "JobQueue"]

_COLUMNS = "id, kind, ref, state, attempts, owner, lease_until, error, created_at, updated_at"


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    ref: str
    state: str  # queued, running, done, failed
    attempts: int
    owner: str | None
    lease_until: dt.datetime | None
    error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "ref": self.ref,
            "state": self.state,
            "attempts": self.attempts,
            "owner": self.owner,
            "lease_until": self.lease_until.isoformat() if self.lease_until else None,
            "error": self.error,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def _job(row: Any) -> Job:
    ident, kind, ref, state, attempts, owner, lease, error, created, updated = row
    return Job(
        int(ident), kind, ref, state, int(attempts), owner,
        read_time(lease) if lease is not None else None, error,
        read_time(created), read_time(updated),
    )  # fmt: skip


class JobQueue:
    def __init__(self, store: Store, clock: Clock, *, lease_seconds: float = 300.0) -> None:
        self._store = store
        self._clock = clock
        self._lease = dt.timedelta(seconds=lease_seconds)
        self._qmark = store.dialect == "sqlite"

    def enqueue(self, kind: str, ref: str) -> Job:
        """Queue a job; an unfinished job of the same kind and ref is returned instead."""
        now = self._store.timestamp(self._clock.now())
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql(
                    f"SELECT {_COLUMNS} FROM jobs WHERE kind = ? AND ref = ? "
                    "AND state IN ('queued', 'running') ORDER BY id"
                ),
                (kind, ref),
            )
            row = cur.fetchone()
            if row is not None:
                return _job(row)
            cur.execute(
                self._store.sql(
                    "INSERT INTO jobs (kind, ref, state, attempts, created_at, updated_at) "
                    "VALUES (?, ?, 'queued', 0, ?, ?)"
                ),
                (kind, ref, now, now),
            )
        return self.latest(kind, ref)

    def claim(self, owner: str, job_id: int | None = None) -> Job | None:
        """Take the oldest job that is queued or whose lease ran out (``job_id``: that
        one only), under a lease for ``owner``."""
        now = self._clock.now()
        stamp = self._store.timestamp(now)
        lock = "" if self._qmark else " FOR UPDATE SKIP LOCKED"
        where = "(state = 'queued' OR (state = 'running' AND lease_until < ?))"
        params: tuple[Any, ...] = (stamp,)
        if job_id is not None:
            where += " AND id = ?"
            params += (job_id,)
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql(
                    f"SELECT {_COLUMNS} FROM jobs WHERE {where} ORDER BY id LIMIT 1{lock}"
                ),
                params,
            )
            row = cur.fetchone()
            if row is None:
                return None
            lease = self._store.timestamp(now + self._lease)
            cur.execute(
                self._store.sql(
                    "UPDATE jobs SET state = 'running', owner = ?, lease_until = ?, "
                    "attempts = attempts + 1, updated_at = ? WHERE id = ?"
                ),
                (owner, lease, stamp, row[0]),
            )
        return self.get(int(row[0]))

    def finish(self, job_id: int, *, error: str | None = None) -> Job:
        state = "failed" if error else "done"
        with self._store.transaction() as cur:
            cur.execute(
                self._store.sql(
                    "UPDATE jobs SET state = ?, error = ?, lease_until = NULL, updated_at = ? "
                    "WHERE id = ?"
                ),
                (state, error, self._store.timestamp(self._clock.now()), job_id),
            )
        return self.get(job_id)

    def get(self, job_id: int) -> Job:
        with self._store.transaction(write=False) as cur:
            cur.execute(self._store.sql(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?"), (job_id,))
            row = cur.fetchone()
        if row is None:
            raise NotFound(f"no job {job_id}")
        return _job(row)

    def latest(self, kind: str, ref: str) -> Job:
        with self._store.transaction(write=False) as cur:
            cur.execute(
                self._store.sql(
                    f"SELECT {_COLUMNS} FROM jobs WHERE kind = ? AND ref = ? ORDER BY id DESC"
                ),
                (kind, ref),
            )
            row = cur.fetchone()
        if row is None:
            raise NotFound(f"no {kind} job for {ref}")
        return _job(row)

    def query(self, state: str | None = None) -> list[Job]:
        where, params = ("WHERE state = ?", (state,)) if state else ("", ())
        with self._store.transaction(write=False) as cur:
            cur.execute(self._store.sql(f"SELECT {_COLUMNS} FROM jobs {where} ORDER BY id"), params)
            return [_job(r) for r in cur.fetchall()]

"""Running :func:`mamori.audit._chain.scan` over a range: here, or over several processes.

Python computes one SHA-256 per entry at best around a million per second per core, and
reading rows costs about as much again, so a large SQLite log is split at block
boundaries: this process takes the first part and ``python -I -S _chain.py`` workers (the
standard library only: no import of mamori, ~30 ms to start) take the others, each with
its own read-only connection. Entries below the head never change, so the parts need no
shared snapshot. A worker that cannot start or fails is replaced by a scan in-process.
PostgreSQL and in-memory SQLite are scanned in-process through the store's connection.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mamori.audit import _chain
from mamori.store import Store

__all__ = ["BLOCK", "PARALLEL_MIN", "ScanResult", "run"]

BLOCK = 65536  # entries per read and per Merkle block: a power of two
PARALLEL_MIN = 200_000  # fewer entries than this are not worth a second process
MAX_WORKERS = 8


@dataclass
class ScanResult:
    block: int = BLOCK
    checked: int = 0
    problem: tuple[int, str] | None = None
    roots: dict[int, bytes] = field(default_factory=dict)
    subtrees: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict)
    processes: int = 1

    def add(self, raw: dict[str, Any]) -> None:
        self.checked += raw["checked"]
        if raw["problem"] is not None:
            seq, text = raw["problem"]
            if self.problem is None or seq < self.problem[0]:
                self.problem = (seq, text)
        for index, root in raw.get("roots", {}).items():
            self.roots[int(index)] = bytes.fromhex(root)
        for end, covers in raw.get("subtrees", {}).items():
            self.subtrees[int(end)] = [(size, bytes.fromhex(root)) for size, root in covers]

    def root(self, origin: int, last: int) -> bytes | None:
        """The Merkle root over ``origin..last``, or None when a part was not computed."""
        block = self.block
        stack: list[tuple[int, bytes]] = []
        for index in range((last - origin) // block):
            root = self.roots.get(index)
            if root is None:
                return None
            _chain.push(stack, block, root)
        tail = self.subtrees.get(last)
        if tail is None:
            return None
        for size, root in tail:
            _chain.push(stack, size, root)
        return _chain.fold(stack)


def sqlite_file(store: Store) -> str | None:
    """The path of the store's SQLite file, when other processes can open it."""
    if store.dialect != "sqlite" or store.url.query:
        return None
    database = store.url.database or ""
    if database in ("", ":memory:") or not Path(database).is_file():
        return None
    return str(Path(database).resolve())


def run(
    store: Store,
    *,
    lo: int,
    hi: int,
    origin: int,
    chain: bool = True,
    merkle: bool = False,
    ends: Sequence[int] = (),
    workers: int | None = None,
    block: int | None = None,
) -> ScanResult:
    """Scan entries ``lo..hi`` (``lo - origin`` a multiple of the block size)."""
    block = block or BLOCK
    result = ScanResult(block=block)
    if hi < lo:
        return result
    path = sqlite_file(store)
    blocks = (hi - lo) // block + 1
    if workers is None:
        workers = min(_cpus(), MAX_WORKERS) if hi - lo + 1 >= PARALLEL_MIN else 1
    count = max(1, min(workers, blocks)) if path is not None and sys.executable else 1
    bounds = [lo + (blocks * k // count) * block for k in range(count)] + [hi + 1]
    jobs = [
        {
            "lo": start,
            "hi": min(stop - 1, hi),
            "origin": origin,
            "block": block,
            "chain": chain,
            "merkle": merkle,
            "ends": [e for e in ends if start <= e < stop],
        }
        for start, stop in itertools.pairwise(bounds)
    ]
    result.processes = count
    if path is None:
        result.add(_in_store(store, jobs[0]))
        return result
    started = [(job, _start(path, job)) for job in jobs[1:]]
    try:
        result.add(_in_file(path, jobs[0]))
        for job, process in started:
            result.add(_finish(process) or _in_file(path, job))
    finally:
        for _, process in started:
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate()
    return result


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _in_store(store: Store, job: dict[str, Any]) -> dict[str, Any]:
    with store.engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            return _chain.scan(cursor, conn.dialect.paramstyle, **job)
        finally:
            cursor.close()


def _in_file(path: str, job: dict[str, Any]) -> dict[str, Any]:
    con = _chain.open_sqlite(path)
    try:
        return _chain.scan(con.cursor(), "qmark", **job)
    finally:
        con.close()


def _start(path: str, job: dict[str, Any]) -> subprocess.Popen[bytes] | None:
    argument = json.dumps({"path": path, **job})
    try:
        return subprocess.Popen(
            [sys.executable, "-I", "-S", _chain.__file__, argument],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


def _finish(process: subprocess.Popen[bytes] | None) -> dict[str, Any] | None:
    if process is None:
        return None
    out, _ = process.communicate()
    if process.returncode != 0:
        return None
    try:
        raw = json.loads(out)
    except ValueError:
        return None
    return raw if isinstance(raw, dict) and "checked" in raw else None

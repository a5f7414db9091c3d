"""A web server's thread pool reads and writes through one SQLite store without waiting
for connections: every thread keeps its own, and there are more threads than a default
connection pool holds."""

from __future__ import annotations

import threading
from pathlib import Path

from mamori.store import Store


def test_sixty_threads_each_get_a_connection_at_once(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        store.upgrade()
        threads = 60
        ready = threading.Barrier(threads, timeout=20)
        results: list[int] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                with store.transaction(write=False) as cur:
                    cur.execute("SELECT 1")
                    ready.wait()  # every thread holds its connection at the same time
                    results.append(cur.fetchone()[0])
            except BaseException as exc:
                errors.append(exc)

        pool = [threading.Thread(target=work) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=30)
        assert errors == [] and results == [1] * threads
    finally:
        store.close()

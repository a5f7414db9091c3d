"""Running jobs: in a thread of ``mamori serve`` by default, or as Celery tasks on other
machines (``mamori worker``). Both claim the job in the database first, so a job runs in
one place at a time, and a crashed run is taken again when its lease runs out."""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import TYPE_CHECKING

from mamori.errors import MamoriError
from mamori.jobs.queue import Job

if TYPE_CHECKING:
    from mamori.core import Mamori

__all__ = ["Worker", "owner_name", "run_job"]

log = logging.getLogger("mamori.jobs")
FULFIL = "fulfil"


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]


def run_job(core: Mamori, job: Job) -> Job:
    """Run a claimed job and record how it ended."""
    from mamori.requests import Fulfiller

    try:
        if job.kind == FULFIL:
            request = Fulfiller(core).run(job.ref, actor="worker")
            error = request.error
        else:
            error = f"unknown job kind '{job.kind}'"
    except MamoriError as exc:
        error = f"{exc.code}: {exc.message}"
    except Exception as exc:
        log.exception("job %s failed", job.id)
        error = f"internal: {type(exc).__name__}"
    return core.jobs.finish(job.id, error=error)


class Worker:
    """Claims and runs jobs until stopped."""

    def __init__(self, core: Mamori, *, poll_seconds: float = 1.0) -> None:
        from mamori.retention import DailyRetention, parse_daily

        self._core = core
        self._poll = poll_seconds
        self.owner = owner_name()
        settings = core.settings
        at = parse_daily(settings.retention_daily)
        self.daily = DailyRetention(lambda: core.retention, core.clock, settings.zone, at)

    def run_once(self) -> Job | None:
        job = self._core.jobs.claim(self.owner)
        return run_job(self._core, job) if job is not None else None

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.daily.tick()
            except Exception:
                log.exception("the daily retention run failed")
            try:
                done = self.run_once()
            except Exception:
                log.exception("the job worker failed to claim a job")
                done = None
            if done is None:
                stop.wait(self._poll)

    def start(self) -> tuple[threading.Thread, threading.Event]:
        stop = threading.Event()
        thread = threading.Thread(target=self.run_forever, args=(stop,), daemon=True)
        thread.name = "mamori-jobs"
        thread.start()
        return thread, stop

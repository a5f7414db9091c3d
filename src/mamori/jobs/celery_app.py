"""Celery for running jobs on more machines: ``mamori worker`` starts workers, Redis is the
broker. A task carries only a job id; the worker claims that job in the database (so it
runs once even if delivered twice) and records how it ended. Tasks are acknowledged after
they run, so a worker that dies mid-job leaves the task to be delivered again.

Celery beat sends ``mamori.retention_tick`` every quarter of an hour; the tick runs the
day's retention once its time (``retention_daily``) has come. The day is claimed in the
database, so several beats or workers still make one run a day.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

from mamori.settings import Settings

__all__ = ["RETENTION_TICK", "RUN_JOB", "make_app", "send"]

RUN_JOB = "mamori.run_job"
RETENTION_TICK = "mamori.retention_tick"
#: Seconds between two retention ticks sent by beat.
TICK_SECONDS = 900.0


def make_app(broker_url: str) -> Celery:
    celery = Celery("mamori", broker=broker_url)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "retention-daily": {"task": RETENTION_TICK, "schedule": TICK_SECONDS},
        },
    )
    celery.task(name=RUN_JOB)(_run_job)
    celery.task(name=RETENTION_TICK)(_retention_tick)
    return celery


def _run_job(job_id: int) -> str:
    from mamori.core import Mamori
    from mamori.jobs.worker import owner_name, run_job

    with Mamori.open(Settings.load()) as core:
        job = core.jobs.claim(owner_name(), job_id=job_id)
        if job is None:
            return "not claimable (done, or running elsewhere)"
        return run_job(core, job).state


def _retention_tick() -> str:
    """Run today's retention if its time has come and no process has run it yet."""
    from mamori.core import Mamori
    from mamori.retention import DailyRetention, parse_daily

    with Mamori.open(Settings.load()) as core:
        settings = core.settings
        at = parse_daily(settings.retention_daily)
        daily = DailyRetention(lambda: core.retention, core.clock, settings.zone, at)
        report = daily.tick()
        return (
            "not due, or already run today"
            if report is None
            else f"run of {report.today.isoformat()}"
        )


def send(settings: Settings, job_id: int) -> None:
    """Hand the job to a Celery worker."""
    make_app(settings.broker_url).send_task(RUN_JOB, args=[job_id])


def _default_broker() -> str:
    return os.environ.get("MAMORI_BROKER_URL") or Settings.load().broker_url


def __getattr__(name: str) -> Any:
    """``app`` for ``celery -A mamori.jobs.celery_app``, made when first asked for."""
    if name == "app":
        return make_app(_default_broker())
    raise AttributeError(name)

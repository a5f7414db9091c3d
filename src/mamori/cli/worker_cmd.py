"""``mamori worker``: run queued jobs (request fulfilment) outside ``mamori serve``."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import typer
from rich.text import Text

from mamori.cli._context import state
from mamori.cli._output import note, out, print_json, warn
from mamori.jobs import Job, Worker
from mamori.settings import Settings


def worker(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Run the queued jobs, then exit."),
    celery: bool = typer.Option(
        False, "--celery", help="Start a Celery worker (job_backend = celery; broker_url)."
    ),
    concurrency: int | None = typer.Option(
        None, "--concurrency", min=1, help="With --celery: worker processes (default: CPUs)."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --once: print the jobs as JSON."),
) -> None:
    """Run jobs in this process until Ctrl-C, or with --once the queued ones (exit 1 when
    one failed); with --celery, a Celery worker that takes jobs from the broker."""
    if celery and once:
        raise typer.BadParameter("--once runs jobs in this process, not with --celery")
    if concurrency is not None and not celery:
        raise typer.BadParameter(
            "--concurrency is for --celery workers", param_hint="--concurrency"
        )
    if as_json and not once:
        raise typer.BadParameter("--json goes with --once", param_hint="--json")
    st = state(ctx)
    if celery:
        _celery(st.settings(), st.config, concurrency)
        return
    with st.open() as core:
        runner = Worker(core)
        if once:
            ran: list[Job] = []
            while (job := runner.run_once()) is not None:
                ran.append(job)
            _report(ran, as_json)
            if any(j.state == "failed" for j in ran):
                raise typer.Exit(1)
            return
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        note(f"mamori worker {runner.owner}: running jobs, Ctrl-C to stop")
        try:
            runner.run_forever(stop)
        except KeyboardInterrupt:
            stop.set()
        finally:
            signal.signal(signal.SIGTERM, previous)
        note("stopped")


def _report(ran: list[Job], as_json: bool) -> None:
    if as_json:
        print_json([j.to_dict() for j in ran])
        return
    failed = sum(j.state == "failed" for j in ran)
    out.print(f"{len(ran)} job{'s' * (len(ran) != 1)} ran" + (f" ({failed} failed)" * bool(failed)))
    for j in ran:
        colour = "green" if j.state == "done" else "red"
        out.print(f"  job {j.id} ", end="")
        out.print(Text(f"{j.kind} {j.ref}: "), end="")
        out.print(Text(j.state, style=colour), end="")
        out.print(Text(f" ({j.error})" if j.error else ""))


def _celery(settings: Settings, config: Path | None, concurrency: int | None) -> None:
    """Hand over to Celery; its tasks open mamori from the same settings file."""
    from mamori.jobs.celery_app import RUN_JOB, make_app

    if settings.job_backend != "celery":
        warn(
            "job_backend is inprocess: `mamori requests fulfil` queues jobs for `mamori serve` "
            'or `mamori worker`, not Celery (set job_backend = "celery")'
        )
    if config is not None:  # the tasks load Settings themselves, in the worker processes
        os.environ["MAMORI_CONFIG"] = str(config.resolve())
    # Embedded beat sends the retention tick; the day is claimed in the database, so
    # several workers with their own beat still run retention once a day.
    argv = ["worker", "--beat", f"--loglevel={settings.log_level.upper()}"]
    if concurrency is not None:
        argv.append(f"--concurrency={concurrency}")
    note(f"mamori worker: Celery, consuming {RUN_JOB}")
    make_app(settings.broker_url).worker_main(argv)

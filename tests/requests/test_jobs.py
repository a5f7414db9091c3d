"""Jobs: claimed under a lease, taken again after a crash, run by the in-process worker or
by a Celery worker over a real Redis broker."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import Conflict
from mamori.jobs import FULFIL, Worker, run_job
from mamori.requests import RequestState
from mamori.settings import Settings

OFFICER = Actor("officer-1", "officer")
KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


@pytest.fixture
def env(tmp_path: Path, example_path: Path) -> dict[str, str]:
    return {
        "MAMORI_DATABASE_URL": f"sqlite:///{tmp_path}/m.db",
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
    }


@pytest.fixture
def core(env: dict[str, str], clock: FixedClock) -> Iterator[Mamori]:
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


def verified_erasure(core: Mamori) -> str:
    subject = core.vault.collect(None, {"name": "花子"}, "account_admin", OFFICER, "t").subject
    rid = core.requests.submit("erasure", actor="web", subject=subject).request.id
    core.requests.verify_by_staff(rid, actor="officer-1", checked=["本人確認書類"])
    return rid


def test_a_job_left_by_a_crashed_worker_is_taken_again_after_its_lease(
    core: Mamori, clock: FixedClock
) -> None:
    rid = verified_erasure(core)
    job = core.fulfil(rid, actor="officer-1")
    crashed = core.jobs.claim("worker-that-dies")
    assert crashed is not None and crashed.id == job.id  # type: ignore[union-attr]
    assert core.jobs.claim("another") is None  # leased
    clock.advance(dt.timedelta(minutes=6))
    again = core.jobs.claim("another")
    assert again is not None and again.attempts == 2 and again.owner == "another"
    assert run_job(core, again).state == "done"
    assert core.requests.get(rid).state is RequestState.completed
    with pytest.raises(Conflict):
        core.fulfil(rid, actor="officer-1")  # done: nothing to run again


def test_queueing_twice_gives_one_job_and_the_worker_runs_it(core: Mamori) -> None:
    rid = verified_erasure(core)
    first = core.fulfil(rid, actor="officer-1")
    second = core.jobs.enqueue(FULFIL, rid)
    assert first.id == second.id  # type: ignore[union-attr]
    worker = Worker(core, poll_seconds=0.01)
    thread, stop = worker.start()
    deadline = time.monotonic() + 10
    while core.jobs.get(second.id).state != "done" and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(5)
    assert core.jobs.get(second.id).state == "done"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def test_a_celery_worker_over_redis_fulfils_a_request(
    core: Mamori, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable at 127.0.0.1:6379 (required under CI=true)")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    pytest.importorskip("celery")
    from celery.contrib.testing.worker import start_worker

    from mamori.jobs.celery_app import make_app, send

    broker = "redis://127.0.0.1:6379/15"
    for name, value in {**env, "MAMORI_BROKER_URL": broker, "MAMORI_JOB_BACKEND": "celery"}.items():
        monkeypatch.setenv(name, value)
    app = make_app(broker)
    rid = verified_erasure(core)
    job = core.jobs.enqueue(FULFIL, rid)
    core.requests.start(rid, actor="officer-1")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        send(Settings.load(), job.id)
        deadline = time.monotonic() + 20
        while core.jobs.get(job.id).state != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
    assert core.jobs.get(job.id).state == "done"
    assert core.requests.get(rid).state is RequestState.completed

"""The worker of ``mamori serve`` runs retention once a day, at the configured time in the
configured zone; restarts and other processes do not run it a second time that day."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import pytest
from tests.retention.conftest import KEK, MakeCore, at, collect, count, held

from mamori.clock import FixedClock
from mamori.errors import ConfigError
from mamori.jobs import Worker
from mamori.retention import parse_daily
from mamori.settings import Settings

ACCOUNT = "  - purpose: account_admin\n    after: account_closed\n    keep: P90D\n"


def _closed_account(make_core: MakeCore, daily: str) -> tuple[Worker, str]:
    core = make_core(ACCOUNT, retention_daily=daily)
    subject = collect(core, "account_admin", {"name": "山田 花子", "email": "d@example.jp"})
    core.retention.mark_event(subject, "account_closed", actor="desk")  # 10 January
    return Worker(core), subject


def test_the_daily_run_happens_once_a_day(make_core: MakeCore, clock: FixedClock) -> None:
    worker, subject = _closed_account(make_core, "03:00")
    core = worker._core
    clock.set(at("2026-04-11 02:59"))
    assert worker.daily.tick() is None
    assert held(core, subject) == {"name", "email"}
    assert count(core, "retention_runs") == 0

    clock.set(at("2026-04-11 03:00"))
    report = worker.daily.tick()
    assert report is not None and report.today == dt.date(2026, 4, 11)
    assert [d.subject for d in report.disposed] == [subject]
    clock.set(at("2026-04-11 23:59"))
    assert worker.daily.tick() is None
    restarted = Worker(core)  # a restart, or a second process, the same day
    assert restarted.daily.tick() is None
    assert count(core, "retention_runs") == 1
    assert core.retention.last_daily() == dt.date(2026, 4, 11)
    with core.store.transaction(write=False) as cur:
        cur.execute("SELECT actor, subjects, items, finished_at FROM retention_runs")
        actor, subjects, items, finished = cur.fetchone()
    assert (actor, subjects, items) == ("retention:daily", 1, 2) and finished is not None

    clock.set(at("2026-04-12 00:30"))  # 11 April in UTC, the 12th in Japan, before 03:00
    assert restarted.daily.tick() is None
    clock.set(at("2026-04-12 03:01"))
    again = restarted.daily.tick()
    assert again is not None and again.disposed == ()
    assert count(core, "retention_runs") == 2


def test_off_never_runs(make_core: MakeCore, clock: FixedClock) -> None:
    worker, subject = _closed_account(make_core, "off")
    clock.set(at("2026-06-01 12:00"))
    assert worker.daily.tick() is None
    assert held(worker._core, subject) == {"name", "email"}
    assert count(worker._core, "retention_runs") == 0


def test_a_failed_run_gives_the_day_back_and_waits_before_trying_again(
    make_core: MakeCore, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    worker, _ = _closed_account(make_core, "03:00")
    clock.set(at("2020-01-01 03:00"))  # before the policy came into force
    with caplog.at_level(logging.ERROR, logger="mamori.retention"):
        assert worker.daily.tick() is None
        clock.set(at("2020-01-01 03:59"))
        assert worker.daily.tick() is None
        failures = [r for r in caplog.records if "failed" in r.getMessage()]
        assert len(failures) == 1
        assert count(worker._core, "retention_runs") == 0
        clock.set(at("2020-01-01 04:00"))
        assert worker.daily.tick() is None
        assert len([r for r in caplog.records if "failed" in r.getMessage()]) == 2


def test_the_worker_loop_runs_it(make_core: MakeCore, clock: FixedClock) -> None:
    core = make_core(ACCOUNT, retention_daily="03:00")
    subject = collect(core, "account_admin", {"name": "山田 花子", "email": "l@example.jp"})
    core.retention.mark_event(subject, "account_closed", actor="desk")
    clock.set(at("2026-04-11 09:00"))
    core.keys.ensure_service_keys()
    thread, stop = Worker(core, poll_seconds=0.05).start()
    try:
        deadline = time.monotonic() + 10
        while core.retention.last_daily() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert core.retention.last_daily() == dt.date(2026, 4, 11)
    deadline = time.monotonic() + 10
    while held(core, subject) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert held(core, subject) == set()


@pytest.mark.parametrize("text", ["3:00", "24:00", "03:60", "noon", "", "0300"])
def test_a_bad_time_of_day_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="retention_daily"):
        Settings.load(env={"MAMORI_RETENTION_DAILY": text})
    with pytest.raises(ValueError, match="HH:MM"):
        parse_daily(text)


def test_times_of_day_are_read() -> None:
    assert parse_daily("off") is None
    assert parse_daily("03:00") == dt.time(3, 0)
    assert parse_daily("23:59") == dt.time(23, 59)


def test_celery_beat_ticks_and_the_day_runs_once(
    make_core: MakeCore, monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> None:
    """With ``job_backend = celery`` the schedule comes from beat: its tick opens mamori from
    the settings (the system clock: the account closed on 10 January is long past 90 days)."""
    from mamori.jobs.celery_app import RETENTION_TICK, TICK_SECONDS, _retention_tick, make_app

    worker, subject = _closed_account(make_core, "00:00")
    app = make_app("memory://")
    assert app.conf.beat_schedule["retention-daily"] == {
        "task": RETENTION_TICK,
        "schedule": TICK_SECONDS,
    }
    assert RETENTION_TICK in app.tasks
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_KEK": KEK,
        "MAMORI_RETENTION_DAILY": "00:00",
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no mamori.toml of the checkout's
    assert _retention_tick().startswith("run of ")
    assert held(worker._core, subject) == set()
    assert _retention_tick() == "not due, or already run today"
    assert count(worker._core, "retention_runs") == 1

"""The daily run: the in-process worker (``mamori serve``) asks :meth:`DailyRetention.tick`
on every turn of its loop; once the configured time of day has come in the configured
zone, the day's run is made once. The day is claimed in the database (``retention_runs``),
so a restart, or a second process, does not run it again that day."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from mamori.clock import Clock
from mamori.retention.model import RunReport
from mamori.retention.service import Retention

__all__ = ["DailyRetention", "parse_daily"]

log = logging.getLogger("mamori.retention")
ACTOR = "retention:daily"
RETRY = dt.timedelta(hours=1)


def parse_daily(text: str) -> dt.time | None:
    """``off`` (None), or a time of day ``HH:MM``; ValueError otherwise."""
    value = text.strip().lower()
    if value == "off":
        return None
    try:
        hours, minutes = value.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"'{text}' is neither 'off' nor a time of day HH:MM (03:00)") from None


class DailyRetention:
    """Runs retention once a day at or after ``at`` (None: never)."""

    def __init__(
        self,
        retention: Callable[[], Retention],
        clock: Clock,
        zone: ZoneInfo,
        at: dt.time | None,
    ) -> None:
        self._retention = retention
        self._clock = clock
        self._zone = zone
        self._at = at
        self._done: dt.date | None = None  # the day this process knows was run
        self._retry: dt.datetime | None = None  # after a failed run, not before this

    def tick(self) -> RunReport | None:
        """Run today's retention if its time has come and nobody ran it yet; the report of
        the run made, else None."""
        if self._at is None:
            return None
        now = self._clock.now().astimezone(self._zone)
        today = now.date()
        if self._done == today or now.time() < self._at:
            return None
        if self._retry is not None and now < self._retry:
            return None
        try:
            report = self._retention().run_daily(today, actor=ACTOR)
        except Exception:
            log.exception("the retention run of %s failed; trying again later", today)
            self._retry = now + RETRY
            return None
        self._done, self._retry = today, None
        if report is not None:
            log.info(
                "retention run of %s: %d subjects, %d items disposed, %d failed, %d records purged",
                today.isoformat(),
                report.subjects,
                report.items,
                len(report.failed),
                len(report.records_purged),
            )
        return report

"""Retention (Art. 22; policy §5, deletion and disposal): the policy's rules per item and
purpose, evaluated per subject from the vault and ledgers; disposal by crypto-shredding a
whole subject or deleting expired items, each with its disposal record and audit entry;
the Art. 29-31 records purged when their periods end; a run once a day in the worker."""

from mamori.retention.daily import DailyRetention, parse_daily
from mamori.retention.duration import Period, disposal_day, keep_until
from mamori.retention.model import (
    REASON_PREFIX,
    Due,
    Method,
    RetentionRefused,
    RunReport,
    rule_label,
)
from mamori.retention.service import MARKED_EVENTS, Retention

__all__ = [
    "MARKED_EVENTS",
    "REASON_PREFIX",
    "DailyRetention",
    "Due",
    "Method",
    "Period",
    "Retention",
    "RetentionRefused",
    "RunReport",
    "disposal_day",
    "keep_until",
    "parse_daily",
    "rule_label",
]

"""Scanners: look for personal data in text, files (CSV, JSON Lines, text) and SQL
databases, summarise it per column with the policy item it belongs to, and compare a
database with the data map (``datasets``) of the policy.

    with Mamori.open() as m:
        record = m.scans.database(url, actor="cli:taro", compare_map=True)
        for column in record.result.comparison.undeclared: ...
"""

from mamori.discovery.scanners.compare import compare, dataset_for_url, declared_columns
from mamori.discovery.scanners.database import DEFAULT_SAMPLE, safe_url, scan_database
from mamori.discovery.scanners.errors import ScanInputError, ScanSourceError
from mamori.discovery.scanners.items import ENTITY_HINTS, suggest_item
from mamori.discovery.scanners.progress import SILENT, Progress
from mamori.discovery.scanners.records import AUDIT_ACTION, ScanNotFound, ScanRecords, ScanSummary
from mamori.discovery.scanners.results import (
    ColumnReport,
    Comparison,
    DeclaredColumn,
    ScanRecord,
    ScanResult,
)
from mamori.discovery.scanners.service import (
    MIN_SCORE,
    MIN_SHARE,
    MY_NUMBER_ALERT,
    Scans,
    policy_source,
)

__all__ = [
    "AUDIT_ACTION",
    "DEFAULT_SAMPLE",
    "ENTITY_HINTS",
    "MIN_SCORE",
    "MIN_SHARE",
    "MY_NUMBER_ALERT",
    "SILENT",
    "ColumnReport",
    "Comparison",
    "DeclaredColumn",
    "Progress",
    "ScanInputError",
    "ScanNotFound",
    "ScanRecord",
    "ScanRecords",
    "ScanResult",
    "ScanSourceError",
    "ScanSummary",
    "Scans",
    "compare",
    "dataset_for_url",
    "declared_columns",
    "policy_source",
    "safe_url",
    "scan_database",
    "suggest_item",
]

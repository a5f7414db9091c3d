"""Scans as a service of the core: scan text, a file or a database, compare a database
with the data map, store the result with its audit entry, and tell the officer when a
column holds My Numbers.

Suggested items come from the policy in force (the policy file before any is published);
without either, scans still run, without suggestions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from mamori.discovery import Finding, Registry, scan_text
from mamori.discovery.scanners.compare import compare, resolve_dataset
from mamori.discovery.scanners.database import DEFAULT_SAMPLE, open_engine, scan_engine
from mamori.discovery.scanners.errors import ScanInputError
from mamori.discovery.scanners.files import (
    detect_encoding,
    detect_format,
    read_chunks,
    scan_csv,
    scan_jsonl,
    scan_plain,
)
from mamori.discovery.scanners.progress import SILENT, Progress
from mamori.discovery.scanners.records import ScanRecords, ScanSummary
from mamori.discovery.scanners.results import ScanRecord, ScanResult
from mamori.discovery.scanners.tally import Detect
from mamori.errors import NoPolicyInForce
from mamori.policy.model import Item, Policy
from mamori.settings import Settings

__all__ = ["MIN_SCORE", "MIN_SHARE", "MY_NUMBER_ALERT", "AlertSink", "Scans", "policy_source"]

#: Findings scoring lower are ignored (a bare 10-digit number without context scores 0.4).
MIN_SCORE = 0.5
#: A column holds personal data when at least this share of its sampled values matched.
MIN_SHARE = 0.1
#: The alert raised for a column of My Numbers (番号法: their handling is tightly limited).
MY_NUMBER_ALERT = "mynumber_column"


class AlertSink(Protocol):
    """Where officer alerts go (``core.alerts``)."""

    def record(
        self,
        kind: str,
        *,
        summary: str,
        detail: Mapping[str, object],
        actor: str = "system",
        subject: str | None = None,
    ) -> object: ...


def policy_source(
    in_force: Callable[[], Policy], from_file: Callable[[], Policy], path: Path
) -> Callable[[], Policy | None]:
    """The policy to suggest items from: the one in force, else the policy file, else None."""

    def current() -> Policy | None:
        try:
            return in_force()
        except NoPolicyInForce:
            pass
        return from_file() if path.exists() else None

    return current


def detector(registry: Registry | None, min_score: float) -> Detect:
    def detect(value: str, context: Sequence[str]) -> Sequence[Finding]:
        found = scan_text(value, context=context, registry=registry)
        return [f for f in found if f.score >= min_score]

    return detect


class Scans:
    """``core.scans``: scan, compare, store, list."""

    def __init__(
        self,
        records: ScanRecords,
        settings: Settings,
        policy: Callable[[], Policy | None],
        alerts: Callable[[], AlertSink | None] = lambda: None,
        *,
        registry: Registry | None = None,
        min_score: float = MIN_SCORE,
        min_share: float = MIN_SHARE,
    ) -> None:
        self.records = records
        self._settings = settings
        self._policy = policy
        self._alerts = alerts
        self._registry = registry
        self._detect = detector(registry, min_score)
        self._min_score = min_score
        self._min_share = min_share

    def _items(self, policy: Policy | None) -> Mapping[str, Item]:
        return policy.items if policy is not None else {}

    # scanning ---------------------------------------------------------------------------

    def text(self, text: str, *, actor: str) -> ScanRecord:
        """Scan a text given directly; one report per entity found."""
        items = self._items(self._policy())
        columns = scan_plain(iter((text,)), self._registry, items, min_score=self._min_score)
        return self._save(ScanResult("text", "<text>", "text", columns), actor)

    def file(
        self,
        path: str | Path,
        *,
        actor: str,
        format: str | None = None,
        encoding: str | None = None,
        limit: int | None = None,
        progress: Progress = SILENT,
    ) -> ScanRecord:
        """Scan a CSV, JSON Lines or text file (format from ``format``, the extension or
        the first line; encoding UTF-8 or cp932 unless given). ``limit``: rows or records
        to read at most (all by default)."""
        path = Path(path)
        if limit is not None and limit < 1:
            raise ScanInputError(f"--limit must be at least 1, not {limit}")
        enc = detect_encoding(path, encoding)
        fmt = detect_format(path, enc, format)
        items = self._items(self._policy())
        opts: dict[str, Any] = {"min_share": self._min_share, "limit": limit, "progress": progress}
        if fmt == "csv":
            columns = scan_csv(path, enc, self._detect, items, **opts)
        elif fmt == "jsonl":
            columns = scan_jsonl(path, enc, self._detect, items, **opts)
        else:
            chunks = read_chunks(path, enc, progress)
            columns = scan_plain(chunks, self._registry, items, min_score=self._min_score)
        return self._save(ScanResult("file", str(path), fmt, columns), actor)

    def database(
        self,
        url: str,
        *,
        actor: str,
        sample: int = DEFAULT_SAMPLE,
        compare_map: bool = False,
        dataset: str | None = None,
        schema: str | None = None,
        progress: Progress = SILENT,
    ) -> ScanRecord:
        """Scan a database, sampling at most ``sample`` values per column; with
        ``compare_map`` (or a ``dataset``) compare it with that dataset of the data map."""
        policy = self._policy()
        target = None
        if compare_map or dataset is not None:
            if policy is None:
                raise ScanInputError(
                    "comparing needs a policy with datasets: publish one or set 'policy'"
                )
            target = resolve_dataset(self._settings, policy, url, dataset)
        engine, shown = open_engine(url)
        try:
            columns = scan_engine(
                engine, self._detect, self._items(policy), sample=sample,
                min_share=self._min_share, schema=schema, progress=progress, shown=shown,
            )  # fmt: skip
            kind = engine.dialect.name
        finally:
            engine.dispose()
        comparison = None
        if target is not None:
            columns, comparison = compare(columns, *target)
        result = ScanResult("db", shown, kind, columns, sample, comparison)
        return self._save(result, actor)

    # records ----------------------------------------------------------------------------

    def list(self, *, limit: int = 50) -> list[ScanSummary]:
        return self.records.list(limit=limit)

    def get(self, scan_id: str) -> ScanRecord:
        return self.records.get(scan_id)

    def _save(self, result: ScanResult, actor: str) -> ScanRecord:
        record = self.records.save(result, actor=actor)
        self._alert_my_numbers(record)
        return record

    def _alert_my_numbers(self, record: ScanRecord) -> None:
        """An officer alert per column holding My Numbers (no value in it)."""
        result = record.result
        if result.kind == "text":
            return
        alerts = self._alerts()
        if alerts is None:
            return
        comparison = result.comparison
        for column in result.columns:
            if not (column.personal and column.entity == "my_number"):
                continue
            detail: dict[str, object] = {
                "scan": record.id,
                "source": result.source[:200],
                "table": column.table,
                "column": column.column[:200],
                "share": round(column.share, 4),
                "sampled": column.sampled,
            }
            if comparison is not None:
                detail["dataset"] = comparison.dataset
                detail["declared"] = bool(column.declared)
            summary = (
                f"個人番号（マイナンバー）を保持する列 / A column holding My Numbers: "
                f"{column.location[:120]}"
            )
            alerts.record(
                MY_NUMBER_ALERT, summary=summary, detail=detail, actor=record.actor, subject=None
            )

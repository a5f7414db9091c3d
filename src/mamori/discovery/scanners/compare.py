"""The data map against what a database scan found.

A column holding personal data that no table of the dataset declares is *undeclared*; a
column the dataset declares (in ``columns`` or ``identity``) where nothing was found is
*declared but empty*, with the reason (no such table or column, a type not sampled, no
value, nothing recognised). The dataset is named, or found by its URL in the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from mamori.connectors import dataset_url
from mamori.discovery.scanners.errors import ScanInputError
from mamori.discovery.scanners.results import ColumnReport, Comparison, DeclaredColumn
from mamori.errors import ConfigError
from mamori.policy.model import Dataset, Policy
from mamori.settings import Settings

__all__ = [
    "compare",
    "dataset_for_url",
    "declared_columns",
    "resolve_dataset",
    "with_comparison",
]


def _key(url: URL) -> tuple[object, ...]:
    """What makes two URLs the same database: backend, host, port, database, user."""
    backend = url.get_backend_name()
    database: object = url.database
    if backend == "sqlite" and url.database and url.database != ":memory:":
        database = str(Path(url.database).resolve())
    return (backend, (url.host or "").lower(), url.port, database, url.username)


def dataset_for_url(
    settings: Settings, policy: Policy, url: str, *, env: Mapping[str, str] | None = None
) -> str | None:
    """The dataset of the data map whose URL (settings or environment) is ``url``'s
    database, or None."""
    try:
        wanted = _key(make_url(url))
    except ArgumentError:
        return None
    for dataset_id in policy.datasets:
        try:
            known = dataset_url(settings, dataset_id, env=env)
        except ConfigError:
            continue
        if _key(make_url(known)) == wanted:
            return dataset_id
    return None


def resolve_dataset(
    settings: Settings, policy: Policy, url: str, named: str | None
) -> tuple[str, Dataset]:
    """The dataset to compare with: ``named`` (it must exist), or the one with the URL."""
    known = ", ".join(sorted(policy.datasets)) or "none"
    if named is not None:
        if named not in policy.datasets:
            raise ScanInputError(f"the policy maps no dataset '{named}' (datasets: {known})")
        return named, policy.datasets[named]
    found = dataset_for_url(settings, policy, url)
    if found is None:
        raise ScanInputError(
            "no dataset of the policy has this database's URL (setting dataset_urls or "
            f"MAMORI_DATASET_<ID>_URL): name one with --dataset (datasets: {known})"
        )
    return found, policy.datasets[found]


def declared_columns(dataset: Dataset) -> dict[tuple[str, str], str]:
    """(table, column) -> item of every column the dataset declares, identity included."""
    declared: dict[tuple[str, str], str] = {}
    for table_name, table in dataset.tables.items():
        for column, item in table.identity.items():
            declared[(table_name, column)] = item
        for column in table.columns:
            declared[(table_name, column)] = table.column(column).item
    return declared


def _fold(name: str) -> str:
    return name.lower()


def compare(
    columns: tuple[ColumnReport, ...], dataset_id: str, dataset: Dataset
) -> tuple[tuple[ColumnReport, ...], Comparison]:
    """Each column marked declared or not, and the comparison."""
    declared = declared_columns(dataset)
    scanned_tables = {_fold(c.table) for c in columns if c.table}

    def table_key(name: str) -> str:
        """A map's table as the scan names it: with its schema, or without it."""
        folded = _fold(name)
        if folded in scanned_tables or "." not in folded:
            return folded
        return folded.split(".", 1)[1]

    by_key = {(table_key(t), _fold(c)): (t, c, item) for (t, c), item in declared.items()}
    marked: list[ColumnReport] = []
    for report in columns:
        key = (_fold(report.table or ""), _fold(report.column))
        hit = by_key.get(key)
        marked.append(report.with_declaration(hit is not None, hit[2] if hit else None))
    undeclared = tuple(c for c in marked if c.personal and not c.declared)
    reports = {(_fold(c.table or ""), _fold(c.column)): c for c in marked}
    empty: list[DeclaredColumn] = []
    for key, (table, column, item) in by_key.items():
        found = reports.get(key)
        if found is not None and found.personal:
            continue
        if found is None:
            reason = "no_column" if key[0] in scanned_tables else "no_table"
        elif found.skipped:
            reason = "skipped"
        elif found.sampled == 0:
            reason = "empty"
        else:
            reason = "not_found"
        empty.append(DeclaredColumn(table, column, item, reason))
    comparison = Comparison(dataset_id, undeclared, tuple(empty))
    return tuple(marked), comparison


def with_comparison(columns: tuple[ColumnReport, ...], comparison: Comparison) -> Comparison:
    """The comparison rebuilt from stored columns (undeclared = personal, not declared)."""
    undeclared = tuple(c for c in columns if c.personal and c.declared is False)
    return replace(comparison, undeclared=undeclared)

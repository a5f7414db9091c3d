"""``mamori scan ...``: find personal data in text, files and databases, and compare a
database with the policy's data map. Every scan is stored (masked examples only) and
audited; ``list`` and ``show`` read them back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, err, local_time, note, out, print_json
from mamori.discovery.scanners import DEFAULT_SAMPLE, ScanInputError, ScanRecord

app = typer.Typer(help="Discovery: find personal data in text, files and databases.")


class _Bar:
    """A Rich progress bar on stderr, drawn only on a terminal and never with --json."""

    def __init__(self, as_json: bool, *, in_bytes: bool) -> None:
        counter = DownloadColumn() if in_bytes else MofNCompleteColumn()
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            counter,
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json or not err.is_terminal,
        )
        self.task: TaskID | None = None

    def begin(self, label: str, total: int | None) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
        self.task = self.bar.add_task(label[:60], total=total)

    def update(self, done: int) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=done)

    def __enter__(self) -> _Bar:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)


@app.command("text")
def text_cmd(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="The text to scan ('-' reads standard input)."),
    as_json: bool = JSON,
) -> None:
    """Scan a text for personal data (nothing of the text is stored: masked examples only)."""
    if text == "-":
        text = sys.stdin.read()
    with state(ctx).open() as core:
        record = core.scans.text(text, actor=cli_actor_id())
    _show(record, as_json)


@app.command("file")
def file_cmd(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="CSV, JSON Lines or text file."),
    format: str | None = typer.Option(
        None, "--format", help="csv, jsonl or text (default: from the extension or content)."
    ),
    encoding: str | None = typer.Option(
        None, "--encoding", help="utf-8, utf-8-sig or cp932 (default: detected)."
    ),
    limit: int | None = typer.Option(
        None, "--limit", help="Read at most this many rows or records (default: all)."
    ),
    as_json: bool = JSON,
) -> None:
    """Scan a file: CSV by column, JSON Lines by key path, text with line numbers."""
    with state(ctx).open() as core, _Bar(as_json, in_bytes=True) as bar:
        record = core.scans.file(
            path, actor=cli_actor_id(), format=format, encoding=encoding, limit=limit,
            progress=bar,
        )  # fmt: skip
    _show(record, as_json)


@app.command("db")
def db_cmd(
    ctx: typer.Context,
    url: str = typer.Argument(
        ..., help="SQLAlchemy URL: sqlite:///FILE, postgresql+psycopg://..., mysql+pymysql://..."
    ),
    compare: bool = typer.Option(
        False, "--compare", help="Compare with the dataset of the data map that has this URL."
    ),
    dataset: str | None = typer.Option(
        None, "--dataset", help="Compare with this dataset (implies --compare)."
    ),
    sample: int = typer.Option(
        DEFAULT_SAMPLE, "--sample", help="Values read at most per column (never whole tables)."
    ),
    schema: str | None = typer.Option(
        None, "--schema", help="Schema to scan (default: the connection's default)."
    ),
    as_json: bool = JSON,
) -> None:
    """Scan a database's tables, column by column, from a sample of rows.

    With --compare, exit 1 when a column holding personal data is not in the data map."""
    if sample < 1:
        raise ScanInputError(f"--sample must be at least 1, not {sample}")
    with state(ctx).open() as core, _Bar(as_json, in_bytes=False) as bar:
        record = core.scans.database(
            url, actor=cli_actor_id(), sample=sample, compare_map=compare, dataset=dataset,
            schema=schema, progress=bar,
        )  # fmt: skip
    _show(record, as_json)
    comparison = record.result.comparison
    if comparison is not None and comparison.undeclared:
        raise typer.Exit(1)


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="How many, newest first."),
    as_json: bool = JSON,
) -> None:
    """The stored scans, newest first."""
    with state(ctx).open() as core:
        scans = core.scans.list(limit=limit)
        zone = core.settings.zone
    if as_json:
        print_json({"scans": [s.to_dict() for s in scans]})
        return
    if not scans:
        note("no scans yet (`mamori scan db URL`, `mamori scan file PATH`)")
        return
    table = Table("scan", "at", "kind", title="スキャン / scans")
    table.add_column("source", overflow="fold")
    for name in ("columns", "personal", "undeclared"):
        table.add_column(name, justify="right")
    for s in scans:
        undeclared = "-" if s.undeclared is None else str(s.undeclared)
        table.add_row(
            s.id, local_time(s.at, zone), s.kind, Text(s.source), str(s.columns),
            str(s.personal), undeclared,
        )  # fmt: skip
    out.print(table)


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    scan_id: str = typer.Argument(..., help="The scan id (sc_...)."),
    all_columns: bool = typer.Option(
        False, "--all", help="Show every column, not only those holding personal data."
    ),
    as_json: bool = JSON,
) -> None:
    """One stored scan: its columns and the comparison with the data map."""
    with state(ctx).open() as core:
        record = core.scans.get(scan_id)
    _show(record, as_json, all_columns=all_columns)


def _show(record: ScanRecord, as_json: bool, *, all_columns: bool = False) -> None:
    if as_json:
        print_json(record.to_dict())
        return
    result = record.result
    out.print(f"[bold]{record.id}[/] {result.kind} ", end="")
    out.print(result.source, markup=False, end="")
    out.print(f" ({result.format or '-'})", markup=False)
    shown = result.columns if all_columns else result.personal
    if result.kind == "text" or result.format == "text":
        table = Table("entity", "count", "lines", "item", title="見つかった個人データ / found")
        table.add_column("examples (masked)", overflow="fold")
        for c in shown:
            lines = ", ".join(str(n) for n in c.lines)
            table.add_row(
                c.column, str(sum(c.entities.values())), lines, c.suggested_item or "-",
                Text(", ".join(c.examples)),
            )  # fmt: skip
    else:
        table = Table("column", "entity", "share", "item", title="列ごとの結果 / by column")
        compared = result.comparison is not None
        if compared:
            table.add_column("declared")
        table.add_column("examples (masked)", overflow="fold")
        for c in shown:
            share = "-" if c.skipped else f"{c.share:.0%} of {c.sampled}"
            entity = c.entity or (f"({c.skipped})" if c.skipped else "-")
            row: list[str | Text] = [Text(c.location), entity, share, c.suggested_item or "-"]
            if compared:
                row.append(_declared(c.declared, c.declared_item))
            row.append(Text(", ".join(c.examples)))
            table.add_row(*row)
    if shown:
        out.print(table)
    else:
        out.print("個人データは見つかりませんでした / no personal data found")
    if result.comparison is not None:
        _print_comparison(record)


def _declared(declared: bool | None, item: str | None) -> str:
    if declared is None:
        return "-"
    return f"yes ({item})" if declared else "[red]NO[/]"


def _print_comparison(record: ScanRecord) -> None:
    comparison = record.result.comparison
    assert comparison is not None
    out.print(f"データマップ / data map: dataset [bold]{comparison.dataset}[/]")
    if comparison.undeclared:
        table = Table("column", "entity", "share", "suggested item",
                      title="データマップにない個人データ / undeclared personal data")  # fmt: skip
        for c in comparison.undeclared:
            table.add_row(Text(c.location), c.entity or "-", f"{c.share:.0%}",
                          c.suggested_item or "-")  # fmt: skip
        out.print(table)
    if comparison.declared_empty:
        table = Table("column", "item", "reason",
                      title="申告済みだが見つからない / declared, nothing found")  # fmt: skip
        for d in comparison.declared_empty:
            table.add_row(Text(f"{d.table}.{d.column}"), d.item, d.reason)
        out.print(table)
    if comparison.matches:
        out.print("[green]ok[/] データマップと一致 / the data map matches the scan")

"""``mamori subjects ...``: import, find, show and erase the subjects in the vault."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from mamori.cli._actor import ROLE, cli_actor
from mamori.cli._context import state
from mamori.cli._output import JSON, err, note, out, print_json, write_atomically
from mamori.errors import ConfigError
from mamori.vault import Collected, Refused, Use

app = typer.Typer(help="Subjects (本人) and their data in the vault.")


@dataclass(frozen=True)
class _Row:
    line: int
    subject: str | None
    values: dict[str, object]
    problem: str | None = None


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, item = pair.partition("=")
        if not sep or not column.strip() or not item.strip():
            raise typer.BadParameter(f"'{pair}' is not COLUMN=ITEM", param_hint="--map")
        mapping[column.strip()] = item.strip()
    return mapping


def _rows(path: Path, fmt: str, mapping: Mapping[str, str], subject_column: str) -> Iterator[_Row]:
    def convert(line: int, record: Mapping[str, object]) -> _Row:
        subject = record.get(subject_column)
        values = {
            mapping.get(k, k): v
            for k, v in record.items()
            if k != subject_column and v not in (None, "")
        }
        return _Row(line, str(subject) if subject else None, values)

    with path.open(encoding="utf-8-sig", newline="") as fh:
        if fmt == "csv":
            reader = csv.DictReader(fh)
            if reader.fieldnames is None:
                raise ConfigError(f"{path}: the CSV file has no header row")
            for record in reader:
                if None in record:
                    yield _Row(reader.line_num, None, {}, "too_many_columns")
                    continue
                yield convert(reader.line_num, record)
        else:
            for number, text in enumerate(fh, 1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError:
                    yield _Row(number, None, {}, "malformed_json")
                    continue
                if not isinstance(record, dict):
                    yield _Row(number, None, {}, "not_an_object")
                    continue
                yield convert(number, record)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV (with a header) or JSON Lines file.", exists=True),
    purpose: str = typer.Option(..., "--purpose", "-p", help="The purpose it was collected for."),
    role: str = ROLE,
    mapping: list[str] = typer.Option([], "--map", help="COLUMN=ITEM, when names differ."),
    subject_column: str = typer.Option("subject", help="Column holding existing subject ids."),
    source: str | None = typer.Option(None, help="Where the data came from (default: file)."),
    errors: Path | None = typer.Option(None, "--errors", help="Write refused rows (JSONL)."),
    as_json: bool = JSON,
) -> None:
    """Collect subjects from a file; a refused row stores nothing and is reported."""
    fmt = "jsonl" if file.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"
    columns = _mapping(mapping)
    rows = list(_rows(file, fmt, columns, subject_column))
    good = [r for r in rows if r.problem is None]
    refused: list[tuple[int, dict[str, str]]] = [
        (r.line, {"-": r.problem}) for r in rows if r.problem is not None
    ]
    created = updated = 0
    columns_ = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with state(ctx).open() as core, Progress(*columns_, console=err, transient=True) as bar:
        task = bar.add_task("import", total=len(rows), completed=len(rows) - len(good))
        results = core.vault.collect_many(
            ((r.subject, r.values) for r in good),
            purpose,
            cli_actor(role),
            source or f"import:{file.name}",
        )
        for result in results:
            if isinstance(result, Refused):
                refused.append((good[result.index].line, dict(result.problems)))
            elif isinstance(result, Collected):
                created += result.created
                updated += not result.created
            bar.advance(task)
    refused.sort()
    report = [{"line": line, "problems": problems} for line, problems in refused]
    if errors is not None:
        write_atomically(errors, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in report))
    if as_json:
        print_json({"rows": len(rows), "created": created, "updated": updated, "errors": report})
    else:
        out.print(
            f"{len(rows)} rows: {created} subjects created, {updated} updated, "
            f"{len(refused)} refused"
        )
        for line, problems in refused[:50]:
            text = ", ".join(f"{k}: {v}" for k, v in problems.items())
            err.print(Text(f"  {file}:{line}: {text}"))
        if len(refused) > 50:
            note(f"  ... and {len(refused) - 50} more (use --errors FILE)")
    if refused:
        raise typer.Exit(1)


@app.command()
def find(
    ctx: typer.Context,
    email: str | None = typer.Option(None, "--email", help="Find by email address."),
    phone: str | None = typer.Option(None, "--phone", help="Find by phone number."),
    token: str | None = typer.Option(None, "--device-token", help="Find by device token."),
    as_json: bool = JSON,
) -> None:
    """Find subject ids by email, phone or device token (blind index; no values shown)."""
    given = [(i, v) for i, v in (("email", email), ("phone", phone), ("device_token", token)) if v]
    if len(given) != 1:
        raise typer.BadParameter("give exactly one of --email, --phone, --device-token")
    item, value = given[0]
    with state(ctx).open() as core:
        found = core.vault.find(item, value)
    if as_json:
        print_json({"item": item, "subjects": found})
    elif not found:
        out.print("no subject found")
    else:
        for sid in found:
            out.print(sid)


@app.command()
def show(
    ctx: typer.Context,
    subject: str = typer.Argument(..., help="Subject id."),
    purpose: str = typer.Option(..., "--purpose", "-p", help="Why you need to see it."),
    role: str = ROLE,
    as_json: bool = JSON,
) -> None:
    """Show every item of a subject your role may see for PURPOSE (the use is recorded)."""
    with state(ctx).open() as core:
        access = core.access()
        items = sorted(access.purpose_items(purpose) & access.role_items(role)) or sorted(
            access.purpose_items(purpose)
        )
        use = core.vault.use(subject, items or ["-"], purpose, cli_actor(role))
    _print_use(use, as_json)
    if not use.allowed:
        raise typer.Exit(1)


@app.command()
def erase(
    ctx: typer.Context,
    subject: str = typer.Argument(..., help="Subject id."),
    reason: str = typer.Option(..., "--reason", help="Why (a request id or a short note)."),
    role: str = ROLE,
    as_json: bool = JSON,
) -> None:
    """Erase a subject: its data key is destroyed, a disposal record is kept."""
    with state(ctx).open() as core:
        erased = core.vault.erase(subject, cli_actor(role), reason)
    if as_json:
        print_json(erased.to_dict())
    else:
        out.print(f"erased {erased.subject}: {', '.join(erased.items) or 'no items'}")


def _print_use(use: Use, as_json: bool) -> None:
    if as_json:
        print_json(use.to_dict())
        return
    decision = use.decision
    if not use.allowed:
        out.print(f"[red]denied[/]: {', '.join(decision.reasons)} (recorded)")
        return
    table = Table("item", "value", title=f"{decision.subject} for {decision.purpose}")
    for item, value in use.values.items():
        table.add_row(item, Text(value))
    out.print(table)
    if decision.flagged:
        out.print(f"[yellow]allowed under Art. 18(3) {decision.exception}; flagged for the officer")


def use_command(
    ctx: typer.Context,
    subject: str = typer.Argument(..., help="Subject id."),
    items: str = typer.Option(..., "--items", "-i", help="Comma-separated item ids."),
    purpose: str = typer.Option(..., "--purpose", "-p", help="The purpose of this use."),
    role: str = ROLE,
    exception: str | None = typer.Option(
        None, "--exception", help="An Art. 18(3) exception for use beyond the purposes."
    ),
    note_: str | None = typer.Option(None, "--note", help="Required with --exception."),
    as_json: bool = JSON,
) -> None:
    """Use items of a subject for a purpose: decided, recorded, values only if allowed."""
    from mamori.access import LegalException

    wanted = [i.strip() for i in items.split(",") if i.strip()]
    try:
        legal = LegalException(exception) if exception else None
    except ValueError:
        choices = ", ".join(e.value for e in LegalException)
        raise typer.BadParameter(f"unknown exception '{exception}' ({choices})") from None
    with state(ctx).open() as core:
        use = core.vault.use(subject, wanted, purpose, cli_actor(role), exception=legal, note=note_)
    _print_use(use, as_json)
    if not use.allowed:
        raise typer.Exit(1)

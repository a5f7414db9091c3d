"""``mamori datasets ...``: check the data map's plans, show one, import a Fides dataset."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.table import Table
from rich.text import Text

from mamori.cli._context import State, state
from mamori.cli._output import JSON, err, note, out, print_json, warn, write_atomically
from mamori.connectors import Plan, build_plan, check_datasets
from mamori.connectors.fides import import_fides
from mamori.errors import Issue, PolicyError
from mamori.policy.checks import Finding
from mamori.policy.loader import LoadedPolicy, format_path, load_policy

app = typer.Typer(help="The data map: check each dataset's plan, show it, import from Fides.")

FILE = typer.Argument(None, help="Policy file (default: the 'policy' setting).")
_ITEM = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _load(st: State, file: Path | None) -> LoadedPolicy:
    settings = st.settings()
    return load_policy(file or settings.policy, max_bytes=settings.policy_max_bytes)


def _issue(finding: Finding, loaded: LoadedPolicy) -> Issue:
    line = None
    for end in range(len(finding.loc), -1, -1):
        line = loaded.lines.get(finding.loc[:end])
        if line is not None:
            break
    path = format_path(finding.loc)
    return Issue(finding.severity, finding.code, path, finding.message, loaded.file, line)


@app.command()
def check(ctx: typer.Context, file: Path | None = FILE, as_json: bool = JSON) -> None:
    """Check every dataset's map: references, reachability, keys and cycles."""
    try:
        loaded = _load(state(ctx), file)
    except PolicyError as exc:  # loading runs the same rules: the map's errors land here
        if not as_json:
            raise
        found = [i.to_dict() for i in exc.issues if i.severity == "error"]
        print_json({"valid": False, "datasets": {}, "errors": found, "warnings": []})
        raise typer.Exit(2) from None
    issues = [_issue(f, loaded) for f in check_datasets(loaded.policy)]
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity == "warning"]
    tables = {d: len(ds.tables) for d, ds in loaded.policy.datasets.items()}
    if as_json:
        print_json(
            {
                "valid": not errors,
                "datasets": tables,
                "errors": [i.to_dict() for i in errors],
                "warnings": [i.to_dict() for i in warnings],
            }
        )
    else:
        for warning in warnings:
            warn(warning)
        if errors:
            count = len(errors)
            err.print("[bold red]error[/] ", end="")
            err.print(f"[policy_invalid] data map has {count} error{'s' * (count != 1)}:")
            for issue in errors:
                err.print(f"  {issue}", markup=False)
        else:
            summary = ", ".join(f"{d} ({n} tables)" for d, n in tables.items()) or "no datasets"
            out.print(f"[green]ok[/] {loaded.file}: {summary}", markup=True)
    if errors:
        raise typer.Exit(2)


@app.command()
def plan(
    ctx: typer.Context,
    dataset: str = typer.Argument(..., help="Dataset id."),
    file: Path | None = FILE,
    as_json: bool = JSON,
) -> None:
    """Show how a dataset is searched and the order its erasure works in."""
    loaded = _load(state(ctx), file)
    errors = [
        _issue(f, loaded)
        for f in check_datasets(loaded.policy)
        if f.severity == "error" and f.loc[:2] == ("datasets", dataset)
    ]
    if errors:
        raise PolicyError(errors)
    result = build_plan(loaded.policy, dataset)
    if as_json:
        print_json(result.to_dict())
    else:
        _print_plan(result)


def _print_plan(plan: Plan) -> None:
    out.print(f"[bold]{plan.dataset_id}[/]: ", end="")
    out.print(plan.system, markup=False)
    table = Table("#", "table", "level", title="traversal")
    table.add_column("found by", overflow="fold")
    table.add_column("reads", overflow="fold")
    for n, step in enumerate(plan.steps, 1):
        table.add_row(
            str(n),
            Text(step.table),
            str(step.level),
            Text("\n".join(step.found_by())),
            Text(", ".join(step.read)),
        )
    out.print(table)
    erase = Table("#", "table", title="erasure (one transaction, in this order)")
    erase.add_column("does", overflow="fold")
    for n, detach in enumerate(plan.detach, 1):
        erase.add_row(str(n), Text(detach.table), Text(detach.describe()))
    for n, name in enumerate(plan.erase_order, len(plan.detach) + 1):
        erase.add_row(str(n), Text(name), Text(plan.step(name).erasure()))
    out.print(erase)


def _read_yaml(path: Path, what: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise typer.BadParameter(f"{what} {path} cannot be read: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError):
        raise typer.BadParameter(f"{what} {path} is not valid YAML") from None


def _read_map(path: Path) -> dict[str, str | None]:
    data = _read_yaml(path, "map")
    if not isinstance(data, dict):
        raise typer.BadParameter(f"map {path} must map categories to item ids")
    for key, value in data.items():
        if not isinstance(key, str) or not (value is None or isinstance(value, str)):
            raise typer.BadParameter(f"map {path}: '{key}' must map to an item id or null")
        if value is not None and not _ITEM.match(value):
            raise typer.BadParameter(f"map {path}: '{value}' is not an item id")
    return data


@app.command("import-fides")
def import_fides_cmd(
    file: Path = typer.Argument(..., help="Fides dataset YAML (fideslang)."),
    map_file: Path = typer.Option(
        ..., "--map", "-m", help="YAML mapping Fides data categories to item ids."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when a category is unmapped."),
    as_json: bool = JSON,
) -> None:
    """Convert a Fides dataset into mamori `datasets:` YAML, reporting what is not mapped."""
    mapping = _read_map(map_file)
    try:
        result = import_fides(_read_yaml(file, "Fides file"), mapping)
    except ValueError as exc:
        raise typer.BadParameter(f"{file}: {exc}") from None
    if as_json:
        print_json(result.to_dict())
    else:
        text = f"# imported from {file.name} by mamori datasets import-fides\n"
        text += yaml.safe_dump(
            {"datasets": result.datasets}, allow_unicode=True, sort_keys=False, width=100
        )
        if output is None:
            typer.echo(text, nl=False)
        else:
            write_atomically(output, text)
            note(f"wrote {output}")
        for category, fields in result.unmapped.items():
            warn(f"unmapped category {category} ({', '.join(fields)}): add it to the map")
        for line in result.notes:
            warn(line)
    if strict and result.unmapped:
        raise typer.Exit(1)

"""``mamori settings``: every setting, its value, where it came from, and its help."""

from __future__ import annotations

import typer
from rich.table import Table

from mamori.cli._context import state
from mamori.cli._output import out, print_json


def settings(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the settings with their current values and sources (secrets masked)."""
    views = state(ctx).settings().describe()
    if as_json:
        print_json([v.model_dump() for v in views])
        return
    table = Table("setting", "value", "source", "help", title="mamori settings")
    for v in views:
        table.add_row(v.name, str(v.value), v.source, f"{v.help} [dim]({v.env})[/]")
    out.print(table)

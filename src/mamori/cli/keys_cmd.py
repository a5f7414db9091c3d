"""``mamori keys ...``: the key-encryption keys, what they wrap, and rotation."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, err, out, print_json
from mamori.keys import KeyStatus, RotationReport

app = typer.Typer(help="Key-encryption keys: what each one wraps, and rotation.")


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


@app.command()
def status(ctx: typer.Context, as_json: bool = JSON) -> None:
    """List the key-encryption keys: primary, age, and the data and service keys each wraps."""
    with state(ctx).open() as core:
        rows = core.keys.status()
    if as_json:
        print_json([r.to_dict() for r in rows])
        return
    table = Table(title="key-encryption keys")
    table.add_column("id", no_wrap=True)
    table.add_column("primary", min_width=7)
    table.add_column("created", no_wrap=True)
    for name in ("age", "data keys", "service keys"):
        table.add_column(name, justify="right")
    table.add_column("retired", min_width=7)
    for r in rows:
        table.add_row(*_status_row(r))
    out.print(table)
    if any(r.missing for r in rows):
        err.print("[bold red]some keys are wrapped by a key-encryption key the provider lacks[/]")


def _status_row(r: KeyStatus) -> list[str]:
    created = r.created.date().isoformat() if r.created else "-"
    age = f"{r.age_days} d" if r.age_days is not None else "-"
    retired = "MISSING" if r.missing else _yes(r.retired)
    return [r.id, _yes(r.primary), created, age, str(r.data_keys), str(r.service_keys), retired]


@app.command()
def rotate(
    ctx: typer.Context,
    batch: int = typer.Option(1000, "--batch", min=1, max=100_000, help="Keys per transaction."),
    as_json: bool = JSON,
) -> None:
    """Make a new primary key-encryption key, rewrap every key under it, retire the old one.

    An interrupted rotation is finished by running the command again.
    """
    columns = (TextColumn("rewrapping keys"), BarColumn(), MofNCompleteColumn())
    bar = Progress(*columns, TimeElapsedColumn(), console=err, transient=True)
    with state(ctx).open() as core, bar:
        task = bar.add_task("rewrap", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = core.rotate_keys(actor=cli_actor_id(), batch_size=batch, progress=progress)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    if report.remaining:
        raise typer.Exit(1)


def _print_report(r: RotationReport) -> None:
    old = ", ".join(r.old_ids) or "(none)"
    verb = "finished the rotation" if r.resumed else "rotated"
    out.print(f"[green]{verb}[/] {old} → {r.new_id}", markup=True, highlight=False)
    out.print(f"  rewrapped {r.rewrapped} keys in {r.seconds:.1f} s")
    if r.retired:
        out.print(f"  retired   {', '.join(r.retired)}")
    if r.remaining:
        out.print(
            f"[yellow]{r.remaining} keys are still under an old key-encryption key "
            "(written during the rotation): run `mamori keys rotate` again[/]"
        )
    elif r.resumed:
        out.print("  (an earlier rotation was unfinished; run again to rotate to a new key)")

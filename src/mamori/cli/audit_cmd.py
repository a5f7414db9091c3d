"""``mamori audit ...``: verify, checkpoint, tail, show, export."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from mamori.audit import AuditEntry, Checkpoint, VerifyReport
from mamori.cli._context import state
from mamori.cli._output import JSON, err, note, out, print_json, warn, write_atomically
from mamori.core import Mamori
from mamori.errors import ConfigError, MamoriError

app = typer.Typer(help="The audit log: verify the hash chain, sign checkpoints, read, export.")


def _read_checkpoint(path: Path) -> Checkpoint:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read checkpoint file {path}: {exc.strerror}") from None
    return Checkpoint.from_json(text)


def _trusted_key(core: Mamori) -> bytes | None:
    try:
        return core.keys.audit_public_key()
    except MamoriError as exc:
        warn(f"checkpoint files are checked with the key they carry: {exc.message}")
        return None


@app.command()
def verify(
    ctx: typer.Context,
    checkpoint: list[Path] = typer.Option(
        [], "--checkpoint", help="A checkpoint file kept elsewhere (repeatable)."
    ),
    as_json: bool = JSON,
) -> None:
    """Recompute the hash chain and check every checkpoint; exit 1 at the first bad entry."""
    files = [_read_checkpoint(p) for p in checkpoint]
    with state(ctx).open() as core:
        key = _trusted_key(core) if files else None
        report = core.audit.verify(checkpoints=files, public_key=key)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: VerifyReport) -> None:
    if report.ok:
        out.print(
            f"[green]ok[/] {report.entries_checked:,} entries and"
            f" {report.checkpoints_checked} checkpoints verified in {report.seconds:.2f} s"
            f" ({report.rate:,.0f} entries/s)"
        )
        return
    where = f"entry {report.first_bad_seq}" if report.first_bad_seq is not None else "the log"
    err.print("[bold red]FAILED[/] ", end="")
    err.print(f"at {where}: {report.problem}", markup=False)


@app.command("checkpoint")
def checkpoint_cmd(
    ctx: typer.Context,
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the checkpoint file here (keep it off this server)."
    ),
    as_json: bool = JSON,
) -> None:
    """Sign the Merkle root of the whole log with the audit signing key, and store it."""
    with state(ctx).open() as core:
        key_id, signer = core.keys.audit_signer()
        signed = core.audit.checkpoint(signer, key_id)
    if output is not None:
        write_atomically(output, signed.to_json())
        note(f"wrote {output}")
    if as_json:
        typer.echo(signed.to_json(), nl=False)
        return
    out.print(
        f"[green]signed[/] checkpoint {signed.first_seq}..{signed.last_seq}"
        f" root {signed.root.hex()[:16]} key {signed.key_id}"
    )


def _entries_table(entries: list[AuditEntry], title: str) -> Table:
    table = Table("seq", "at", "actor", "action", "subject", "purpose", "items", "detail")
    table.title = title
    for e in entries:
        detail = json.dumps(e.to_dict()["detail"], ensure_ascii=False, separators=(",", ":"))
        table.add_row(
            str(e.seq),
            e.at,
            Text(e.actor),
            e.action,
            Text(e.subject or "-"),
            Text(e.purpose or "-"),
            Text(",".join(e.items)),
            Text(detail),
        )
    return table


@app.command()
def tail(
    ctx: typer.Context,
    n: int = typer.Option(20, "-n", "--lines", min=1, help="How many entries."),
    as_json: bool = JSON,
) -> None:
    """Show the newest entries."""
    with state(ctx).open() as core:
        entries = core.audit.tail(n)
    if as_json:
        print_json([e.to_dict() for e in entries])
    elif not entries:
        out.print("the audit log is empty")
    else:
        out.print(_entries_table(entries, f"the last {len(entries)} audit entries"))


@app.command()
def show(
    ctx: typer.Context,
    seq: int = typer.Argument(..., min=1, help="The entry's sequence number."),
    as_json: bool = JSON,
) -> None:
    """Show one entry with its hash."""
    with state(ctx).open() as core:
        entry = core.audit.get(seq)
    data = entry.to_dict()
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        out.print(f"{key:8} {shown}", markup=False)


def _moment(value: str | None, zone: dt.tzinfo, *, end: bool) -> dt.datetime | None:
    """A date (the start of that day in the configured zone; with ``end``, of the next day)
    or an ISO 8601 time (the configured zone when it names none)."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        pass
    else:
        start = dt.datetime.combine(day, dt.time(), zone)
        return start + dt.timedelta(days=1) if end else start
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date or an ISO 8601 time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _write_lines_atomically(path: Path, lines: Iterable[str]) -> int:
    """Stream lines to a temporary file beside ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(line)
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


@app.command()
def export(
    ctx: typer.Context,
    since: str | None = typer.Option(
        None, "--since", help="From this day (YYYY-MM-DD, configured zone) or ISO 8601 time."
    ),
    until: str | None = typer.Option(
        None, "--until", help="Up to and including this day, or before this ISO 8601 time."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Write entries as JSON Lines (one entry with its hash per line), oldest first."""
    st = state(ctx)
    zone = st.settings().zone
    lower, upper = _moment(since, zone, end=False), _moment(until, zone, end=True)
    with st.open() as core:
        lines = (_line(entry) for entry in core.audit.export(lower, upper))
        if output is None:
            for line in lines:
                typer.echo(line, nl=False)
            return
        count = _write_lines_atomically(output, lines)
    note(f"wrote {count} entries to {output}")


def _line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"

"""Printing: Rich for people, plain JSON for programs, errors on stderr."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from mamori.errors import MamoriError, PolicyError

__all__ = [
    "JSON",
    "err",
    "local_time",
    "note",
    "out",
    "print_json",
    "report_error",
    "warn",
    "write_atomically",
]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

#: The ``--json`` flag every command takes.
JSON = typer.Option(False, "--json", help="Print JSON.")


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def warn(text: object) -> None:
    err.print("[yellow]warning[/] ", end="")
    err.print(str(text), markup=False)


def note(text: object) -> None:
    """A progress or status line for people, on stderr so stdout stays clean for data."""
    err.print(str(text), markup=False)


def report_error(exc: MamoriError) -> None:
    """One clear message on stderr: the code, and each issue with file:line path."""
    if isinstance(exc, PolicyError):
        count = len(exc.issues)
        err.print("[bold red]error[/] ", end="")
        err.print(f"[{exc.code}] policy has {count} error{'s' * (count != 1)}:", markup=False)
        for issue in exc.issues:
            err.print(f"  {issue}", markup=False)
    else:
        err.print("[bold red]error[/] ", end="")
        err.print(f"[{exc.code}] {exc.message}", markup=False)


def write_atomically(path: Path, text: str | bytes, *, mode: int | None = None) -> None:
    """Write ``text`` (UTF-8) or bytes to ``path`` so that a reader sees the old file or
    the whole new one.

    The file gets ``mode``, or the usual mode for a new file (0666 less the umask).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    body = text.encode("utf-8") if isinstance(text, str) else text
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def local_time(moment: dt.datetime | None, zone: dt.tzinfo) -> str:
    """A time for people, in the configured zone (JSON keeps the full ISO 8601 time)."""
    if moment is None:
        return "-"
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current

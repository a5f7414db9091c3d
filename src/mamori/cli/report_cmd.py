"""``mamori report``: the periodic self-inspection report (policy §5), and checking one.

Making a report records a ``report_generate`` audit entry with the SHA-256 of its figures
and the period; ``--verify FILE.json`` checks a report's JSON against that entry.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import note, out, print_json, warn, write_atomically
from mamori.errors import ConfigError
from mamori.reports import (
    Period,
    Report,
    read_report,
    render_html,
    render_pdf,
    verify_report,
)
from mamori.reports.render import cjk_font_available

__all__ = ["report"]


class Format(StrEnum):
    html = "html"
    pdf = "pdf"
    json = "json"


class Lang(StrEnum):
    ja = "ja"
    en = "en"


def report(
    ctx: typer.Context,
    since: str | None = typer.Option(
        None, "--since", help="First day (YYYY-MM-DD); default: the previous calendar month."
    ),
    until: str | None = typer.Option(
        None, "--until", help="Last day, included (YYYY-MM-DD); default: the end of that month."
    ),
    fmt: Format = typer.Option(Format.html, "--format", "-f", help="html, pdf or json."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the report here (default: stdout; pdf needs it)."
    ),
    lang: Lang = typer.Option(Lang.ja, "--lang", help="Language of html and pdf: ja or en."),
    verify: Path | None = typer.Option(
        None, "--verify", help="Check a report's JSON against its audit entry; exit 1 if not."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON: the report (without --output), or what was written."
    ),
) -> None:
    """Make the self-inspection report over a period and sign it in the audit log."""
    if verify is not None:
        _verify(ctx, verify, as_json)
        return
    if fmt is Format.pdf and output is None:
        raise ConfigError("--format pdf needs --output FILE.pdf (PDF is not written to a terminal)")
    if as_json and output is None:
        fmt = Format.json
    with state(ctx).open() as core:
        period = Period.parse(since, until, core.settings.zone, core.today())
        made = core.report(period, actor=cli_actor_id())
        version = core.versions.in_force(period.until)
        policy = version.policy if version is not None else None
    document = made.to_dict()
    body: str | bytes
    if fmt is Format.json:
        body = made.to_json()
    elif fmt is Format.html:
        body = render_html(document, lang=lang.value, policy=policy)
    else:
        if lang is Lang.ja and cjk_font_available() is False:
            warn(
                "no font with Japanese glyphs is installed (fc-list :lang=ja is empty): the "
                "PDF is made, but Japanese text shows as substitute glyphs; install e.g. "
                "fonts-noto-cjk, or use --lang en"
            )
        body = render_pdf(document, lang=lang.value, policy=policy)
    if output is None:
        typer.echo(body if isinstance(body, str) else body.decode("utf-8"), nl=False)
        return
    write_atomically(output, body)
    if as_json:
        print_json(_written(made, period, fmt, output))
        return
    note(
        f"report {period.since}..{period.until} written to {output} ({fmt.value}); "
        f"signed by audit entry {made.audit_seq}"
    )


def _written(made: Report, period: Period, fmt: Format, output: Path) -> dict[str, object]:
    return {
        "output": str(output),
        "format": fmt.value,
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "audit_seq": made.audit_seq,
        "audit_hash": made.audit_hash,
        "figures_sha256": made.digest,
    }


def _verify(ctx: typer.Context, path: Path, as_json: bool) -> None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read report file {path}: {exc.strerror or exc}") from None
    document = read_report(raw)
    with state(ctx).open() as core:
        ok = verify_report(core, document)
    signature = document["signature"]
    if as_json:
        print_json({"ok": ok, "audit_seq": signature["audit_seq"], "file": str(path)})
    elif ok:
        out.print(
            f"[green]ok[/] the figures of {path} are those audit entry "
            f"{signature['audit_seq']} signed, and the chain verifies up to it"
        )
    else:
        out.print(
            f"[bold red]FAILED[/] {path} does not match audit entry {signature['audit_seq']} "
            "(a figure changed, another entry, or a broken chain)"
        )
    if not ok:
        raise typer.Exit(1)

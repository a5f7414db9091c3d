"""``mamori policy ...``: validate, render, publish, history, show, diff, schema."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import State, state
from mamori.cli._output import JSON, note, out, print_json, warn, write_atomically
from mamori.errors import ConfigError, PolicyError
from mamori.policy.diff import PolicyDiff, Severity, diff
from mamori.policy.loader import LoadedPolicy, load_policy
from mamori.policy.model import Policy
from mamori.policy.render import render
from mamori.policy.schema import policy_schema

app = typer.Typer(help="The policy declaration: check it, render it, publish and compare versions.")

FILE = typer.Argument(None, help="Policy file (default: the 'policy' setting).")


class Lang(StrEnum):
    ja = "ja"
    en = "en"


class Format(StrEnum):
    markdown = "markdown"
    html = "html"


class Document(StrEnum):
    policy = "policy"
    public_matters = "public-matters"


def _load(st: State, file: Path | None) -> LoadedPolicy:
    settings = st.settings()
    return load_policy(file or settings.policy, max_bytes=settings.policy_max_bytes)


def _summary(policy: Policy) -> dict[str, int]:
    return {
        "items": len(policy.items),
        "purposes": len(policy.purposes),
        "recipients": len(policy.recipients),
        "roles": len(policy.roles),
        "retention_rules": len(policy.retention),
        "datasets": len(policy.datasets),
    }


@app.command()
def validate(
    ctx: typer.Context,
    file: Path | None = FILE,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when there are warnings."),
    as_json: bool = JSON,
) -> None:
    """Check a policy file: structure, references, and the rules of the APPI."""
    try:
        loaded = _load(state(ctx), file)
    except PolicyError as exc:
        if not as_json:
            raise
        print_json({"valid": False, "code": exc.code, "issues": [i.to_dict() for i in exc.issues]})
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        print_json(
            {
                "valid": True,
                "file": loaded.file,
                "summary": _summary(loaded.policy),
                "warnings": [w.to_dict() for w in loaded.warnings],
            }
        )
    else:
        for warning in loaded.warnings:
            warn(warning)
        counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in _summary(loaded.policy).items())
        out.print(f"[green]ok[/] {loaded.file}: valid ({counts}; {len(loaded.warnings)} warnings)")
    if strict and loaded.warnings:
        raise typer.Exit(1)


@app.command("render")
def render_cmd(
    ctx: typer.Context,
    file: Path | None = FILE,
    lang: Lang = typer.Option(Lang.ja, "--lang", "-l", help="Language."),
    fmt: Format = typer.Option(Format.markdown, "--format", "-f", help="Output format."),
    document: Document = typer.Option(Document.policy, "--document", "-d", help="Which page."),
    version: str | None = typer.Option(None, "--version", "-v", help="A published version."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Render the policy text (or the public-matters page) as Markdown or HTML."""
    st = state(ctx)
    effective: dt.date | None = None
    if version is not None:
        if file is not None:
            raise ConfigError("give a FILE or --version, not both")
        with st.open() as core:
            found = core.versions.get(version)
        policy, effective = found.policy, found.effective_on
    else:
        policy = _load(st, file).policy
    text = render(
        policy,
        lang.value,
        fmt.value,
        effective=effective,
        document="policy" if document is Document.policy else "public_matters",
    )
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        write_atomically(output, text)
        note(f"wrote {output}")


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


@app.command()
def publish(
    ctx: typer.Context,
    file: Path | None = FILE,
    effective: str | None = typer.Option(
        None, "--effective", help="Date the version takes effect (YYYY-MM-DD; default today)."
    ),
    as_json: bool = JSON,
) -> None:
    """Store the policy as a new immutable version (a no-op when nothing changed)."""
    when = _parse_date(effective)
    st = state(ctx)
    loaded = _load(st, file)
    with st.open() as core:
        result = core.publish(loaded, effective=when, actor=cli_actor_id())
    if as_json:
        print_json(result.to_dict())
        return
    v = result.version
    if not result.created:
        out.print(f"unchanged: the content is identical to {v.label}; nothing was stored")
        return
    out.print(
        f"[green]published[/] {v.label} (effective {v.effective_on}, hash {v.content_hash[:12]})"
    )
    if result.changes is not None:
        _print_changes(result.changes)
    for w in result.warnings:
        warn(w)


@app.command()
def announce(
    ctx: typer.Context,
    version: int | None = typer.Option(
        None, "--version", help="The version to announce (default: the newest announcement)."
    ),
    url: str = typer.Option("", "--url", help="Address of the policy page, put in messages."),
    list_only: bool = typer.Option(False, "--list", help="List announcements, send nothing."),
    as_json: bool = JSON,
) -> None:
    """Tell every person with a registered email about a policy change (policy §9)."""
    with state(ctx).open() as core:
        if list_only:
            items = core.announcements.list()
            if as_json:
                print_json([a.to_dict() for a in items])
                return
            table = Table("version", "severity", "effective", "changes", "sent", "failed")
            for a in items:
                table.add_row(
                    str(a.version), a.severity, str(a.effective_on), str(len(a.changes)),
                    "-" if a.sent_at is None else str(a.sent), str(a.failed),
                )  # fmt: skip
            out.print(table)
            return
        summary = core.announce(actor=cli_actor_id(), version=version, policy_url=url)
    if as_json:
        print_json({"sent": summary.sent, "failed": summary.failed})
        return
    out.print(f"[green]announced[/]: {summary.sent} sent, {summary.failed} failed")


@app.command()
def history(ctx: typer.Context, as_json: bool = JSON) -> None:
    """List the published versions, oldest first."""
    with state(ctx).open() as core:
        versions = core.versions.history()
    if as_json:
        print_json([v.to_dict() for v in versions])
        return
    if not versions:
        out.print("no version has been published yet (`mamori policy publish`)")
        return
    table = Table("version", "effective", "published", "hash", "source", title="policy history")
    for v in versions:
        published = v.published_at.isoformat(timespec="seconds")
        table.add_row(
            v.label, str(v.effective_on), published, v.content_hash[:12], Text(v.source_name)
        )
    out.print(table)


@app.command()
def show(
    ctx: typer.Context,
    version: str | None = typer.Argument(None, help="Version (3, v3 or a hash prefix)."),
    source: bool = typer.Option(False, "--source", help="Print the published YAML."),
    as_json: bool = JSON,
) -> None:
    """Show a published version (the newest by default)."""
    with state(ctx).open() as core:
        found = core.versions.get(version) if version else core.versions.latest()
    if found is None:
        out.print("no version has been published yet (`mamori policy publish`)")
        raise typer.Exit(1)
    if source:
        typer.echo(found.source, nl=not found.source.endswith("\n"))
        return
    if as_json:
        print_json({**found.to_dict(), "summary": _summary(found.policy)})
        return
    policy = found.policy
    out.print(f"[bold]{found.label}[/] effective {found.effective_on}")
    out.print(f"  published  {found.published_at.isoformat(timespec='seconds')}")
    out.print(f"  hash       {found.content_hash}")
    out.print(f"  controller {policy.controller.name.ja}")
    for pid, purpose in policy.purposes.items():
        out.print(f"  purpose    {pid}: {purpose.label.ja}", markup=False)


def _resolve(st: State, ref: str) -> Policy:
    path = Path(ref)
    if path.exists():
        return _load(st, path).policy
    with st.open() as core:
        return core.versions.get(ref).policy


@app.command("diff")
def diff_cmd(
    ctx: typer.Context,
    old: str = typer.Argument(..., help="Older policy: a file or a version."),
    new: str = typer.Argument(..., help="Newer policy: a file or a version."),
    check: bool = typer.Option(
        False, "--check", help="Exit 1 when a change needs notice or consent."
    ),
    as_json: bool = JSON,
) -> None:
    """List the changes between two policies, each with its kind and severity."""
    st = state(ctx)
    changes = diff(_resolve(st, old), _resolve(st, new))
    if as_json:
        print_json(changes.to_dict())
    elif not changes:
        out.print("no changes")
    else:
        _print_changes(changes)
    if check and changes.severity is not None and changes.severity is not Severity.minor:
        raise typer.Exit(1)


_COLOURS = {"minor": "dim", "notice": "yellow", "consent": "bold red"}


def _print_changes(changes: PolicyDiff) -> None:
    table = Table("severity", "kind", "path", "change", title=f"{len(changes.changes)} changes")
    for c in changes.changes:
        colour = _COLOURS.get(c.severity.value, "")
        table.add_row(Text(c.severity.value, style=colour), c.kind, Text(c.path), Text(c.summary))
    out.print(table)
    if changes.severity is not None:
        out.print(f"overall: [{_COLOURS[changes.severity.value]}]{changes.severity.value}[/]")


@app.command()
def schema(
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Print the JSON Schema of the policy format (for editors)."""
    text = json.dumps(policy_schema(), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomically(output, text)
        note(f"wrote {output}")

"""``mamori retention ...``: dispose of what the policy no longer lets us keep (保存期間と廃棄,
Art. 22), record the events retention counts from, and summarise what was disposed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import typer
from rich.table import Column, Table
from rich.text import Text

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, err, note, out, print_json
from mamori.errors import ConfigError
from mamori.retention import MARKED_EVENTS, Due, RunReport

__all__ = ["app"]

app = typer.Typer(help="Retention (保存期間と廃棄): run, plan, event, summary.")

TODAY = typer.Option(
    None, "--today", help="The day to run as (YYYY-MM-DD; default today in the configured zone)."
)
SHOWN = 200  # rows in the table; --json lists them all


def _day(text: str | None, flag: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{flag}: '{text}' is not a date (YYYY-MM-DD)") from None


def _moment(text: str | None, zone: ZoneInfo) -> dt.datetime | None:
    """An ISO 8601 time; without an offset it is a time in the configured zone."""
    if text is None:
        return None
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--at: '{text}' is not a time (2026-04-01T09:00+09:00)") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)


def _table(dues: Sequence[Due], title: str) -> None:
    table = Table(
        Column("subject", no_wrap=True),
        Column("items", overflow="fold"),
        Column("rule", overflow="fold"),
        Column("due", no_wrap=True),
        Column("method", no_wrap=True),
        title=title,
    )
    for due in dues[:SHOWN]:
        table.add_row(
            Text(due.subject),
            Text(", ".join(due.items)),
            Text(due.rule),
            due.due.isoformat(),
            due.method.value,
        )
    out.print(table)
    if len(dues) > SHOWN:
        out.print(f"... and {len(dues) - SHOWN} more (--json lists all of them)")


def _show(report: RunReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
    elif report.dry_run:
        if report.due:
            _table(report.due, f"due on {report.today.isoformat()} (dry run: nothing disposed)")
        else:
            out.print(f"nothing is due on {report.today.isoformat()}")
    else:
        if report.disposed:
            _table(report.disposed, f"disposed on {report.today.isoformat()}")
        out.print(
            f"disposed of {report.items} items of {report.subjects} subjects; "
            f"{len(report.records_purged)} provision records (Art. 29-31) purged"
        )
        for subject, code in sorted(report.failed.items()):
            err.print(f"[red]failed[/] {subject}: {code} (nothing of it was changed)")
    if report.failed:
        raise typer.Exit(1)


@app.command("run")
def run(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what is due; change nothing."),
    today: str | None = TODAY,
    as_json: bool = JSON,
) -> None:
    """Dispose of everything whose period under the policy's retention rules has ended:
    a subject with every item due is crypto-shredded, otherwise the due items are deleted;
    each disposal is recorded and audited. Also purges the Art. 29-31 records past their
    periods. Running it again the same day does nothing more."""
    day = _day(today, "--today")
    with state(ctx).open() as core:
        report = core.retention.run(day, actor=cli_actor_id(), dry_run=dry_run)
    _show(report, as_json)


@app.command("plan")
def plan(ctx: typer.Context, today: str | None = TODAY, as_json: bool = JSON) -> None:
    """What is due for disposal (the same as ``run --dry-run``)."""
    day = _day(today, "--today")
    with state(ctx).open() as core:
        report = core.retention.run(day, actor=cli_actor_id(), dry_run=True)
    _show(report, as_json)


@app.command("event")
def event(
    ctx: typer.Context,
    name: str = typer.Argument(..., help=f"The event: {', '.join(MARKED_EVENTS)}."),
    subject: str | None = typer.Option(
        None, "--subject", help="Subject id (purpose_ended without it: for everyone)."
    ),
    purpose: str | None = typer.Option(None, "--purpose", help="For purpose_ended: the purpose."),
    at: str | None = typer.Option(
        None, "--at", help="When it happened (ISO 8601; default now; no offset: local time)."
    ),
    as_json: bool = JSON,
) -> None:
    """Record an event retention counts from that mamori cannot see itself: an account
    closed (account_closed --subject ID) or a purpose ended (purpose_ended --purpose ID)."""
    with state(ctx).open() as core:
        moment = _moment(at, core.settings.zone)
        ident = core.retention.mark_event(
            subject, name, moment, actor=cli_actor_id(), purpose=purpose
        )
    if as_json:
        print_json({"id": ident, "event": name, "subject": subject, "purpose": purpose})
    else:
        note(f"recorded {name} (event {ident})")


@app.command("summary")
def summary(
    ctx: typer.Context,
    since: str = typer.Option(..., "--since", help="First day (YYYY-MM-DD)."),
    until: str = typer.Option(..., "--until", help="Day after the last (YYYY-MM-DD)."),
    as_json: bool = JSON,
) -> None:
    """Disposals and purged records in a period, and the backlog due now."""
    first, end = _day(since, "--since"), _day(until, "--until")
    assert first is not None and end is not None
    if end <= first:
        raise ConfigError("--until must be after --since")
    with state(ctx).open() as core:
        data = core.retention.summary(first, end)
    if as_json:
        print_json(data)
        return
    kept = data["disposals"]["retention"]
    backlog = data["backlog"]
    table = Table("", "count", title=f"retention {data['since']} .. {data['until']}")
    table.add_row("subjects disposed of", str(kept["subjects"]))
    table.add_row("items disposed of", str(kept["items"]))
    for method, count in kept["by_method"].items():
        table.add_row(f"  {method}", str(count))
    for rule, count in kept["by_rule"].items():
        table.add_row(Text(f"  {rule}"), str(count))
    table.add_row("provision records purged", str(data["records_purged"]))
    table.add_row("backlog now: subjects", str(backlog["subjects"]))
    table.add_row("backlog now: items", str(backlog["items"]))
    out.print(table)

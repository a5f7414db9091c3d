"""``mamori suspend`` and ``mamori suspensions``: suspension of use (利用停止, Art. 35)."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Column, Table
from rich.text import Text

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, local_time, out, print_json
from mamori.suspension import SuspensionEvent, SuspensionReason

REASONS = ", ".join(r.value for r in SuspensionReason)


def suspend(
    ctx: typer.Context,
    subject: str = typer.Argument(..., help="Subject id."),
    scope: str = typer.Option(..., "--scope", help="all, provision or purpose:ID."),
    reason: str | None = typer.Option(
        None, "--reason", help=f"Why (required unless --lift): {REASONS}."
    ),
    lift: bool = typer.Option(False, "--lift", help="End the suspension of SCOPE instead."),
    note_: str = typer.Option("", "--note", help="A short note kept with the event."),
    request: str | None = typer.Option(
        None, "--request", help="The request (請求) it answers, if any."
    ),
    as_json: bool = JSON,
) -> None:
    """Suspend the use of a subject's data in a scope, or lift it with --lift."""
    if lift:
        if reason is not None or request is not None:
            raise typer.BadParameter("--reason and --request are for suspending, not --lift")
    elif reason is None:
        raise typer.BadParameter(f"give --reason ({REASONS})", param_hint="--reason")
    with state(ctx).open() as core:
        if reason is None:  # --lift
            event = core.suspensions.lift(subject, scope, actor=cli_actor_id(), note=note_)
        else:
            event = core.suspensions.suspend(
                subject, scope, reason, actor=cli_actor_id(), note=note_, request_id=request
            )
    if as_json:
        print_json(event.to_dict())
        return
    colour = "red" if event.event == "suspended" else "green"
    why = f" ({event.reason})" if event.event == "suspended" else ""
    out.print(f"[{colour}]{event.event}[/] ", end="")
    out.print(Text(f"{event.subject} for {event.scope}{why}: {event.suspension_id}"))


def suspensions(
    ctx: typer.Context,
    subject: str | None = typer.Argument(None, help="Subject id (default: every subject)."),
    history: bool = typer.Option(False, "--history", help="The subject's whole history."),
    as_json: bool = JSON,
) -> None:
    """Active suspensions of use (of every subject, or one), or a subject's history."""
    if history and subject is None:
        raise typer.BadParameter("--history needs a SUBJECT")
    with state(ctx).open() as core:
        if history and subject is not None:
            _print_history(subject, core.suspensions.history(subject), core.settings.zone, as_json)
            return
        active = (
            core.suspensions.active(subject)
            if subject is not None
            else core.suspensions.all_active()
        )
    if as_json:
        print_json([s.to_dict() for s in active])
        return
    if not active:
        out.print("no active suspension" + (f" for {subject}" if subject else ""))
        return
    table = Table("subject", "scope", "suspension", title="利用停止 (active suspensions)")
    for s in active:
        table.add_row(Text(s.subject), Text(s.scope), s.suspension_id)
    out.print(table)


def _print_history(
    subject: str, events: list[SuspensionEvent], zone: dt.tzinfo, as_json: bool
) -> None:
    if as_json:
        print_json([e.to_dict() for e in events])
        return
    if not events:
        out.print(Text(f"no suspension events for {subject}"))
        return
    names = ("at", "event", "scope", "reason", "request", "note", "by", "suspension")
    table = Table(
        *(Column(n, overflow="fold") for n in names), title=f"suspension history of {subject}"
    )
    for e in events:
        table.add_row(
            local_time(e.at, zone),
            e.event,
            Text(e.scope),
            e.reason,
            Text(e.request_id or "-"),
            Text(e.note or "-"),
            Text(e.actor),
            e.suspension_id,
        )
    out.print(table)

"""``mamori alerts``: what the officer must look at (policy §5), and the detectors' scan.

``mamori alerts`` lists open alerts (``--all`` every one, ``--scan`` runs the detectors
first); ``mamori alerts ack ID`` acknowledges one; ``mamori alerts incident ID`` opens an
incident from it.
"""

from __future__ import annotations

import typer
from rich.table import Column, Table
from rich.text import Text

from mamori.alerts import DETECTORS, Alert
from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, local_time, note, out, print_json
from mamori.cli.incidents_cmd import parse_time
from mamori.core import Mamori

app = typer.Typer(
    help="Alerts to the officer: list, scan, acknowledge, open an incident.",
    invoke_without_command=True,
)

ALERT = typer.Argument(..., help="The alert id (al_...).")


def _table(alerts: list[Alert], core: Mamori, title: str) -> None:
    zone = core.settings.zone
    table = Table(
        Column("alert", overflow="fold"), Column("raised", overflow="fold"),
        Column("kind", no_wrap=True), Column("about", overflow="fold"),
        Column("summary", overflow="fold"), Column("status", overflow="fold"), title=title,
    )  # fmt: skip
    for a in alerts:
        status = "open" if a.open else f"ack {a.acknowledged_by}"
        if a.incident_id:
            status += f" -> {a.incident_id}"
        table.add_row(
            a.id, local_time(a.created_at, zone), a.kind, a.about or "-", Text(a.summary), status
        )
    out.print(table)


@app.callback()
def alerts(
    ctx: typer.Context,
    scan: bool = typer.Option(
        False, "--scan", help=f"Run the detectors first ({', '.join(DETECTORS)})."
    ),
    all_: bool = typer.Option(False, "--all", help="Acknowledged alerts too."),
    as_json: bool = JSON,
) -> None:
    """Open alerts, the newest first."""
    if ctx.invoked_subcommand is not None:
        return
    with state(ctx).open() as core:
        raised = core.alerts.scan() if scan else []
        found = core.alerts.list(open_only=not all_)
        if as_json:
            data: dict[str, object] = {"alerts": [a.to_dict() for a in found]}
            if scan:
                data["raised"] = [a.id for a in raised]
            print_json(data)
            return
        if scan:
            note(f"scan raised {len(raised)} new alert{'s' * (len(raised) != 1)}")
        if not found:
            out.print("no open alerts" if not all_ else "no alerts")
            return
        _table(found, core, "アラート (alerts)")


@app.command()
def ack(ctx: typer.Context, alert_id: str = ALERT, as_json: bool = JSON) -> None:
    """Acknowledge an alert: the officer has seen it."""
    with state(ctx).open() as core:
        alert = core.alerts.acknowledge(alert_id, cli_actor_id())
    if as_json:
        print_json(alert.to_dict())
        return
    out.print(Text(f"acknowledged {alert.id}"))


@app.command()
def incident(
    ctx: typer.Context,
    alert_id: str = ALERT,
    items: list[str] = typer.Option(..., "--items", help="Affected items (comma-separated)."),
    subjects: list[str] = typer.Option([], "--subject", help="An affected subject; repeated."),
    holding: list[str] = typer.Option(
        [], "--holding", help="Query: subjects holding any of these items."
    ),
    cause: str | None = typer.Option(
        None, "--cause", help="The cause (default: from the alert's kind)."
    ),
    learned_at: str | None = typer.Option(
        None, "--learned-at", help="When it was learned of (default: when the alert was raised)."
    ),
    as_json: bool = JSON,
) -> None:
    """Open an incident from an alert (and mark the alert acknowledged)."""
    split = [p.strip() for v in items for p in v.split(",") if p.strip()]
    held = [p.strip() for v in holding for p in v.split(",") if p.strip()]
    with state(ctx).open() as core:
        core.keys.ensure_service_keys()
        extra: dict[str, object] = {"items": split}
        if subjects:
            extra["subjects"] = list(subjects)
        if held:
            extra["holding"] = held
        if cause is not None:
            extra["cause"] = cause
        if learned_at is not None:
            extra["learned_at"] = parse_time(learned_at, "learned_at", core.settings.zone)
        opened = core.alerts.to_incident(alert_id, actor=cli_actor_id(), **extra)
        if as_json:
            print_json(opened.to_dict(core.today(), core.settings.zone))
            return
    out.print(Text(f"opened incident {opened.id} from {alert_id}"))

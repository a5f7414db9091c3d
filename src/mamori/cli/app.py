"""The root ``mamori`` command and its error handling.

Exit codes: 0 ok, 1 a check failed, 2 bad input (a file, a flag, a setting).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from mamori import __version__
from mamori.cli import (
    alerts_cmd,
    audit_cmd,
    consent_cmd,
    datasets_cmd,
    incidents_cmd,
    init_cmd,
    inquiries_cmd,
    keys_cmd,
    policy_cmd,
    provision_cmd,
    report_cmd,
    requests_cmd,
    retention_cmd,
    scan_cmd,
    serve_cmd,
    settings_cmd,
    staff_cmd,
    subjects_cmd,
    suspend_cmd,
    worker_cmd,
)
from mamori.cli._context import state
from mamori.cli._output import report_error
from mamori.errors import MamoriError

__all__ = ["app", "main"]


class _Group(TyperGroup):
    """Turns a :class:`MamoriError` from any command into a message and its exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MamoriError as exc:
            report_error(exc)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Group,
    name="mamori",
    help="mamori (守り): your privacy policy as running software (APPI).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(policy_cmd.app, name="policy")
app.add_typer(subjects_cmd.app, name="subjects")
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(consent_cmd.app, name="consent")
app.add_typer(requests_cmd.app, name="requests")
app.add_typer(inquiries_cmd.app, name="inquiries")
app.add_typer(incidents_cmd.app, name="incidents")
app.add_typer(alerts_cmd.app, name="alerts")
app.add_typer(datasets_cmd.app, name="datasets")
app.add_typer(scan_cmd.app, name="scan")
app.add_typer(retention_cmd.app, name="retention")
app.add_typer(provision_cmd.records_app, name="records")
app.add_typer(staff_cmd.app, name="staff")
app.add_typer(staff_cmd.tokens_app, name="tokens")
app.command("use")(subjects_cmd.use_command)
app.command("suspend")(suspend_cmd.suspend)
app.command("suspensions")(suspend_cmd.suspensions)
app.command("init")(init_cmd.init)
app.command("settings")(settings_cmd.settings)
app.command("serve")(serve_cmd.serve)
app.command("worker")(worker_cmd.worker)
app.command("provide")(provision_cmd.provide)
app.command("receive")(provision_cmd.receive)
app.command("open-package")(provision_cmd.open_package_command)
app.command("report")(report_cmd.report)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mamori {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", "-c", help="Config file (default ./mamori.toml; env MAMORI_CONFIG)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    state(ctx).config = config


def main() -> None:
    """The console script: click ends the process with the command's exit code."""
    app()

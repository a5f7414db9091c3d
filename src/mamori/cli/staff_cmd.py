"""``mamori staff ...`` and ``mamori tokens ...``: staff accounts, their passwords and
authenticator apps, and API tokens. Secrets (a one-time password, a token) are printed
once, when they are made, and never again."""

from __future__ import annotations

import datetime as dt
import sys

import typer
from rich.table import Table
from rich.text import Text

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, local_time, note, out, print_json
from mamori.staff import Account, StaffRefused

app = typer.Typer(help="Staff accounts (担当者): add, list, disable, passwords, TOTP.")
tokens_app = typer.Typer(help="API tokens of staff accounts: issue, list, revoke.")

USERNAME = typer.Argument(..., help="The staff account's username.")


@app.command("add")
def add(
    ctx: typer.Context,
    username: str = USERNAME,
    role: str = typer.Option(..., "--role", help="A role of the policy in force."),
    display_name: str | None = typer.Option(None, "--display-name", help="The name shown."),
    as_json: bool = JSON,
) -> None:
    """Add an account; its one-time password is printed once and must be changed at
    first login."""
    with state(ctx).open() as core:
        account, password = core.staff.add(
            username, role=role, display_name=display_name, actor=cli_actor_id()
        )
    if as_json:
        print_json({"account": account.to_dict(), "one_time_password": password})
        return
    out.print(Text(f"added {account.username} ({account.role}): {account.id}"))
    out.print(Text(f"one-time password (shown once): {password}"))
    note("the password must be changed at first login")


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every staff account, with its role and state."""
    with state(ctx).open() as core:
        accounts = core.staff.list()
        zone, now = core.settings.zone, core.clock.now()
    if as_json:
        print_json([a.to_dict() for a in accounts])
        return
    if not accounts:
        out.print("no staff account: `mamori staff add USERNAME --role ROLE`")
        return
    table = Table("username", "name", "role", "state", "TOTP", "last login", title="staff")
    for a in accounts:
        table.add_row(
            Text(a.username),
            Text(a.display_name or "-"),
            Text(a.role),
            _state(a, now),
            "yes" if a.totp_enabled else "no",
            local_time(a.last_login_at, zone),
        )
    out.print(table)


def _state(account: Account, now: dt.datetime) -> str:
    if not account.enabled:
        return "disabled"
    if account.locked(now):
        return "locked"
    return "must change password" if account.must_change_password else "enabled"


def _print_account(account: Account, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(account.to_dict())
    else:
        out.print(Text(f"{verb} {account.username} ({account.role})"))


@app.command("disable")
def disable(ctx: typer.Context, username: str = USERNAME, as_json: bool = JSON) -> None:
    """Disable an account: its sessions end and its API tokens stop working."""
    with state(ctx).open() as core:
        account = core.staff.disable(username, cli_actor_id())
    _print_account(account, "disabled", as_json)


@app.command("enable")
def enable(ctx: typer.Context, username: str = USERNAME, as_json: bool = JSON) -> None:
    """Enable a disabled account again."""
    with state(ctx).open() as core:
        account = core.staff.enable(username, cli_actor_id())
    _print_account(account, "enabled", as_json)


@app.command("password")
def password(
    ctx: typer.Context,
    username: str = USERNAME,
    stdin: bool = typer.Option(False, "--stdin", help="Read the password from stdin's first line."),
    temporary: bool = typer.Option(
        False, "--temporary", help="The person must change it at next login."
    ),
    as_json: bool = JSON,
) -> None:
    """Set an account's password (asked for twice, not echoed; or --stdin). Its sessions
    end and a lockout is lifted."""
    if stdin:
        given = sys.stdin.readline().rstrip("\r\n")
    else:
        given = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    if not given:
        raise StaffRefused({"password": "too_short"}, "password: none given")
    with state(ctx).open() as core:
        account = core.staff.set_password(
            username, given, actor=cli_actor_id(), temporary=temporary
        )
    _print_account(account, "password set for", as_json)


@app.command("totp")
def totp(
    ctx: typer.Context,
    username: str = USERNAME,
    code: str | None = typer.Option(
        None, "--code", help="Confirm the enrolment with the app's current code."
    ),
    remove: bool = typer.Option(False, "--remove", help="Remove the authenticator instead."),
    as_json: bool = JSON,
) -> None:
    """Enrol an authenticator app: prints the otpauth:// URI (for a QR code); then run
    again with --code to confirm. From then on logins need a code."""
    if remove and code is not None:
        raise typer.BadParameter("give --code or --remove, not both")
    with state(ctx).open() as core:
        if remove:
            _print_account(
                core.staff.remove_totp(username, cli_actor_id()), "TOTP removed", as_json
            )
            return
        if code is not None:
            account = core.staff.confirm_totp(username, code, actor=cli_actor_id())
            _print_account(account, "TOTP confirmed for", as_json)
            return
        uri = core.staff.enroll_totp(username, actor=cli_actor_id())
    if as_json:
        print_json({"username": username.strip().lower(), "provisioning_uri": uri})
        return
    out.print(Text(uri))
    note(f"add it to the app, then: mamori staff totp {username} --code NNNNNN")


@tokens_app.command("issue")
def issue(
    ctx: typer.Context,
    username: str = USERNAME,
    name: str = typer.Option(..., "--name", help="What the token is for (e.g. CRM sync)."),
    days: int = typer.Option(90, "--days", help="Days until it expires (1-366)."),
    as_json: bool = JSON,
) -> None:
    """Issue an API token; its secret is printed once."""
    with state(ctx).open() as core:
        info, secret = core.staff.issue_token(username, name=name, days=days, actor=cli_actor_id())
        zone = core.settings.zone
    if as_json:
        print_json({"token": info.to_dict(), "secret": secret})
        return
    out.print(
        Text(f"issued {info.id} for {info.username}, expires {local_time(info.expires_at, zone)}")
    )
    out.print(Text(f"secret (shown once): {secret}"))


@tokens_app.command("list")
def list_tokens(
    ctx: typer.Context,
    username: str | None = typer.Option(None, "--user", help="Only this account's tokens."),
    as_json: bool = JSON,
) -> None:
    """API tokens, newest first: never their secrets."""
    with state(ctx).open() as core:
        tokens = core.staff.list_tokens(username)
        zone, now = core.settings.zone, core.clock.now()
    if as_json:
        print_json([t.to_dict(now) for t in tokens])
        return
    if not tokens:
        out.print("no API token")
        return
    table = Table("id", "user", "name", "state", "expires", "last used", title="API tokens")
    for t in tokens:
        table.add_row(
            t.id,
            Text(t.username),
            Text(t.name),
            t.state(now),
            local_time(t.expires_at, zone),
            local_time(t.last_used_at, zone),
        )
    out.print(table)


@tokens_app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: str = typer.Argument(..., help="The token's id (tk_...)."),
    as_json: bool = JSON,
) -> None:
    """Revoke an API token for good."""
    with state(ctx).open() as core:
        info = core.staff.revoke_token(token_id, cli_actor_id())
        now = core.clock.now()
    if as_json:
        print_json(info.to_dict(now))
        return
    out.print(Text(f"revoked {info.id} ({info.username}: {info.name})"))

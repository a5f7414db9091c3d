"""The actor behind a CLI command: the operating-system user, acting in a policy role."""

from __future__ import annotations

import getpass

import typer

from mamori.access import Actor

ROLE = typer.Option(..., "--as", help="The policy role you act in (e.g. support, officer).")


def cli_actor_id() -> str:
    """``cli:`` and the operating-system user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


def cli_actor(role: str) -> Actor:
    return Actor(cli_actor_id(), role)

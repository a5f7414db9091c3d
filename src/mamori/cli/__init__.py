"""The ``mamori`` command line: Typer commands that parse, call the core, and print."""

from mamori.cli.app import app, main

__all__ = ["app", "main"]

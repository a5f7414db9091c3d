"""``mamori init``: a new folder with mamori.toml, policy.yaml and an up-to-date database."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer

from mamori.cli._output import note, out, write_atomically
from mamori.core import Mamori
from mamori.errors import Conflict, NotFound
from mamori.keys import LocalKeyring, provider_kind
from mamori.settings import Settings

EXAMPLES = ("meta-all-stars",)

_TOML = """\
# mamori settings; every setting is listed by `mamori settings`.
# Relative paths are taken from this file's folder.
database_url = "sqlite:///mamori.db"
policy = "policy.yaml"
default_lang = "ja"
timezone = "Asia/Tokyo"
key_file = "mamori.key"
"""


def _example(name: str) -> str:
    if name not in (*EXAMPLES, "starter"):
        raise NotFound(f"unknown example '{name}' (known: {', '.join(EXAMPLES)})")
    return (resources.files("mamori") / "examples" / name / "policy.yaml").read_text("utf-8")


def init(
    directory: Path = typer.Argument(Path("."), help="Folder to set up (created if missing)."),
    example: str | None = typer.Option(
        None, "--example", help="Start from an example policy: meta-all-stars."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite mamori.toml and policy.yaml."),
) -> None:
    """Create mamori.toml, policy.yaml and the database in DIRECTORY."""
    policy_text = _example(example or "starter")
    toml_path, policy_path = directory / "mamori.toml", directory / "policy.yaml"
    existing = [p for p in (toml_path, policy_path) if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise Conflict(f"{names} already exist; use --force to overwrite")
    created_dir = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    write_atomically(toml_path, _TOML)
    write_atomically(policy_path, policy_text)
    settings = Settings.load(toml_path)
    key_file = settings.key_file
    made_key = provider_kind(settings) == "file" and not key_file.exists()
    try:
        if made_key:
            LocalKeyring.create(key_file)
        with Mamori.open(settings) as core:
            warnings = core.policy.warnings
            db = core.store.safe_url
            core.keys.ensure_service_keys()
    except BaseException:
        # Leave nothing half-made: the files written here go, and so does a new folder.
        for path in (toml_path, policy_path, *([key_file] if made_key else [])):
            if path not in existing:
                path.unlink(missing_ok=True)
        if created_dir and not any(directory.iterdir()):
            directory.rmdir()
        raise
    note(f"wrote {toml_path} and {policy_path} ({len(warnings)} policy warnings)")
    note(f"database ready: {db}")
    if made_key:
        note(f"key-encryption key created: {key_file} (mode 0600; back it up apart from the data)")
    out.print("next: edit policy.yaml, then")
    out.print(f"  mamori -c {toml_path} policy validate")
    out.print(f"  mamori -c {toml_path} policy publish")
    out.print(f"  mamori -c {toml_path} serve")

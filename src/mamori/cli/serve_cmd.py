"""``mamori serve``: the privacy center over HTTP."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from mamori.cli._context import state
from mamori.cli._output import note, warn
from mamori.errors import ConfigError
from mamori.keys import LocalKeyring, provider_kind
from mamori.policy.versions import content_hash


def serve(
    ctx: typer.Context,
    policy: Path | None = typer.Option(None, "--policy", "-p", help="Policy file to serve."),
    host: str | None = typer.Option(None, "--host", help="Address to listen on."),
    port: int | None = typer.Option(None, "--port", help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Worker processes (more than one: PostgreSQL only)."
    ),
) -> None:
    """Serve the published policy, the public-matters page and the API; with the default
    job backend, also run queued jobs (request fulfilment) in a thread.

    The policy file is validated first. If nothing was ever published, the file is
    published as the first version, so a new service has a policy in force from the start.
    With no staff account yet, an officer account is made and its one-time password printed
    once (it must be changed at the first console login).
    """
    import uvicorn

    from mamori.web import create_app

    st = state(ctx)
    st.overrides.update(policy=policy, host=host, port=port)
    core = st.open()
    if workers > 1 and core.store.dialect == "sqlite":
        core.close()
        raise ConfigError(
            "--workers: several worker processes need PostgreSQL (database_url); SQLite "
            "serves from one process"
        )
    key_file = core.settings.key_file
    if provider_kind(core.settings) == "file" and not key_file.exists():
        LocalKeyring.create(key_file)
        note(f"key-encryption key created: {key_file} (mode 0600; back it up apart from the data)")
    core.keys.ensure_service_keys()
    loaded = core.policy
    for warning in loaded.warnings:
        warn(warning)
    latest = core.versions.latest()
    if latest is None:
        result = core.publish(loaded, effective=core.today(), actor="serve")
        note(f"published {loaded.file} as {result.version.label} (first version)")
    elif latest.content_hash != content_hash(loaded.policy):
        warn(
            f"{loaded.file} differs from the published {latest.label}; pages show the version "
            "in force until you run `mamori policy publish`"
        )
    first = core.staff.ensure_first_officer(actor="serve")
    if first is not None:
        username, password = first
        typer.echo(f"first officer account: {username}")
        typer.echo(f"one-time password (shown only now; change it at the first login): {password}")
    settings = core.settings
    note(f"mamori serving {settings.policy} on http://{settings.host}:{settings.port}/")
    worker = None
    if settings.job_backend == "inprocess":
        from mamori.jobs import Worker

        worker = Worker(core).start()
        note("running jobs (request fulfilment) in this process")
    try:
        if workers > 1:
            # Each worker opens its own core from the same settings, passed down in the
            # environment (the parent keeps its core for the job thread).
            if st.config is not None:
                os.environ["MAMORI_CONFIG"] = str(st.config)
            for name in ("policy", "host", "port"):
                if st.overrides.get(name) is not None:
                    os.environ[f"MAMORI_{name.upper()}"] = str(st.overrides[name])
            note(f"{workers} worker processes")
            uvicorn.run(
                "mamori.web.app:create_app_from_env",
                factory=True,
                workers=workers,
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level,
            )
        else:
            uvicorn.run(
                create_app(core),
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level,
            )
    finally:
        if worker is not None:
            thread, stop = worker
            stop.set()
            thread.join(timeout=30)
        core.close()

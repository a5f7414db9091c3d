"""``mamori serve``: the privacy center over HTTP."""

from __future__ import annotations

from pathlib import Path

import typer

from mamori.cli._context import state
from mamori.cli._output import note, warn
from mamori.keys import LocalKeyring, provider_kind
from mamori.policy.versions import content_hash


def serve(
    ctx: typer.Context,
    policy: Path | None = typer.Option(None, "--policy", "-p", help="Policy file to serve."),
    host: str | None = typer.Option(None, "--host", help="Address to listen on."),
    port: int | None = typer.Option(None, "--port", help="Port to listen on."),
) -> None:
    """Serve the published policy, the public-matters page and the API; with the default
    job backend, also run queued jobs (request fulfilment) in a thread.

    The policy file is validated first. If nothing was ever published, the file is
    published as the first version, so a new service has a policy in force from the start.
    """
    import uvicorn

    from mamori.web import create_app

    st = state(ctx)
    st.overrides.update(policy=policy, host=host, port=port)
    core = st.open()
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
    settings = core.settings
    note(f"mamori serving {settings.policy} on http://{settings.host}:{settings.port}/")
    worker = None
    if settings.job_backend == "inprocess":
        from mamori.jobs import Worker

        worker = Worker(core).start()
        note("running jobs (request fulfilment) in this process")
    try:
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

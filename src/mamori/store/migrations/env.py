"""Alembic environment: runs on the connection mamori hands over, never from alembic.ini."""

from __future__ import annotations

from alembic import context

from mamori.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through the alembic CLI
    raise RuntimeError("mamori migrations run through mamori.store.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

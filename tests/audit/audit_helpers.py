"""Shared by the audit tests: a log on a migrated store, and a superuser's tools to tamper."""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa

from mamori.audit import AuditEntry, AuditEvent, AuditLog
from mamori.clock import FixedClock
from mamori.store import Store

_GUARDS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_log_no_update",
        "DROP TRIGGER IF EXISTS audit_log_no_delete",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_update",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
        "DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints",
    ],
}


def open_store(database_url: str) -> Store:
    store = Store(database_url)
    store.upgrade()
    return store


def event(i: int, **changes: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "actor": f"staff:{i % 3}",
        "action": ("collect", "use", "deny", "correct")[i % 4],
        "subject": f"s_{i % 5:04d}",
        "purpose": "sales" if i % 2 else None,
        "items": ("email", "name")[: i % 3],
        "detail": {"request": f"r-{i}", "count": i, "reasons": ["ok"]},
    }
    fields.update(changes)
    return AuditEvent(**fields)


def fill(log: AuditLog, store: Store, first: int, last: int, batch: int = 7) -> list[AuditEntry]:
    """Append events first..last (inclusive) in batches, each batch its own transaction."""
    out: list[AuditEntry] = []
    numbers = list(range(first, last + 1))
    for start in range(0, len(numbers), batch):
        with store.engine.begin() as conn:
            out += log.append(conn, [event(i) for i in numbers[start : start + batch]])
    return out


def make_log(database_url: str, clock: FixedClock, entries: int = 0) -> tuple[Store, AuditLog]:
    store = open_store(database_url)
    log = AuditLog(store, clock)
    if entries:
        fill(log, store, 1, entries)
    return store, log


def superuser(store: Store, *statements: str | tuple[str, dict[str, Any]]) -> None:
    """Drop the append-only triggers, as a superuser could, then run raw SQL."""
    with store.engine.begin() as conn:
        for guard in _GUARDS[store.dialect]:
            conn.execute(sa.text(guard))
        for statement in statements:
            if isinstance(statement, tuple):
                conn.execute(sa.text(statement[0]), statement[1])
            else:
                conn.execute(sa.text(statement))


def row(store: Store, seq: int) -> tuple[bytes, bytes]:
    """(hash, canonical) of entry ``seq``."""
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT hash, canonical FROM audit_log WHERE seq = :s"), {"s": seq}
        ).one()
    return bytes(found[0]), bytes(found[1])


def chain_hash(prev: bytes, canonical: bytes) -> bytes:
    return hashlib.sha256(prev + canonical).digest()


def shift_up(seq: int) -> tuple[str, str]:
    """Statements moving every entry from ``seq`` on one place up (unique keys allow it
    in two steps)."""
    return (
        f"UPDATE audit_log SET seq = -seq - 1 WHERE seq >= {seq}",
        "UPDATE audit_log SET seq = -seq WHERE seq < 0",
    )

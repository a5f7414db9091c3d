"""Where wrapped keys are kept (``subjects`` for data keys, ``service_keys``): the context
each wrap is bound to, counts per KEK, and rewrapping in batches.

Each batch is read in one short transaction, rewrapped outside any transaction, and written
in another short one with an ``executemany`` UPDATE that only touches a row still holding
the same key under the same KEK. Readers are never blocked for long, and a row erased or
replaced meanwhile is left alone.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, func, select

from mamori.keys._aead import frame
from mamori.keys._kek import KekProvider
from mamori.store.tables import Base

__all__ = ["DATA_KEYS", "SERVICE_KEYS", "data_key_context", "pending", "references"]


_LENGTH = struct.Struct(">I").pack


def data_key_context(subject_id: str, key_id: bytes) -> bytes:
    """``mamori:data_key:v1`` + frame(subject id, key id)."""
    subject = subject_id.encode()
    return b"".join((b"mamori:data_key:v1", _LENGTH(len(subject)), subject, _LENGTH(8), key_id))


def service_key_context(name: str, key_id: str) -> bytes:
    return b"mamori:service_key:v1" + frame(name.encode(), key_id.encode())


@dataclass(frozen=True)
class WrappedTable:
    table: Table
    pk: str
    context: Callable[[Any, Any], bytes]

    def _writer(self, engine: Engine) -> Callable[[Connection, list[tuple[Any, ...]]], None]:
        """An executemany UPDATE of (kek_id, wrapped) where (pk, kek_id, key_id) still match.

        On the usual drivers (SQLite, psycopg, PyMySQL) the statement goes to the driver
        as is, with positional parameters: at a million rows SQLAlchemy's per-row parameter
        processing would cost more than the UPDATE itself.
        """
        t = self.table
        style = engine.dialect.paramstyle
        if style in ("qmark", "format", "pyformat"):
            m = "?" if style == "qmark" else "%s"
            sql = (
                f"UPDATE {t.name} SET kek_id = {m}, wrapped = {m} "
                f"WHERE {self.pk} = {m} AND kek_id = {m} AND key_id = {m}"
            )

            def raw(conn: Connection, params: list[tuple[Any, ...]]) -> None:
                conn.exec_driver_sql(sql, params)

            return raw
        update = (
            t.update()
            .where(
                t.c[self.pk] == bindparam("b_pk"),
                t.c.kek_id == bindparam("b_old"),
                t.c.key_id == bindparam("b_key_id"),
            )
            .values(kek_id=bindparam("b_kek"), wrapped=bindparam("b_wrapped"))
        )
        names = ("b_kek", "b_wrapped", "b_pk", "b_old", "b_key_id")

        def core(conn: Connection, params: list[tuple[Any, ...]]) -> None:
            conn.execute(update, [dict(zip(names, p, strict=True)) for p in params])

        return core

    def rewrap_pass(
        self,
        engine: Engine,
        provider: KekProvider,
        primary: str,
        batch_size: int,
        on_batch: Callable[[int], None],
    ) -> int:
        """Rewrap every row not under ``primary`` once, in pk order; returns how many."""
        t = self.table
        pk = t.c[self.pk]
        query = (
            select(pk, t.c.key_id, t.c.kek_id, t.c.wrapped)
            .where(t.c.kek_id != primary)
            .order_by(pk)
            .limit(batch_size)
        )
        write = self._writer(engine)
        last: Any = None
        moved = 0
        while True:
            with engine.connect() as conn:
                batch = query if last is None else query.where(pk > last)
                rows = conn.execute(batch).all()
            if not rows:
                return moved
            last = rows[-1][0]
            fresh = provider.rewrap([(r[2], r[3], self.context(r[0], r[1])) for r in rows])
            params = [
                (kek, blob, r[0], r[2], r[1]) for r, (kek, blob) in zip(rows, fresh, strict=True)
            ]
            with engine.begin() as conn:
                write(conn, params)
            moved += len(rows)
            on_batch(len(rows))


# A subject's data key is kept in its own row (NULL once erased).
DATA_KEYS = WrappedTable(Base.metadata.tables["subjects"], "id", data_key_context)
SERVICE_KEYS = WrappedTable(Base.metadata.tables["service_keys"], "name", service_key_context)


def references(engine: Engine) -> dict[str, tuple[int, int]]:
    """For each KEK id in use: (data keys, service keys) it wraps, counted with GROUP BY."""
    counts: dict[str, list[int]] = {}
    with engine.connect() as conn:
        for column, source in enumerate((DATA_KEYS, SERVICE_KEYS)):
            t = source.table
            query = (
                select(t.c.kek_id, func.count()).where(t.c.kek_id.is_not(None)).group_by(t.c.kek_id)
            )
            for kek_id, count in conn.execute(query):
                counts.setdefault(kek_id, [0, 0])[column] = count
    return {kek_id: (dk, sk) for kek_id, (dk, sk) in counts.items()}


def pending(engine: Engine, primary: str) -> int:
    """How many wrapped keys are not under ``primary``."""
    with engine.connect() as conn:
        return sum(
            conn.execute(
                select(func.count()).select_from(s.table).where(s.table.c.kek_id != primary)
            ).scalar_one()
            for s in (DATA_KEYS, SERVICE_KEYS)
        )

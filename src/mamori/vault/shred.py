"""Crypto-shredding inside the caller's transaction, for every part that disposes of data
(an erasure request, a retention run): one place says what goes and what stays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from mamori.store import Store
from mamori.vault.record import read_ledger, record_columns, unpack

__all__ = ["remove_items", "shred"]

_SHRED = (
    "UPDATE subjects SET erased_at = ?, key_id = NULL, kek_id = NULL, wrapped = NULL, "
    "ledger = NULL, sealed = NULL WHERE id = ?"
)
_DROP_INDEXES = "DELETE FROM blind_indexes WHERE subject_id = ?"
_DROP_INDEX = "DELETE FROM blind_indexes WHERE subject_id = ? AND item = ?"
_READ = "SELECT ledger, sealed FROM subjects WHERE id = ?"
_WRITE = "UPDATE subjects SET ledger = ?, sealed = ? WHERE id = ?"


def shred(cur: Any, store: Store, subject: str, at: dt.datetime) -> None:
    """Destroy the subject's wrapped data key and values and delete its blind indexes; the
    subject row stays, marked erased at ``at``. The caller writes the disposal record and
    the audit entry in the same transaction, then (after commit) drops the cached key
    (``Keyring.forget``) and pushes freed pages out of SQLite's log (``Store.purge_freed``)."""
    cur.execute(store.sql(_DROP_INDEXES), (subject,))
    cur.execute(store.sql(_SHRED), (store.timestamp(at), subject))


def remove_items(cur: Any, store: Store, subject: str, items: Sequence[str]) -> None:
    """Delete some items' values and blind indexes; the subject and its key stay."""
    cur.execute(store.sql(_READ), (subject,))
    row = cur.fetchone()
    if row is None:
        return
    gone = set(items)
    held = {i: h for i, h in read_ledger(row[0]).items() if i not in gone}
    kept = [v for v in unpack(bytes(row[1] or b"")) if v[0] not in gone]
    cur.execute(store.sql(_WRITE), (*record_columns(held, kept), subject))
    cur.executemany(store.sql(_DROP_INDEX), [(subject, item) for item in items])

"""Crypto-shredding inside the caller's transaction, for every part that disposes of data
(an erasure request, a retention run): one place says what goes and what stays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from mamori.store import Store

__all__ = ["remove_items", "shred"]

_SUBJECT_ROWS = (
    "DELETE FROM subject_values WHERE subject_id = ?",
    "DELETE FROM blind_indexes WHERE subject_id = ?",
    "DELETE FROM data_keys WHERE subject_id = ?",
)
_MARK_ERASED = "UPDATE subjects SET erased_at = ? WHERE id = ?"
_ITEM_ROWS = (
    "DELETE FROM subject_values WHERE subject_id = ? AND item = ?",
    "DELETE FROM blind_indexes WHERE subject_id = ? AND item = ?",
)


def shred(cur: Any, store: Store, subject: str, at: dt.datetime) -> None:
    """Delete the subject's values, blind indexes and data key; the subject row stays,
    marked erased at ``at``. The caller writes the disposal record and the audit entry in
    the same transaction, then (after commit) drops the cached key (``Keyring.forget``) and
    pushes freed pages out of SQLite's log (``Store.purge_freed``)."""
    for statement in _SUBJECT_ROWS:
        cur.execute(store.sql(statement), (subject,))
    cur.execute(store.sql(_MARK_ERASED), (store.timestamp(at), subject))


def remove_items(cur: Any, store: Store, subject: str, items: Sequence[str]) -> None:
    """Delete some items' values and blind indexes; the subject and its key stay."""
    for statement in _ITEM_ROWS:
        cur.executemany(store.sql(statement), [(subject, item) for item in items])

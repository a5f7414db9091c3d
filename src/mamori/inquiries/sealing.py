"""Which key seals a ticket's texts, and the associated data binding each text to its place.

A ticket linked to a subject is sealed under that subject's data key, the one the vault
uses: erasing the subject (crypto-shredding, the data key destroyed) leaves the ticket's
title, body, contact address and replies unreadable too. A ticket of someone not in the
vault is sealed under mamori's sealing key (``Keyring.sealer()``), as request payloads are.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from mamori.keys import DataKey, Keyring
from mamori.store import Store

__all__ = ["SUBJECT_MISSING", "SealedWith", "Sealing", "aad"]

SUBJECT_MISSING = "missing"
_AAD = b"mamori:inquiry:v1:"


class SealedWith(StrEnum):
    subject = "subject"  # the linked subject's data key
    service = "service"  # mamori's sealing key


def aad(inquiry_id: str, part: str) -> bytes:
    """Associated data naming the ticket and the text (``title``, ``body``, ``contact``,
    ``summary``, ``reply:N``): a text moved to another place does not open."""
    return _AAD + f"{inquiry_id}:{part}".encode()


class Sealing:
    """Opens the key a ticket's texts are sealed with."""

    def __init__(self, store: Store, keys: Keyring) -> None:
        self._store = store
        self._keys = keys

    def service(self) -> DataKey:
        """mamori's sealing key. Call it before a write transaction: on first use it is
        made in a transaction of its own."""
        return self._keys.sealer()

    def subject_key(self, cur: Any, subject: str) -> DataKey | str:
        """The subject's data key, or why there is none: ``missing`` (no such subject) or
        ``erased`` (its key was destroyed)."""
        cur.execute(
            self._store.sql("SELECT erased_at, key_id, kek_id, wrapped FROM subjects WHERE id = ?"),
            (subject,),
        )
        row = cur.fetchone()
        if row is None:
            return SUBJECT_MISSING
        erased_at, key_id, kek_id, wrapped = row
        if erased_at is not None or wrapped is None:
            return "erased"
        return self._keys.open_data_key(subject, bytes(key_id), kek_id, bytes(wrapped))

    def key(self, cur: Any, sealed_with: SealedWith, subject: str | None) -> DataKey | None:
        """The key of texts sealed ``sealed_with``; None once the subject was erased."""
        if sealed_with is SealedWith.service or subject is None:
            return self.service()
        found = self.subject_key(cur, subject)
        return found if isinstance(found, DataKey) else None

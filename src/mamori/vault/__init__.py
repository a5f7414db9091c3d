"""The vault: subjects and their items, encrypted per field."""

from mamori.vault.results import Collected, Corrected, Erased, Refused, Use
from mamori.vault.vault import SEARCHABLE, Vault, new_subject_id

__all__ = [
    "SEARCHABLE",
    "Collected",
    "Corrected",
    "Erased",
    "Refused",
    "Use",
    "Vault",
    "new_subject_id",
]

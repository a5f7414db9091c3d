"""The audit log: a hash chain of what was done to personal data, with signed checkpoints.

Each entry is the canonical JSON of ``{seq, at, actor, action, subject, purpose, items,
detail}`` (sorted keys, UTF-8, no spaces); its hash is SHA-256(previous hash || those
bytes), the previous hash of entry 1 being 32 zero bytes. Entries are appended in the
caller's transaction (:meth:`AuditLog.append`), so a change and its entry commit together.
A :class:`Checkpoint` signs (Ed25519) the RFC 6962 Merkle root of a range and can be kept
elsewhere; :meth:`AuditLog.verify` recomputes everything from the database and reports the
first bad sequence number. Entries hold ids, item names, reason codes and counts, never a
personal data value.
"""

from mamori.audit._checkpoint import Checkpoint
from mamori.audit._errors import (
    AuditChainBroken,
    AuditEntryNotFound,
    AuditRangeError,
    InvalidAuditEvent,
    InvalidCheckpoint,
)
from mamori.audit._event import (
    ACTIONS,
    AuditEntry,
    AuditEvent,
    canonical_json,
    format_at,
    known_actions,
    register_action,
)
from mamori.audit._log import AuditLog, VerifyReport

__all__ = [
    "ACTIONS",
    "AuditChainBroken",
    "AuditEntry",
    "AuditEntryNotFound",
    "AuditEvent",
    "AuditLog",
    "AuditRangeError",
    "Checkpoint",
    "InvalidAuditEvent",
    "InvalidCheckpoint",
    "VerifyReport",
    "canonical_json",
    "format_at",
    "known_actions",
    "register_action",
]

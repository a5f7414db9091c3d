"""The errors of the audit log, in the tree of :mod:`mamori.errors`::

MamoriError
├── InvalidAuditEvent        audit_event_invalid       (also a ValueError)
├── InvalidCheckpoint        audit_checkpoint_invalid
├── AuditChainBroken         audit_chain_broken
├── NotFound
│   └── AuditEntryNotFound   audit_entry_not_found
└── Conflict
    └── AuditRangeError      audit_range_invalid
"""

from __future__ import annotations

from mamori.errors import Conflict, MamoriError, NotFound

__all__ = [
    "AuditChainBroken",
    "AuditEntryNotFound",
    "AuditRangeError",
    "InvalidAuditEvent",
    "InvalidCheckpoint",
]


class InvalidAuditEvent(MamoriError, ValueError):
    """An audit event breaks the rules: unknown action, bad id, or detail that is too much."""

    code = "audit_event_invalid"
    exit_code = 2


class InvalidCheckpoint(MamoriError):
    """A checkpoint file is not one mamori wrote (bad JSON, field, algorithm or length)."""

    code = "audit_checkpoint_invalid"
    exit_code = 2


class AuditChainBroken(MamoriError):
    """The chain does not verify, so mamori refuses to sign a checkpoint over it."""

    code = "audit_chain_broken"

    def __init__(self, message: str, first_bad_seq: int | None) -> None:
        super().__init__(message)
        self.first_bad_seq = first_bad_seq


class AuditEntryNotFound(NotFound):
    """No audit entry has this sequence number."""

    code = "audit_entry_not_found"


class AuditRangeError(Conflict):
    """A range of entries that the log does not hold (empty log, beyond the head)."""

    code = "audit_range_invalid"

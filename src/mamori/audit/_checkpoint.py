"""Signed checkpoints: an Ed25519 signature over the Merkle root of a range of entries.

The signed statement is the canonical JSON of ``{first_seq, key_id, last_seq, root}``
(root in hex). A checkpoint travels as a small JSON file (:meth:`Checkpoint.to_json`)
that names its algorithms and carries the public key, to be kept away from the database.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mamori.audit._errors import InvalidCheckpoint
from mamori.audit._event import canonical_json

__all__ = ["ALGORITHMS", "FORMAT", "Checkpoint", "statement"]

FORMAT = "mamori-audit-checkpoint/1"
ALGORITHMS = {
    "entry_hash": "sha256(previous hash || canonical entry)",
    "tree": "rfc6962-sha256",
    "signature": "ed25519",
}


def statement(first_seq: int, last_seq: int, root: bytes, key_id: str) -> bytes:
    """The exact bytes that are signed."""
    return canonical_json(
        {"first_seq": first_seq, "last_seq": last_seq, "root": root.hex(), "key_id": key_id}
    )


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed Merkle root over audit entries ``first_seq..last_seq``."""

    first_seq: int
    last_seq: int
    root: bytes
    key_id: str
    public_key: bytes
    signature: bytes
    created_at: dt.datetime

    @classmethod
    def sign(
        cls,
        signer: Ed25519PrivateKey,
        key_id: str,
        first_seq: int,
        last_seq: int,
        root: bytes,
        created_at: dt.datetime,
    ) -> Checkpoint:
        signature = signer.sign(statement(first_seq, last_seq, root, key_id))
        public = signer.public_key().public_bytes_raw()
        return cls(first_seq, last_seq, root, key_id, public, signature, created_at)

    @property
    def size(self) -> int:
        return self.last_seq - self.first_seq + 1

    def statement(self) -> bytes:
        return statement(self.first_seq, self.last_seq, self.root, self.key_id)

    def signature_ok(self, public_key: bytes | None = None) -> bool:
        """Whether the signature verifies, with ``public_key`` or the one it carries."""
        try:
            key = Ed25519PublicKey.from_public_bytes(public_key or self.public_key)
            key.verify(self.signature, self.statement())
        except (InvalidSignature, ValueError):
            return False
        return True

    def label(self) -> str:
        return f"checkpoint {self.first_seq}..{self.last_seq} ({self.key_id})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "root": self.root.hex(),
            "key_id": self.key_id,
            "algorithms": dict(ALGORITHMS),
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "signature": base64.b64encode(self.signature).decode("ascii"),
            "statement": self.statement().decode("utf-8"),
            "created_at": self.created_at.isoformat(),
        }

    def to_json(self) -> str:
        """The checkpoint file: keep it somewhere the database's administrators cannot write."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Checkpoint:
        """Read a checkpoint file; :class:`InvalidCheckpoint` names what is wrong."""
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise InvalidCheckpoint("the checkpoint is not JSON") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidCheckpoint(f"the checkpoint's format is not {FORMAT}")
        if data.get("algorithms") != ALGORITHMS:
            raise InvalidCheckpoint("the checkpoint names algorithms mamori does not use")
        first, last = data.get("first_seq"), data.get("last_seq")
        if not isinstance(first, int) or not isinstance(last, int) or not _int(first, last):
            raise InvalidCheckpoint("first_seq and last_seq must be integers, 1 <= first <= last")
        key_id = data.get("key_id")
        if not isinstance(key_id, str) or not 0 < len(key_id) <= 80:
            raise InvalidCheckpoint("key_id must be a string of 1 to 80 characters")
        root = _decode(data, "root", 32, binascii.a2b_hex)
        public_key = _decode(data, "public_key", 32, _b64)
        signature = _decode(data, "signature", 64, _b64)
        try:
            created_at = dt.datetime.fromisoformat(str(data.get("created_at")))
        except ValueError:
            raise InvalidCheckpoint("created_at is not an ISO 8601 time") from None
        checkpoint = cls(first, last, root, key_id, public_key, signature, created_at)
        signed = data.get("statement")
        if signed is not None and signed != checkpoint.statement().decode("utf-8"):
            raise InvalidCheckpoint("the statement does not match the checkpoint's fields")
        return checkpoint


def _int(first: int, last: int) -> bool:
    return not isinstance(first, bool) and not isinstance(last, bool) and 1 <= first <= last


def _b64(raw: bytes) -> bytes:
    return base64.b64decode(raw, validate=True)


def _decode(data: dict[str, Any], key: str, size: int, decode: Any) -> bytes:
    value = data.get(key)
    try:
        raw = decode(value.encode("ascii")) if isinstance(value, str) else None
    except (binascii.Error, ValueError):
        raw = None
    if not isinstance(raw, bytes) or len(raw) != size:
        raise InvalidCheckpoint(f"{key} must encode {size} bytes")
    return raw

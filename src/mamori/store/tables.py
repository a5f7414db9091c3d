"""Tables, as SQLAlchemy 2 declarative classes. Migrations create them; never create_all."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditCheckpointRow",
    "AuditEntryRow",
    "AuditHeadRow",
    "Base",
    "BlindIndexRow",
    "DataKeyRow",
    "DisposalRow",
    "PolicyVersionRow",
    "ServiceKeyRow",
    "SubjectRow",
    "SubjectValueRow",
]


class Base(DeclarativeBase):
    pass


class PolicyVersionRow(Base):
    """A published policy version. Immutable: the database refuses UPDATE and DELETE."""

    __tablename__ = "policy_versions"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    source_name: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(Text)
    canonical: Mapped[str] = mapped_column(Text)


class SubjectRow(Base):
    """A person whose data mamori holds, by an opaque id (never an email)."""

    __tablename__ = "subjects"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(200))
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DataKeyRow(Base):
    """A subject's data key, wrapped by a key-encryption key. Erasure deletes the row."""

    __tablename__ = "data_keys"

    subject_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    key_id: Mapped[bytes] = mapped_column(LargeBinary(16))
    kek_id: Mapped[str] = mapped_column(String(80), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SubjectValueRow(Base):
    """The current value of one item of one subject, encrypted under the subject's data key."""

    __tablename__ = "subject_values"

    subject_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    purpose: Mapped[str] = mapped_column(String(64))
    collected_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class BlindIndexRow(Base):
    """HMAC of a normalised value, to find a subject by email, phone or device token."""

    __tablename__ = "blind_indexes"

    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    subject_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ServiceKeyRow(Base):
    """A service-wide key (blind index, audit signing), wrapped by a key-encryption key."""

    __tablename__ = "service_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(80))
    kek_id: Mapped[str] = mapped_column(String(80))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DisposalRow(Base):
    """What was erased, when, by whom and why. The values themselves are gone."""

    __tablename__ = "disposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    items: Mapped[str] = mapped_column(Text)  # JSON list of item ids
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditEntryRow(Base):
    """One entry of the hash chain. Append-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, exactly as hashed
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    purpose: Mapped[str | None] = mapped_column(String(64), nullable=True)
    items: Mapped[str] = mapped_column(Text)  # canonical JSON list
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON object
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHeadRow(Base):
    """The newest sequence number and hash: one row, locked by each writer."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpointRow(Base):
    """A signed Merkle root over audit entries first_seq..last_seq."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    key_id: Mapped[str] = mapped_column(String(80))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

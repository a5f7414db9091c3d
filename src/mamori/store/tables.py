"""Tables, as SQLAlchemy 2 declarative classes. Migrations create them; never create_all."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "PolicyVersionRow"]


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

"""The store: one SQLAlchemy engine, its tables, and Alembic migrations."""

from mamori.store.engine import Store
from mamori.store.tables import Base, PolicyVersionRow

__all__ = ["Base", "PolicyVersionRow", "Store"]

"""The store: one SQLAlchemy engine, its tables, and Alembic migrations."""

from mamori.store.engine import Store, read_date, read_time
from mamori.store.tables import Base, PolicyVersionRow

__all__ = ["Base", "PolicyVersionRow", "Store", "read_date", "read_time"]

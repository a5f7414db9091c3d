"""A core with the example policy published, and helpers to look at everything stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.settings import Settings


@pytest.fixture
def core(database_url: str, example_path: Path, clock: FixedClock) -> Iterator[Mamori]:
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


def stored_text(core: Mamori) -> str:
    """Every value of every table, as one text (bytes decoded leniently)."""
    parts: list[str] = []
    engine = core.store.engine
    with engine.connect() as conn:
        for name in sa.inspect(engine).get_table_names():
            for row in conn.execute(sa.text(f"SELECT * FROM {name}")):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def audit_text(core: Mamori) -> str:
    return "\n".join(str(entry) for entry in core.audit.export())

"""A core on the example policy with a special-care and a financial item added, published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from incident_helpers import KEK, incident_policy

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.settings import Settings


@pytest.fixture
def core(
    database_url: str, example_text: str, clock: FixedClock, tmp_path: Path
) -> Iterator[Mamori]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(incident_policy(example_text), encoding="utf-8")
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(policy),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.keys.ensure_service_keys()
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        yield core

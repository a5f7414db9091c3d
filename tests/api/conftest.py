"""A core with the example policy published, one staff token per policy role, a subject,
and a client on the whole app (pages and API)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.settings import Settings
from mamori.web import create_app

KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
OFFICER = Actor("test:officer", "officer")
HANAKO = {
    "name": "山田 花子",
    "email": "hanako@example.jp",
    "phone": "090-1234-5678",
    "birth_date": "1985-01-02",
}
ROLES = ("support", "marketing", "engineer", "officer")


def settings_env(database_url: str, example_path: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAMORI_API_RATE_PER_MINUTE": "6",
        "MAMORI_API_RATE_BURST": "3",
        "MAMORI_API_BODY_LIMIT": "4096",
    }


@pytest.fixture
def core(
    database_url: str, example_path: Path, clock: FixedClock, tmp_path: Path
) -> Iterator[Mamori]:
    env = settings_env(database_url, example_path, tmp_path)
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


@pytest.fixture
def tokens(core: Mamori) -> dict[str, str]:
    """A bearer token for a member of staff in each role of the policy."""
    assert set(core.access().policy.roles) == set(ROLES)
    out: dict[str, str] = {}
    for role in ROLES:
        core.staff.add(f"{role}-one", role=role, actor="test")
        _, secret = core.staff.issue_token(f"{role}-one", name="tests", actor="test")
        out[role] = secret
    return out


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(core: Mamori) -> Iterator[TestClient]:
    with TestClient(create_app(core), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def hanako(core: Mamori) -> str:
    return core.vault.collect(None, HANAKO, "account_admin", OFFICER, "signup").subject


def error_of(response: Any, status: int, code: str, *absent: str) -> dict[str, Any]:
    """The error body of ``response``, checked: the status, the one error shape with its
    code, and none of ``absent`` (values that must never be echoed) anywhere in it."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    for value in absent:
        assert value not in response.text, value
    return error

"""The console on a core with the example policy published, a staff account in each role
(the officer with an authenticator app), a registered person, and a client."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.settings import Settings
from mamori.web import create_app

KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
OFFICER = Actor("test:officer", "officer")
HANAKO = {"name": "山田 花子", "email": "hanako@example.jp", "phone": "090-1234-5678"}
PASSWORDS = {
    "boss": "officer password 2026",
    "helper": "desk secret phrase 2026",
    "eng": "builder secret phrase 2026",
}


@dataclass
class Staff:
    """The accounts made for a test: username -> role, and the officer's TOTP secret."""

    roles: dict[str, str]
    totp: str


@pytest.fixture
def core(
    database_url: str, example_path: Path, clock: FixedClock, tmp_path: Path
) -> Iterator[Mamori]:
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAMORI_API_RATE_PER_MINUTE": "600",
        "MAMORI_API_RATE_BURST": "100",
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


@pytest.fixture
def staff(core: Mamori, clock: FixedClock) -> Staff:
    roles = {"boss": "officer", "helper": "support", "eng": "engineer"}
    for username, role in roles.items():
        core.staff.add(username, role=role, actor="test")
        core.staff.set_password(username, PASSWORDS[username], actor="test")
    uri = core.staff.enroll_totp("boss", actor="test")
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    core.staff.confirm_totp("boss", pyotp.TOTP(secret).at(clock.now()), actor="test")
    return Staff(roles, secret)


@pytest.fixture
def client(core: Mamori) -> Iterator[TestClient]:
    with TestClient(create_app(core), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def hanako(core: Mamori) -> str:
    return core.vault.collect(None, HANAKO, "account_admin", OFFICER, "signup").subject


def form_token(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, f"no form on {path}"
    return found.group(1)


def log_in(
    client: TestClient, username: str, *, clock: FixedClock, staff: Staff, code: bool = True
) -> str:
    """Log in (the officer with a fresh authenticator code); the form token."""
    token = form_token(client, "/console/login")
    data = {"username": username, "password": PASSWORDS[username], "csrf": token}
    if code and username == "boss":
        clock.advance(dt.timedelta(seconds=30))  # a code opens one login only
        data["totp"] = pyotp.TOTP(staff.totp).at(clock.now())
    answer = client.post("/console/login", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return token

"""A core with the example policy published, a person in the vault, and the file outbox."""

from __future__ import annotations

import datetime as dt
import email.policy
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from mamori.access import Actor
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.settings import Settings

OFFICER = Actor("officer-1", "officer")
HANAKO = {"name": "山田 花子", "email": "hanako@example.jp", "phone": "090-1234-5678"}
KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


@pytest.fixture
def env(database_url: str, example_path: Path, tmp_path: Path) -> dict[str, str]:
    """The settings of the test core, as environment variables."""
    return {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
    }


@pytest.fixture
def core(env: dict[str, str], clock: FixedClock) -> Iterator[Mamori]:
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


@pytest.fixture
def hanako(core: Mamori) -> str:
    return core.vault.collect(None, HANAKO, "account_admin", OFFICER, "signup").subject


def read_outbox(folder: Path) -> list[tuple[str, str, str]]:
    """(to, subject, body text) of each message in the file outbox, oldest first."""
    parser = BytesParser(policy=email.policy.default)
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = parser.parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        body = message.get_body()
        assert body is not None
        found.append((str(message["To"]), str(message["Subject"]), str(body.get_content())))
    return found


@pytest.fixture
def mails(tmp_path: Path) -> Callable[[], list[tuple[str, str, str]]]:
    """The messages the core's file outbox holds now."""
    return lambda: read_outbox(tmp_path / "outbox")

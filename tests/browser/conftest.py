"""A real server and a real browser: uvicorn in a thread on a free loopback port over a
temporary SQLite database (the example policy published, staff made through
``core.staff``, mail in a file outbox), and Debian's Chromium driven by Playwright.

Under ``CI=true`` the browser is required: a missing ``/usr/bin/chromium`` is installed
with apt-get when running as root, and the run fails if it is still missing. Elsewhere the
tests are skipped with a message naming what is missing.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest

from mamori.access import Actor
from mamori.core import Mamori
from mamori.settings import Settings
from mamori.web import create_app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "meta-all-stars" / "policy.yaml"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORDS = {"boss": "officer secret phrase 2026", "helper": "desk secret phrase 2026"}
PERSON = {"name": "山田 花子", "email": "hanako@example.jp", "phone": "090-1234-5678"}


def _missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (required under CI=true)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed under CI when missing and allowed."""
    ci = os.environ.get("CI") == "true"
    if not CHROMIUM.exists() and ci and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "chromium"], check=False, env=env)
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: install Debian's chromium package")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the python package playwright is missing")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium), args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Service:
    """The running server and what a test needs to drive and check it."""

    url: str
    core: Mamori
    outbox: Path
    totp: str
    person: str

    def code(self, after: int) -> str:
        """The six-digit code of the first message after the first ``after`` ones."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []
            if len(found) > after:
                message = email.message_from_bytes(found[after].read_bytes())
                body = message.get_payload(decode=True)
                assert isinstance(body, bytes)
                match = re.search(r"^\s+(\d{6})\s*$", body.decode("utf-8"), re.MULTILINE)
                assert match is not None
                return match.group(1)
            time.sleep(0.05)
        raise AssertionError("no code arrived in the outbox")

    def mails(self) -> int:
        return len(list(self.outbox.glob("*.eml"))) if self.outbox.exists() else 0

    def totp_code(self) -> str:
        """A code of the next time step (the enrolment used the current one)."""
        return pyotp.TOTP(self.totp).at(time.time() + 30)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    import uvicorn

    port = _free_port()
    outbox = tmp_path / "outbox"
    env = {
        "MAMORI_DATABASE_URL": f"sqlite:///{tmp_path / 'mamori.db'}",
        "MAMORI_POLICY": str(EXAMPLE),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(outbox),
        "MAMORI_API_RATE_PER_MINUTE": "600",
        "MAMORI_API_RATE_BURST": "100",
    }
    with Mamori.open(Settings.load(env=env)) as core:
        core.publish(core.policy, effective=core.today() - dt.timedelta(days=1))
        core.keys.ensure_service_keys()
        officer = core.access().policy.officer_role
        assert officer is not None
        core.staff.add("boss", role=officer, actor="test")
        core.staff.set_password("boss", PASSWORDS["boss"], actor="test")
        uri = core.staff.enroll_totp("boss", actor="test")
        secret = uri.split("secret=", 1)[1].split("&", 1)[0]
        core.staff.confirm_totp("boss", pyotp.TOTP(secret).now(), actor="test")
        core.staff.add("helper", role="support", actor="test")
        core.staff.set_password("helper", PASSWORDS["helper"], actor="test")
        person = core.vault.collect(
            None, PERSON, "account_admin", Actor("test:officer", officer), "signup"
        ).subject
        config = uvicorn.Config(
            create_app(core),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            ws="none",
            http="h11",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="mamori-test-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        try:
            yield Service(f"http://127.0.0.1:{port}", core, outbox, secret, person)
        finally:
            server.should_exit = True
            thread.join(timeout=15)


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

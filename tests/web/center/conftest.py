"""The privacy center on a core whose policy asks consent for research and for a foreign
third party (with its Rule 17 information), a registered person, and a file outbox the
tests read the mailed codes from."""

from __future__ import annotations

import datetime as dt
import email
import re
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

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
TARO = {"name": "佐藤 太郎", "email": "taro@example.jp"}

AD_PARTNER = """
  ad_partner:
    name: {ja: 広告パートナー株式会社, en: Ad Partner K.K.}
    kind: third_party
    country: US
    address: {ja: 米国カリフォルニア州(架空), en: "California, USA (fictitious)"}
    representative: {ja: 代表者 ジョン・ドウ, en: "John Doe, CEO"}
    items: [name, email]
    purposes: [sales]
    rule17:
      country_system:
        {ja: 米国には包括的な個人情報保護法がありません。, en: The US has no comprehensive law.}
      recipient_measures: {ja: 契約により安全管理措置を講じます。, en: Measures under contract.}
"""


def consent_policy(text: str) -> str:
    """The example with research needing consent and a foreign third party for sales."""
    research = "    profiling: true\n"
    text = text.replace(research, research + "    consent_required: true\n")
    text = text.replace("    marketing: true\n", "    marketing: true\n    provision: true\n", 1)
    return text.replace("\nrecipients:\n", "\nrecipients:\n" + AD_PARTNER.lstrip("\n"), 1)


def settings_env(database_url: str, policy: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(policy),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAMORI_API_RATE_PER_MINUTE": "600",
        "MAMORI_API_RATE_BURST": "100",
        **extra,
    }


@pytest.fixture
def policy_file(tmp_path: Path, example_text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(consent_policy(example_text), encoding="utf-8")
    return path


@pytest.fixture
def core(
    database_url: str, policy_file: Path, clock: FixedClock, tmp_path: Path
) -> Iterator[Mamori]:
    env = settings_env(database_url, policy_file, tmp_path)
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


@pytest.fixture
def client(core: Mamori) -> Iterator[TestClient]:
    with TestClient(create_app(core), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def hanako(core: Mamori) -> str:
    return core.vault.collect(None, HANAKO, "account_admin", OFFICER, "signup").subject


@pytest.fixture
def taro(core: Mamori) -> str:
    return core.vault.collect(None, TARO, "account_admin", OFFICER, "signup").subject


def form_token(client: TestClient, path: str) -> str:
    """The CSRF token of the forms on ``path`` (the page also sets the form cookie)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, f"no form on {path}"
    return found.group(1)


def messages(outbox: Path) -> list[Message]:
    if not outbox.exists():
        return []
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))]


def last_code(outbox: Path) -> str:
    """The six-digit code of the newest message in the outbox."""
    found = messages(outbox)
    assert found, "no message in the outbox"
    body = found[-1].get_payload(decode=True)
    assert isinstance(body, bytes)
    match = re.search(r"^\s+(\d{6})\s*$", body.decode("utf-8"), re.MULTILINE)
    assert match is not None
    return match.group(1)


def sign_in(client: TestClient, outbox: Path, address: str) -> None:
    """Sign in to the center with the code mailed to ``address``."""
    token = form_token(client, "/center/signin")
    sent = client.post("/center/signin", data={"email": address, "csrf": token})
    assert sent.status_code == 200 and "確認コード" in sent.text
    done = client.post("/center/signin/code", data={"code": last_code(outbox), "csrf": token})
    assert done.status_code == 200 and "同意の管理" in done.text, done.text

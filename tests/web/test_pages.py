"""The privacy center serves the version in force: the policy, its history, public matters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.policy.loader import parse_policy
from mamori.settings import Settings
from mamori.web import create_app


@pytest.fixture
def core(database_url: str, example_path: Path, clock: FixedClock) -> Iterator[Mamori]:
    env = {"MAMORI_DATABASE_URL": database_url, "MAMORI_POLICY": str(example_path)}
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        yield core


@pytest.fixture
def client(core: Mamori) -> Iterator[TestClient]:
    with TestClient(create_app(core)) as client:
        yield client


def test_nothing_published_yet(client: TestClient) -> None:
    response = client.get("/policy")
    assert response.status_code == 404
    assert "まだありません" in response.text


def test_the_policy_in_force_in_japanese_and_english(core: Mamori, client: TestClient) -> None:
    core.versions.publish(core.policy, effective=dt.date(2022, 3, 22))
    ja = client.get("/policy")
    assert ja.status_code == 200
    assert '<html lang="ja">' in ja.text
    assert "サービスの勧誘・販売を行うため" in ja.text
    assert "2022年03月22日 制定" in ja.text
    en = client.get("/policy", params={"lang": "en"})
    assert '<html lang="en">' in en.text and "To promote and sell our services" in en.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/policy"


def test_public_matters_page(core: Mamori, client: TestClient) -> None:
    core.versions.publish(core.policy)
    page = client.get("/public-matters")
    assert page.status_code == 200
    for text in (
        "株式会社META ALL-STARS",
        "代表取締役",
        "開示",
        "1,000",
        "meta-all-stars.example/contact",
    ):
        assert text in page.text, text


def test_a_future_version_is_not_shown_before_it_takes_effect(
    core: Mamori, client: TestClient, example_text: str
) -> None:
    core.versions.publish(core.policy, effective=dt.date(2022, 3, 22))
    changed = example_text.replace(
        "ja: サービスの勧誘・販売を行うため", "ja: 当社サービスの勧誘・販売を行うため", 1
    )
    core.versions.publish(parse_policy(changed), effective=dt.date(2027, 1, 1))
    assert "当社サービスの勧誘" not in client.get("/policy").text
    assert "当社サービスの勧誘" in client.get("/policy/v2").text
    history = client.get("/policy/history").text
    assert "v1" in history and "v2" in history and "現行" in history


def test_api_lists_versions_and_errors_are_json(core: Mamori, client: TestClient) -> None:
    core.versions.publish(core.policy)
    [version] = client.get("/v1/policy/versions").json()
    assert version["label"] == "v1"
    assert client.get("/v1/policy/versions/v1").json()["source"].startswith("#")
    missing = client.get("/v1/policy/versions/v9")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "policy_version_not_found"
    bad = client.get("/policy", params={"lang": "fr"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
    assert client.get("/healthz").json()["status"] == "ok"


def test_the_history_page_announces_changes_that_need_notice(
    core: Mamori, client: TestClient, example_text: str
) -> None:
    core.publish(core.policy, effective=dt.date(2022, 3, 22))
    changed = example_text.replace(
        "    marketing: true\n", "    marketing: true\n    profiling: true\n", 1
    )
    core.publish(parse_policy(changed), effective=dt.date(2026, 12, 25))
    announced = client.get("/v1/policy/announcements").json()
    assert [a["version"] for a in announced] == [2]
    assert announced[0]["severity"] in ("notice", "consent")
    page = client.get("/policy/history")
    assert "改定のお知らせ" in page.text and "2026-12-25から適用されます" in page.text
    english = client.get("/policy/history", params={"lang": "en"})
    assert "takes effect on 2026-12-25" in english.text

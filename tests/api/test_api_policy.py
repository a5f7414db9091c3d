"""The published policy over HTTP (no token): the versions and their sources, the one in
force, what changed between two, the announcement a change needing consent makes, and the
public matters (Art. 32) in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from fastapi.testclient import TestClient
from tests.api.conftest import error_of

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.policy.loader import parse_policy


@pytest.fixture
def changed(core: Mamori, example_text: str) -> int:
    """A second version, effective in a month, that adds birth_date to sales."""
    data = yaml.safe_load(example_text)
    data["purposes"]["sales"]["items"].append("birth_date")
    loaded = parse_policy(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return core.publish(loaded, effective=dt.date(2026, 12, 25)).version.number


def test_versions_in_force_and_the_diff(core: Mamori, client: TestClient, changed: int) -> None:
    versions = client.get("/v1/policy/versions")
    assert versions.status_code == 200
    assert [(v["version"], v["effective_on"]) for v in versions.json()] == [
        (1, "2022-03-22"),
        (2, "2026-12-25"),
    ]
    assert versions.json() == [v.to_dict() for v in core.versions.history()]
    for ref in ("v2", "2", "latest", core.versions.get(2).content_hash[:12]):
        one = client.get(f"/v1/policy/versions/{ref}")
        assert one.status_code == 200, (ref, one.text)
        assert one.json()["version"] == 2 and "birth_date" in one.json()["source"]
    in_force = client.get("/v1/policy/in-force").json()
    assert in_force["version"] == 1  # v2 is not effective yet

    changes = client.get("/v1/policy/diff", params={"old": "v1", "new": "latest"})
    assert changes.status_code == 200, changes.text
    body = changes.json()
    assert body["severity"] == "consent"
    assert [c["path"] for c in body["changes"]] == ["purposes.sales.items"]
    same = client.get("/v1/policy/diff", params={"old": "1", "new": "v1"}).json()
    assert same == {"severity": None, "changes": []}

    [announcement] = client.get("/v1/policy/announcements").json()
    assert announcement["version"] == 2 and announcement["severity"] == "consent"
    assert announcement["effective_on"] == "2026-12-25"
    assert [a.id for a in core.announcements.list()] == [announcement["id"]]


def test_the_public_matters_of_the_version_in_force(
    core: Mamori, client: TestClient, clock: FixedClock
) -> None:
    ja = client.get("/v1/policy/public-matters")
    assert ja.status_code == 200
    assert ja.json()["version"] == 1 and ja.json()["lang"] == "ja"
    assert "株式会社META ALL-STARS" in ja.json()["markdown"]
    en = client.get("/v1/policy/public-matters", params={"lang": "en"}).json()
    assert en["lang"] == "en" and "META ALL-STARS" in en["markdown"]
    assert en["markdown"] != ja.json()["markdown"]
    clock.set(dt.datetime(2022, 3, 1, 9, 0, tzinfo=dt.UTC))  # before the first version
    error_of(client.get("/v1/policy/in-force"), 404, "not_found")
    error_of(client.get("/v1/policy/public-matters"), 404, "not_found")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_policy_queries_name_the_field(client: TestClient) -> None:
    error_of(client.get("/v1/policy/versions/v9"), 404, "policy_version_not_found")
    missing = client.get("/v1/policy/diff", params={"old": "v1"})
    assert error_of(missing, 422, "bad_request")["fields"] == ["query.new"]
    long = client.get("/v1/policy/diff", params={"old": "v1", "new": "v" * 21})
    assert error_of(long, 422, "bad_request")["fields"] == ["query.new"]
    error_of(client.get("/v1/policy/diff", params={"old": "v1", "new": "v7"}), 404,
             "policy_version_not_found")  # fmt: skip
    lang = client.get("/v1/policy/public-matters", params={"lang": "fr"})
    assert error_of(lang, 422, "bad_request")["fields"] == ["query.lang"]

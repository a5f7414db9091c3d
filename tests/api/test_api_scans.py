"""Discovery scans over HTTP: a text scan answers findings with offsets and masked values
only; a dataset scan connects to the URL the settings give the dataset (never one from the
request), compares the database with the data map, and is stored and audited; the stored
scans are listed and shown; the officer runs dataset scans, engineers read."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient
from tests.api.conftest import bearer, error_of, settings_env

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.discovery.scanners import AUDIT_ACTION
from mamori.policy.loader import parse_policy
from mamori.settings import Settings

ROWS = 12
NAMES = ["青木 アリス", "馬場 ボブ", "千葉 キャロル", "山田 太郎"]
SHOP = {
    "system": "Test shop",
    "engine": "sqlite",
    "purposes": ["sales"],
    "tables": {
        "customers": {
            "primary_key": ["id"],
            "identity": {"email": "email"},
            "columns": {"full_name": "name", "phone": "phone", "fax": "phone"},
        }
    },
}
CRM = {**SHOP, "system": "CRM without a URL"}


def _email(i: int) -> str:
    return f"member{i}@example.jp"


def _phone(i: int) -> str:
    return f"090-{3000 + i:04d}-{4000 + i:04d}"


def _mobile(i: int) -> str:
    return f"080-{5000 + i:04d}-{6000 + i:04d}"


def _seed(url: str) -> None:
    meta = sa.MetaData()
    customers = sa.Table(
        "customers",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("full_name", sa.String(100)),
        sa.Column("email", sa.String(255)),
        sa.Column("phone", sa.String(20)),
        sa.Column("mobile", sa.String(20)),  # personal, not in the data map
        sa.Column("plan", sa.String(20)),
    )
    engine = sa.create_engine(url)
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                customers.insert(),
                [
                    {"id": i, "full_name": NAMES[i % len(NAMES)], "email": _email(i),
                     "phone": _phone(i), "mobile": _mobile(i), "plan": f"PLAN-{i % 3}"}
                    for i in range(ROWS)
                ],
            )  # fmt: skip
    finally:
        engine.dispose()


@pytest.fixture
def shop_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    _seed(url)
    return url


@pytest.fixture
def core(
    database_url: str,
    example_path: Path,
    example_text: str,
    clock: FixedClock,
    tmp_path: Path,
    shop_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Mamori]:
    """The example policy with two datasets: ``shop`` has a URL in the settings, ``crm``
    has none."""
    monkeypatch.delenv("MAMORI_DATASET_CRM_URL", raising=False)
    monkeypatch.delenv("MAMORI_DATASET_SHOP_URL", raising=False)
    data = yaml.safe_load(example_text)
    data["datasets"] = {"shop": SHOP, "crm": CRM}
    env = settings_env(database_url, example_path, tmp_path)
    env["MAMORI_DATASET_URLS"] = json.dumps({"shop": shop_url})
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        core.publish(parse_policy(text), effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


def _values() -> list[str]:
    return [v for i in range(ROWS) for v in (_email(i), _phone(i), _mobile(i))]


def test_a_dataset_scan_compares_the_database_with_the_data_map(
    core: Mamori, client: TestClient, tokens: dict[str, str], shop_url: str
) -> None:
    officer = bearer(tokens["officer"])
    scanned = client.post("/v1/scans/datasets/shop", json={"sample": 5}, headers=officer)
    assert scanned.status_code == 201, scanned.text
    body = scanned.json()
    assert body["kind"] == "db" and body["sample"] == 5 and body["source"] == shop_url
    columns = {c["column"]: c for c in body["columns"]}
    assert columns["phone"]["personal"] and columns["phone"]["declared"] is True
    assert columns["phone"]["sampled"] == 5  # a sample, never the whole table
    assert columns["email"]["declared_item"] == "email"
    assert not columns["plan"]["personal"]
    comparison = body["comparison"]
    assert comparison["dataset"] == "shop"
    assert [(c["column"], c["entity"]) for c in comparison["undeclared"]] == [
        ("mobile", "jp_phone")
    ]
    assert comparison["declared_empty"] == [
        {"table": "customers", "column": "fax", "item": "phone", "reason": "no_column"}
    ]
    examples = [e for c in body["columns"] for e in c["examples"]]
    assert examples and all("*" in e for e in examples)
    for value in _values():
        assert value not in scanned.text, value

    # stored and audited like `mamori scan db`
    stored = core.scans.get(body["id"])
    assert stored.result.comparison is not None
    assert [c.column for c in stored.result.comparison.undeclared] == ["mobile"]
    [entry] = [e for e in core.audit.export() if e["action"] == AUDIT_ACTION]
    assert entry["actor"].endswith("officer-one")
    assert entry["detail"]["dataset"] == "shop" and entry["detail"]["undeclared"] == 1

    # without the comparison: the scan alone
    plain = client.post("/v1/scans/datasets/shop", json={"compare": False}, headers=officer)
    assert plain.status_code == 201 and plain.json()["comparison"] is None

    engineer = bearer(tokens["engineer"])
    listed = client.get("/v1/scans", headers=engineer)
    assert listed.status_code == 200
    assert {s["id"] for s in listed.json()} == {body["id"], plain.json()["id"]}
    assert client.get("/v1/scans", params={"limit": 1}, headers=engineer).json()[0]["kind"] == "db"
    shown = client.get(f"/v1/scans/{body['id']}", headers=engineer)
    assert shown.status_code == 200
    assert shown.json()["comparison"]["undeclared"] == comparison["undeclared"]
    for value in _values():
        assert value not in shown.text, value
    refused = client.post("/v1/scans/datasets/shop", json={}, headers=engineer)
    error_of(refused, 403, "forbidden")
    assert len(core.scans.list()) == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_only_datasets_of_the_data_map_with_a_configured_url_are_scanned(
    core: Mamori, client: TestClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    officer = bearer(tokens["officer"])
    unknown = client.post("/v1/scans/datasets/nothing", json={}, headers=officer)
    error = error_of(unknown, 404, "not_found")
    assert "nothing" in error["message"] and "crm, shop" in error["message"]
    missing = client.post("/v1/scans/datasets/crm", json={}, headers=officer)
    error = error_of(missing, 422, "dataset_not_configured")
    assert "MAMORI_DATASET_CRM_URL" in error["message"]
    # the request cannot name a URL: unknown fields are ignored, the settings' URL is used
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    body = {"url": elsewhere, "sample": 3}
    done = client.post("/v1/scans/datasets/shop", json=body, headers=officer)
    assert done.status_code == 201 and done.json()["source"] != elsewhere
    assert not (tmp_path / "elsewhere.db").exists()
    for bad, field in (({"sample": 0}, "body.sample"), ({"compare": "maybe"}, "body.compare")):
        refused = client.post("/v1/scans/datasets/shop", json=bad, headers=officer)
        assert error_of(refused, 422, "bad_request")["fields"] == [field]
    path = client.post("/v1/scans/datasets/Shop%20DB", json={}, headers=officer)
    assert error_of(path, 422, "bad_request")["fields"] == ["path.dataset"]
    error_of(client.get("/v1/scans/sc_nothing", headers=officer), 404, "scan_not_found")
    assert len(core.scans.list()) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_text_scan_answers_offsets_and_masked_values_only(
    core: Mamori, client: TestClient, tokens: dict[str, str]
) -> None:
    engineer = bearer(tokens["engineer"])
    text = "お問い合わせ: 山田 花子 様 / 電話 090-1234-5678 / メール hanako@example.jp"
    scanned = client.post("/v1/scans/text", json={"text": text}, headers=engineer)
    assert scanned.status_code == 200, scanned.text
    body = scanned.json()
    by_entity = {f["entity"]: f for f in body["findings"]}
    assert {"jp_phone", "email"} <= set(by_entity)
    phone = by_entity["jp_phone"]
    assert text[phone["start"] : phone["end"]] == "090-1234-5678"
    assert phone["masked"] == "0**-****-**78" and phone["score"] >= 0.5
    assert phone["recognizer"]
    assert "090-1234-5678" not in scanned.text and "hanako@example.jp" not in scanned.text
    assert all(f["masked"] != text[f["start"] : f["end"]] for f in body["findings"])
    stored = core.scans.get(body["scan"])
    assert stored.result.kind == "text" and stored.actor.endswith("engineer-one")
    assert {c.column for c in stored.result.columns} >= {"jp_phone", "email"}
    assert [e["action"] for e in core.audit.export()][-1] == AUDIT_ACTION

    # context words: a bare number is a phone number in a column called 電話番号
    bare = client.post(
        "/v1/scans/text", json={"text": "0312345678", "context": ["電話番号"]}, headers=engineer
    )
    assert [f["entity"] for f in bare.json()["findings"]] == ["jp_phone"]

    empty = client.post("/v1/scans/text", json={"text": ""}, headers=engineer)
    assert error_of(empty, 422, "bad_request")["fields"] == ["body.text"]
    secret = "hanako@example.jp\x00"
    nul = client.post("/v1/scans/text", json={"text": secret}, headers=engineer)
    assert error_of(nul, 422, "bad_request", "hanako@example.jp")["fields"] == ["body.text"]
    large = client.post("/v1/scans/text", json={"text": "x" * 5000}, headers=engineer)
    error_of(large, 413, "payload_too_large")
    marketing = client.post(
        "/v1/scans/text", json={"text": text}, headers=bearer(tokens["marketing"])
    )
    error_of(marketing, 403, "forbidden")
    assert len(core.scans.list()) == 2

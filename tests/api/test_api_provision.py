"""Provision over HTTP: giving data to a third party writes the Art. 29 record and a
sealed package of the consented subjects only; a receipt writes the Art. 30 record; the
records are listed, shown and purged at the end of their period; bad input names the
field and writes nothing."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import HANAKO, OFFICER, bearer, error_of, settings_env

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.policy.loader import parse_policy
from mamori.provision import RecordKind, open_package
from mamori.settings import Settings

PASSPHRASE = "correct horse battery staple"
NOTICE = "広告パートナー株式会社にお名前とメールアドレスを提供することに同意します。"
PARTNER = """
  ad_partner:
    name: {ja: 広告パートナー株式会社, en: Ad Partner K.K.}
    kind: third_party
    country: JP
    address: {ja: 東京都港区(架空), en: "Minato, Tokyo (fictitious)"}
    representative: {ja: 代表者 山本 一郎, en: "Ichiro Yamamoto, CEO"}
    items: [name, email, cookie_id]
    purposes: [sales, service_info]
"""
PROVIDER = {
    "name": "例示データ株式会社",
    "address": "大阪府大阪市(架空)",
    "representative": "代表 鈴木",
}


@pytest.fixture
def core(
    database_url: str,
    example_path: Path,
    example_text: str,
    clock: FixedClock,
    tmp_path: Path,
) -> Iterator[Mamori]:
    """The example policy with a third party that needs consent."""
    text = example_text.replace(
        "    marketing: true\n", "    marketing: true\n    provision: true\n"
    )
    text = text.replace("\nrecipients:\n", "\nrecipients:\n" + PARTNER.lstrip("\n"), 1)
    env = settings_env(database_url, example_path, tmp_path)
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(parse_policy(text), effective=dt.date(2022, 3, 22))
        core.keys.ensure_service_keys()
        yield core


def _person(core: Mamori, n: int) -> str:
    values = {"name": f"利用者{n}", "email": f"user{n}@example.jp"}
    return core.vault.collect(None, values, "sales", OFFICER, "web").subject


def test_provision_to_a_third_party_writes_the_art29_record(
    core: Mamori, client: TestClient, tokens: dict[str, str], clock: FixedClock
) -> None:
    officer = bearer(tokens["officer"])
    consented, other = _person(core, 1), _person(core, 2)
    core.consent.give(consented, "recipient:ad_partner", notice=NOTICE, actor=consented)
    made = client.post(
        "/v1/provisions",
        json={
            "recipient": "ad_partner",
            "items": ["name", "email"],
            "purpose": "sales",
            "basis": "consent",
            "subjects": [consented, other],
            "passphrase": PASSPHRASE,
        },
        headers=officer,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["provided"] == 1
    assert body["excluded"] == {other: ["consent_missing"]}
    [record_id] = body["records"]
    record = core.records.get(record_id)
    assert record.kind is RecordKind.art29 and record.consent_confirmed
    assert core.records.subjects_of(record_id) == [consented]
    files = open_package(base64.b64decode(body["package"]), passphrase=PASSPHRASE)
    rows = [json.loads(line) for line in files["data.jsonl"].decode().splitlines()]
    assert rows == [{"id": consented, "name": "利用者1", "email": "user1@example.jp"}]
    assert "user2@example.jp" not in made.text and PASSPHRASE not in made.text

    listed = client.get("/v1/records", params={"kind": "art29"}, headers=officer).json()
    assert [r["id"] for r in listed] == [record_id]
    mine = client.get("/v1/records", params={"subject": other}, headers=officer).json()
    assert mine == []
    shown = client.get(f"/v1/records/{record_id}", headers=officer).json()
    assert shown["subjects"] == [consented] and shown["kind"] == "art29"
    assert shown["party_name"] == "広告パートナー株式会社"
    error_of(client.get("/v1/records/pr_nothing", headers=officer), 404, "not_found")

    # kept three years: nothing to purge until then, then the record goes (audited)
    purged = client.post("/v1/records/purge", headers=officer)
    assert purged.status_code == 200 and purged.json() == {"removed": []}
    soon = client.get("/v1/records", params={"expiring_within": 3 * 366}, headers=officer)
    assert [r["id"] for r in soon.json()] == [record_id]
    clock.set(clock.now() + dt.timedelta(days=3 * 366))
    _, later = core.staff.issue_token("officer-one", name="later", actor="test")  # tokens expire
    purged = client.post("/v1/records/purge", headers=bearer(later))
    assert purged.json() == {"removed": [record_id]}
    assert core.records.query() == []
    assert [e.detail["record"] for e in core.audit.tail(5) if e.action == "record_purge"] == [
        record_id
    ]


def test_a_receipt_writes_the_art30_record(
    core: Mamori, client: TestClient, tokens: dict[str, str]
) -> None:
    officer = bearer(tokens["officer"])
    hanako = core.vault.collect(None, HANAKO, "account_admin", OFFICER, "signup").subject
    made = client.post(
        "/v1/receipts",
        json={
            "provider": PROVIDER,
            "how_acquired": "本人の同意を得て取得(同意書で確認)",
            "items": ["name", "email"],
            "subjects": [hanako],
            "contract_ref": "DATA-2026-01",
        },
        headers=officer,
    )
    assert made.status_code == 201, made.text
    record = core.records.get(made.json()["id"])
    assert record.kind is RecordKind.art30 and record.party_name == PROVIDER["name"]
    assert core.records.subjects_of(record.id) == [hanako]
    assert [r["id"] for r in client.get("/v1/records", headers=officer).json()] == [record.id]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_provision_names_the_field_and_writes_nothing(
    core: Mamori, client: TestClient, tokens: dict[str, str]
) -> None:
    officer = bearer(tokens["officer"])
    subject = _person(core, 1)
    base = {"recipient": "ad_partner", "items": ["name"], "purpose": "sales", "basis": "consent",
            "subjects": [subject], "passphrase": PASSPHRASE}  # fmt: skip
    unknown = client.post("/v1/provisions", json={**base, "recipient": "nobody"}, headers=officer)
    assert error_of(unknown, 422, "provision_refused")["problems"] == {
        "recipient": "recipient_unknown"
    }
    both = client.post("/v1/provisions", json={**base, "all_consented": True}, headers=officer)
    assert "subjects" in error_of(both, 422, "provision_refused")["problems"]
    undeclared = client.post(
        "/v1/provisions", json={**base, "items": ["birth_date"]}, headers=officer
    )
    assert "items" in error_of(undeclared, 422, "provision_refused")["problems"]
    no_key = {k: v for k, v in base.items() if k != "passphrase"}
    sealed = client.post("/v1/provisions", json=no_key, headers=officer)
    assert "package" in error_of(sealed, 422, "provision_refused", PASSPHRASE)["problems"]
    shape = client.post("/v1/provisions", json={**base, "items": []}, headers=officer)
    assert error_of(shape, 422, "bad_request")["fields"] == ["body.items"]
    provider = {**PROVIDER, "name": " "}
    receipt = client.post(
        "/v1/receipts",
        json={"provider": provider, "how_acquired": "x", "items": ["name"],
              "subjects": ["s_nobody"]},
        headers=officer,
    )  # fmt: skip
    problems = error_of(receipt, 422, "provision_refused", "大阪府")["problems"]
    assert problems == {"provider.name": "required", "subjects": "subject_unknown"}
    kind = client.get("/v1/records", params={"kind": "art99"}, headers=officer)
    assert error_of(kind, 422, "bad_request")["fields"] == ["query.kind"]
    assert core.records.query() == []
    assert client.post("/v1/records/purge", headers=bearer(tokens["support"])).status_code == 403

"""Consent over HTTP: giving and withdrawing reach the ledger, the current choices and the
history read it back, a receipt is signed, a policy change lists whom to ask again, and
bad input is refused naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from fastapi.testclient import TestClient
from tests.api.conftest import bearer, error_of

from mamori.core import Mamori
from mamori.policy.loader import parse_policy

NOTICE = "新商品のお知らせをメールで送ります。/ We email you about new products."


def test_giving_and_withdrawing_reach_the_ledger(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer = bearer(tokens["officer"])
    given = client.post(
        f"/v1/subjects/{hanako}/consents",
        json={
            "target": "purpose:sales",
            "notice": NOTICE,
            "lang": "ja",
            "items": ["email"],
            "valid_until": "2027-11-25T00:00:00+09:00",
            "channel": {"user_agent": "test-agent", "ip": "192.0.2.1"},
        },
        headers=officer,
    )
    assert given.status_code == 201, given.text
    record = given.json()
    assert record["event"] == "given" and record["items"] == ["email"]
    assert record["method"] == "api" and record["recorded_by"].endswith("officer-one")
    choice = core.consent.state(hanako)["purpose:sales"]
    assert choice.given and choice.record_id == record["record_id"]
    assert choice.items == frozenset({"email"})

    current = client.get(f"/v1/subjects/{hanako}/consents", headers=officer).json()
    assert [(c["target"], c["state"]) for c in current] == [("purpose:sales", "given")]

    withdrawn = client.post(
        f"/v1/subjects/{hanako}/consents/withdrawals",
        json={"target": "purpose:sales"},
        headers=officer,
    )
    assert withdrawn.status_code == 201, withdrawn.text
    assert not core.consent.state(hanako)["purpose:sales"].given
    history = client.get(f"/v1/subjects/{hanako}/consents/history", headers=officer).json()
    assert [h["event"] for h in history] == ["given", "withdrawn"]
    assert [h["record_id"] for h in history] == [r.record_id for r in core.consent.history(hanako)]

    receipt = client.get(f"/v1/consents/{record['record_id']}/receipt", headers=officer)
    assert receipt.status_code == 200, receipt.text
    assert NOTICE in receipt.text and "signature" in receipt.json()
    missing = client.get("/v1/consents/cr_nothing/receipt", headers=officer)
    error_of(missing, 404, "not_found")
    # support reads the choices, but may not record them
    support = bearer(tokens["support"])
    assert client.get(f"/v1/subjects/{hanako}/consents", headers=support).status_code == 200
    refused = client.post(
        f"/v1/subjects/{hanako}/consents/withdrawals",
        json={"target": "purpose:sales"},
        headers=support,
    )
    error_of(refused, 403, "forbidden")
    assert len(core.consent.history(hanako)) == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_consent_names_the_field_and_writes_nothing(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer = bearer(tokens["officer"])
    url = f"/v1/subjects/{hanako}/consents"
    unknown = client.post(
        url, json={"target": "recipient:nobody", "notice": NOTICE}, headers=officer
    )
    error = error_of(unknown, 422, "consent_refused")
    assert error["problems"] == {"target": "recipient_unknown"}
    # a use beyond the declared purposes needs its items named
    beyond = client.post(url, json={"target": "purpose:nothing", "notice": NOTICE}, headers=officer)
    assert error_of(beyond, 422, "consent_refused")["problems"] == {"items": "items_required"}
    past = client.post(
        url,
        json={"target": "purpose:sales", "notice": NOTICE, "valid_until": "2020-01-01T00:00Z"},
        headers=officer,
    )
    assert "valid_until" in error_of(past, 422, "consent_refused")["problems"]
    not_covered = client.post(
        url,
        json={"target": "purpose:sales", "notice": NOTICE, "items": ["birth_date"]},
        headers=officer,
    )
    assert "items" in error_of(not_covered, 422, "consent_refused")["problems"]
    rule17 = client.post(
        url,
        json={"target": "purpose:sales", "notice": NOTICE, "rule17_from_policy": True},
        headers=officer,
    )
    assert "rule17_from_policy" in error_of(rule17, 422, "consent_refused")["problems"]
    shape = client.post(url, json={"target": "sales", "notice": ""}, headers=officer)
    error = error_of(shape, 422, "bad_request")
    assert {"body.target", "body.notice"} <= set(error["fields"])
    secret_ip = "203.0.113.77"
    bad_ip = client.post(
        url,
        json={"target": "purpose:sales", "notice": NOTICE, "channel": {"ip": secret_ip + "x"}},
        headers=officer,
    )
    assert "body.channel.ip" in error_of(bad_ip, 422, "bad_request", secret_ip)["fields"]
    bad_subject = client.get("/v1/subjects/..%2F/consents", headers=officer)
    assert bad_subject.status_code in (404, 422)
    assert core.consent.history(hanako) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_policy_change_lists_whom_to_ask_again(
    core: Mamori,
    client: TestClient,
    tokens: dict[str, str],
    hanako: str,
    example_text: str,
) -> None:
    officer = bearer(tokens["officer"])
    given = client.post(
        f"/v1/subjects/{hanako}/consents",
        json={"target": "purpose:sales", "notice": NOTICE},
        headers=officer,
    )
    assert given.status_code == 201
    assert client.get("/v1/consents/pending", headers=officer).json() == []
    data = yaml.safe_load(example_text)
    data["purposes"]["sales"]["items"].append("birth_date")
    core.publish(
        parse_policy(yaml.safe_dump(data, allow_unicode=True)), effective=dt.date(2026, 11, 25)
    )
    pending = client.get("/v1/consents/pending", headers=officer).json()
    assert [(p["subject"], p["target"]) for p in pending] == [(hanako, "purpose:sales")]
    assert [p.subject for p in core.consent.pending()] == [hanako]
    assert core.consent.state(hanako)["purpose:sales"].state.value == "superseded"

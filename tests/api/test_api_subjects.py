"""Subjects over HTTP: what a role may see for a purpose, the decision, consent and
suspensions, correction and erasure — each through the core's access decision."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.api.conftest import HANAKO, bearer

from mamori.core import Mamori

NOTICE = "メールでお知らせを送ります。/ We send you news by email."


def test_support_reads_only_its_items_for_its_purpose(
    client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    support = bearer(tokens["support"])
    seen = client.get(
        f"/v1/subjects/{hanako}", params={"purpose": "account_admin"}, headers=support
    )
    assert seen.status_code == 200
    body = seen.json()
    assert body["decision"]["outcome"] == "allow"
    assert set(body["values"]) == {"name", "email", "phone"}  # no birth_date for support
    denied = client.get(f"/v1/subjects/{hanako}", params={"purpose": "sales"}, headers=support)
    assert denied.status_code == 200
    assert denied.json()["decision"]["outcome"] == "deny"
    assert "values" not in denied.json()
    assert "role_lacks_purpose" in denied.json()["decision"]["reasons"]


def test_the_decision_follows_consent_and_suspension(
    client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    marketing, officer = bearer(tokens["marketing"]), bearer(tokens["officer"])
    url = f"/v1/subjects/{hanako}/decision"
    query = {"purpose": "sales", "items": "name,email"}
    assert client.get(url, params=query, headers=marketing).json()["outcome"] == "allow"
    withdrawn = client.post(
        f"/v1/subjects/{hanako}/consents/withdrawals",
        json={"target": "purpose:sales"},
        headers=officer,
    )
    assert withdrawn.status_code == 201, withdrawn.text
    decision = client.get(url, params=query, headers=marketing).json()
    assert decision["outcome"] == "deny" and "consent_withdrawn" in decision["reasons"]
    given = client.post(
        f"/v1/subjects/{hanako}/consents",
        json={"target": "purpose:sales", "notice": NOTICE, "lang": "ja"},
        headers=officer,
    )
    assert given.status_code == 201, given.text
    assert client.get(url, params=query, headers=marketing).json()["outcome"] == "allow"
    suspended = client.post(
        f"/v1/subjects/{hanako}/suspensions",
        json={"scope": "purpose:sales", "reason": "rights_at_risk"},
        headers=officer,
    )
    assert suspended.status_code == 201, suspended.text
    decision = client.get(url, params=query, headers=marketing).json()
    assert decision["outcome"] == "deny" and decision["reasons"] == ["suspended"]
    again = client.post(
        f"/v1/subjects/{hanako}/suspensions",
        json={"scope": "purpose:sales", "reason": "rights_at_risk"},
        headers=officer,
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    active = client.get(f"/v1/subjects/{hanako}/suspensions", headers=officer).json()
    assert [s["scope"] for s in active] == ["purpose:sales"]
    lifted = client.post(
        f"/v1/subjects/{hanako}/suspensions/lift", json={"scope": "purpose:sales"}, headers=officer
    )
    assert lifted.status_code == 200
    assert client.get(url, params=query, headers=marketing).json()["outcome"] == "allow"
    history = client.get(f"/v1/subjects/{hanako}/consents/history", headers=officer).json()
    assert [r["event"] for r in history] == ["withdrawn", "given"]
    receipt = client.get(f"/v1/consents/{history[1]['record_id']}/receipt", headers=officer)
    assert receipt.status_code == 200 and "signature" in receipt.text
    unknown = client.get("/v1/subjects/s_nobody/decision", params=query, headers=marketing).json()
    assert unknown["outcome"] == "deny" and "subject_unknown" in unknown["reasons"]


def test_collect_use_correct_and_erase(
    core: Mamori, client: TestClient, tokens: dict[str, str]
) -> None:
    officer = bearer(tokens["officer"])
    made = client.post(
        "/v1/subjects",
        json={"purpose": "account_admin", "values": HANAKO, "source": "signup"},
        headers=officer,
    )
    assert made.status_code == 201, made.text
    subject = made.json()["subject"]
    refused = client.post(
        "/v1/subjects",
        json={"purpose": "account_admin", "values": {"email": "not an address"}},
        headers=officer,
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "collect_refused" and "email" in error["problems"]
    assert "not an address" not in refused.text  # no value in errors
    found = client.post(
        "/v1/subjects/search", json={"item": "email", "value": "HANAKO@example.jp"}, headers=officer
    )
    assert found.json()["subjects"] == [subject]
    used = client.post(
        f"/v1/subjects/{subject}/use",
        json={"purpose": "account_admin", "items": ["email"]},
        headers=bearer(tokens["engineer"]),
    )
    assert used.status_code == 200
    assert used.json()["decision"]["reasons"] == ["role_lacks_item"]
    fixed = client.patch(
        f"/v1/subjects/{subject}",
        json={"values": {"phone": "080-0000-1111"}, "reason": "rq_1"},
        headers=officer,
    )
    assert fixed.status_code == 200 and fixed.json()["versions"] == {"phone": 2}
    gone = client.post(f"/v1/subjects/{subject}/erase", json={"reason": "rq_2"}, headers=officer)
    assert gone.status_code == 200 and "email" in gone.json()["items"]
    again = client.post(f"/v1/subjects/{subject}/erase", json={"reason": "x"}, headers=officer)
    assert again.status_code == 404 and again.json()["error"]["code"] == "subject_not_found"
    actions = [e["action"] for e in core.audit.export()]
    assert "erase" in actions and "correct" in actions

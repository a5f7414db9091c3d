"""Inquiries, incidents and alerts, retention and the self-inspection report over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.api.conftest import bearer


def test_support_takes_an_inquiry_from_receipt_to_close(
    client: TestClient, tokens: dict[str, str]
) -> None:
    support = bearer(tokens["support"])
    opened = client.post(
        "/v1/inquiries",
        json={"kind": "question", "title": "退会について", "body": "退会方法を教えてください。"},
        headers=support,
    )
    assert opened.status_code == 201, opened.text
    ticket = opened.json()["id"]
    listed = client.get("/v1/inquiries", params={"status": "open"}, headers=support).json()
    assert [t["id"] for t in listed] == [ticket]
    shown = client.get(f"/v1/inquiries/{ticket}", headers=support).json()
    assert shown["body"] == "退会方法を教えてください。"
    replied = client.post(
        f"/v1/inquiries/{ticket}/replies",
        json={"text": "マイページから退会できます。", "send": False},
        headers=support,
    )
    assert replied.status_code == 201, replied.text
    closed = client.post(
        f"/v1/inquiries/{ticket}/close", json={"summary": "案内済み"}, headers=support
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert client.get("/v1/incidents", headers=support).status_code == 403


def test_the_officer_sees_incidents_alerts_retention_and_the_report(
    client: TestClient, tokens: dict[str, str]
) -> None:
    officer = bearer(tokens["officer"])
    assert client.get("/v1/incidents", headers=officer).json() == []
    assert client.get("/v1/alerts", headers=officer).status_code == 200
    assert client.get("/v1/retention/due", headers=officer).status_code == 200
    dry = client.post("/v1/retention/runs", json={}, headers=officer)
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    report = client.get(
        "/v1/reports/self-inspection",
        params={"since": "2026-10-01", "until": "2026-10-31"},
        headers=officer,
    )
    assert report.status_code == 200, report.text
    assert report.json()["signature"]["audit_seq"] >= 1
    backwards = client.get(
        "/v1/reports/self-inspection",
        params={"since": "2026-10-31", "until": "2026-10-01"},
        headers=officer,
    )
    assert backwards.status_code == 422

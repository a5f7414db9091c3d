"""Inquiries (Art. 40) over HTTP: opened with a reply date, read (audited), replied to by
email, closed; each step reaches the desk; bad input names the field without the text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import bearer, error_of

from mamori.core import Mamori


def test_a_complaint_from_receipt_to_close(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str, tmp_path: Path
) -> None:
    support = bearer(tokens["support"])
    opened = client.post(
        "/v1/inquiries",
        json={
            "kind": "complaint",
            "title": "広告メールが止まらない",
            "body": "配信停止したのに届きます。",
            "subject": hanako,
            "contact": "hanako@example.jp",
            "lang": "ja",
        },
        headers=support,
    )
    assert opened.status_code == 201, opened.text
    ticket = opened.json()
    tid = ticket["id"]
    assert ticket["status"] == "open" and ticket["has_contact"] is True
    assert "hanako@example.jp" not in opened.text and "配信停止" not in opened.text
    assert dt.date.fromisoformat(ticket["due_on"]) > core.today()
    assert core.inquiries.lookup(tid).subject == hanako

    mine = client.get("/v1/inquiries", params={"subject": hanako}, headers=support).json()
    assert [t["id"] for t in mine] == [tid]
    assert client.get("/v1/inquiries", params={"kind": "question"}, headers=support).json() == []
    assert client.get("/v1/inquiries", params={"overdue": True}, headers=support).json() == []

    shown = client.get(f"/v1/inquiries/{tid}", headers=support)
    assert shown.status_code == 200
    assert shown.json()["contact"] == "hanako@example.jp"
    reads = [e for e in core.audit.export() if e["action"] == "inquiry_read"]
    assert [r["detail"]["inquiry"] for r in reads] == [tid]
    assert reads[0]["actor"].endswith("support-one")

    replied = client.post(
        f"/v1/inquiries/{tid}/replies",
        json={"text": "配信を停止しました。ご迷惑をおかけしました。"},
        headers=support,
    )
    assert replied.status_code == 201, replied.text
    assert replied.json()["sent"] is True
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    assert core.inquiries.lookup(tid).status.value == "answered"

    closed = client.post(
        f"/v1/inquiries/{tid}/close", json={"summary": "配信停止を確認"}, headers=support
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert core.inquiries.lookup(tid).closed_at is not None
    late = client.post(f"/v1/inquiries/{tid}/replies", json={"text": "追記"}, headers=support)
    assert late.status_code == 409 and set(late.json()) == {"error"}
    error_of(client.get("/v1/inquiries", headers=bearer(tokens["engineer"])), 403, "forbidden")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_inquiries_name_the_field_and_write_nothing(
    core: Mamori, client: TestClient, tokens: dict[str, str]
) -> None:
    support = bearer(tokens["support"])
    base = {"kind": "question", "title": "質問", "body": "個人的な事情: 山田 花子"}
    contact = client.post(
        "/v1/inquiries", json={**base, "contact": "not-an-address"}, headers=support
    )
    error = error_of(contact, 422, "inquiry_refused", "not-an-address", "山田 花子")
    assert "contact" in error["problems"]
    stranger = client.post("/v1/inquiries", json={**base, "subject": "s_nobody"}, headers=support)
    assert "subject" in error_of(stranger, 422, "inquiry_refused", "山田 花子")["problems"]
    kind = client.post("/v1/inquiries", json={**base, "kind": "praise"}, headers=support)
    assert error_of(kind, 422, "bad_request", "山田 花子")["fields"] == ["body.kind"]
    empty = client.post("/v1/inquiries", json={**base, "title": ""}, headers=support)
    assert error_of(empty, 422, "bad_request")["fields"] == ["body.title"]
    assert core.inquiries.list() == []
    error_of(client.get("/v1/inquiries/INQ-2026-NONE", headers=support), 404, "not_found")
    status = client.get("/v1/inquiries", params={"status": "lost"}, headers=support)
    assert error_of(status, 422, "bad_request")["fields"] == ["query.status"]

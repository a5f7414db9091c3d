"""Incidents over HTTP, from registration to closing: the officer confirms the suggested
categories, drafts and records the reports, notifies the persons affected and closes;
alerts are acknowledged or become incidents; bad input names the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import HANAKO, bearer, error_of

from mamori.core import Mamori


def test_an_incident_from_registration_to_closing(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str, tmp_path: Path
) -> None:
    officer = bearer(tokens["officer"])
    opened = client.post(
        "/v1/incidents",
        json={
            "learned_at": "2026-11-24T09:30:00",  # the configured zone: Asia/Tokyo
            "cause": "unauthorised_access",
            "items": ["name", "email"],
            "subjects": [hanako],
            "texts": {"overview": "管理画面への不正ログイン"},
        },
        headers=officer,
    )
    assert opened.status_code == 201, opened.text
    incident = opened.json()
    iid = incident["id"]
    assert incident["state"] == "open" and incident["learned_on"] == "2026-11-24"
    assert incident["suggested"] == ["malicious"] and incident["affected_count"] == 1
    assert core.incidents.get(iid).learned_on.isoformat() == "2026-11-24"
    assert [i["id"] for i in client.get("/v1/incidents", headers=officer).json()] == [iid]

    described = client.post(
        f"/v1/incidents/{iid}/texts",
        json={"texts": {"prevention": "二要素認証を必須にした"}},
        headers=officer,
    )
    assert described.status_code == 200, described.text
    assert core.incidents.narrative(iid) == {
        "overview": "管理画面への不正ログイン",
        "prevention": "二要素認証を必須にした",
    }

    early = client.post(f"/v1/incidents/{iid}/notify", json={}, headers=officer)
    error_of(early, 409, "conflict")
    classified = client.post(f"/v1/incidents/{iid}/classify", json={}, headers=officer)
    assert classified.status_code == 200, classified.text
    assert classified.json()["categories"] == ["malicious"]
    assert classified.json()["reportable"] is True
    assert core.incidents.get(iid).state.value == "classified"

    draft = client.get(
        f"/v1/incidents/{iid}/reports/preliminary", params={"lang": "ja"}, headers=officer
    )
    assert draft.status_code == 200, draft.text
    assert draft.json()["kind"] == "preliminary" and len(draft.json()["items"]) >= 9
    assert "二要素認証を必須にした" in draft.text
    assert "hanako@example.jp" not in draft.text

    reported = client.post(f"/v1/incidents/{iid}/reports/preliminary", json={}, headers=officer)
    assert reported.status_code == 200 and reported.json()["state"] == "preliminary_reported"
    notified = client.post(f"/v1/incidents/{iid}/notify", json={"lang": "ja"}, headers=officer)
    assert notified.status_code == 200, notified.text
    assert notified.json() == {"incident": iid, "sent": 1, "already": 0, "no_contact": 0,
                               "failed": 0}  # fmt: skip
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    again = client.post(f"/v1/incidents/{iid}/notify", json={}, headers=officer).json()
    assert (again["sent"], again["already"]) == (0, 1)  # each person once
    page = client.get(f"/v1/incidents/{iid}", headers=officer)
    shown = page.json()
    assert shown["notices"]["sent"] == 1 and len(shown["events"]) >= 3

    not_yet = client.post(f"/v1/incidents/{iid}/close", json={}, headers=officer)
    error_of(not_yet, 409, "conflict")
    final = client.post(
        f"/v1/incidents/{iid}/reports/final",
        json={"submitted_at": "2026-11-25T09:00:00+09:00"},
        headers=officer,
    )
    assert final.status_code == 200 and final.json()["state"] == "final_reported"
    closed = client.post(f"/v1/incidents/{iid}/close", json={"note": "再発防止策の実施を確認"},
                         headers=officer)  # fmt: skip
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert core.incidents.get(iid).closed_at is not None
    actions = [e["action"] for e in core.audit.export() if e["action"].startswith("incident_")]
    assert actions[0] == "incident_open" and actions[-1] == "incident_close"
    for value in HANAKO.values():
        assert value not in closed.text and value not in page.text


def test_alerts_are_acknowledged_or_become_incidents(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer = bearer(tokens["officer"])
    seen = core.alerts.record("deny_burst", summary="denials", detail={"count": 40})
    about = core.alerts.record(
        "read_volume", summary="reads", detail={"count": 900}, subject=hanako
    )
    listed = client.get("/v1/alerts", headers=officer).json()
    assert {a["id"] for a in listed} == {seen.id, about.id}
    assert [a["id"] for a in client.get("/v1/alerts", params={"kind": "deny_burst"},
                                        headers=officer).json()] == [seen.id]  # fmt: skip

    unknown = client.post(
        f"/v1/alerts/{seen.id}/acknowledge", json={"incident": "in_nothing"}, headers=officer
    )
    error_of(unknown, 404, "not_found")
    assert core.alerts.get(seen.id).open
    acked = client.post(f"/v1/alerts/{seen.id}/acknowledge", json={}, headers=officer)
    assert acked.status_code == 200 and acked.json()["open"] is False
    twice = client.post(f"/v1/alerts/{seen.id}/acknowledge", json={}, headers=officer)
    error_of(twice, 409, "conflict")

    made = client.post(f"/v1/alerts/{about.id}/incident", json={"items": ["name"]}, headers=officer)
    assert made.status_code == 201, made.text
    incident = made.json()
    assert incident["alert_id"] == about.id and incident["cause"] == "insider"
    assert core.incidents.subjects(incident["id"]) == [hanako]
    assert core.alerts.get(about.id).incident_id == incident["id"]
    assert client.get("/v1/alerts", headers=officer).json() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_incidents_name_the_field_and_write_nothing(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer = bearer(tokens["officer"])
    base = {"learned_at": "2026-11-24T09:30:00+09:00", "cause": "loss", "items": ["email"],
            "subjects": [hanako]}  # fmt: skip
    future = client.post(
        "/v1/incidents", json={**base, "learned_at": "2027-01-01T00:00:00+09:00"}, headers=officer
    )
    assert error_of(future, 422, "incident_refused")["problems"] == {"learned_at": "in_the_future"}
    both = client.post("/v1/incidents", json={**base, "holding": ["email"]}, headers=officer)
    assert "subjects" in error_of(both, 422, "incident_refused")["problems"]
    texts = client.post(
        "/v1/incidents", json={**base, "texts": {"gossip": "山田さんが"}}, headers=officer
    )
    assert "gossip" in error_of(texts, 422, "incident_refused", "山田さんが")["problems"]
    stranger = client.post(
        "/v1/incidents", json={**base, "subjects": ["s_nobody"]}, headers=officer
    )
    assert "subjects" in error_of(stranger, 422, "incident_refused")["problems"]
    cause = client.post("/v1/incidents", json={**base, "cause": "aliens"}, headers=officer)
    assert error_of(cause, 422, "bad_request")["fields"] == ["body.cause"]
    ancient = client.post(
        "/v1/incidents", json={**base, "learned_at": "0001-01-01T00:00:00+09:00"}, headers=officer
    )
    assert "learned_at" in error_of(ancient, 422, "bad_request")["message"]
    email = client.post(
        "/v1/incidents",
        json={**base, "reporter": "client", "client_name": "委託元", "client_email": "nope"},
        headers=officer,
    )
    assert error_of(email, 422, "incident_refused", "nope")["problems"] == {
        "client_email": "not_an_email_address"
    }
    assert core.incidents.list() == []

    iid = core.incidents.open(
        actor="test", learned_at=core.clock.now(), cause="loss", items=["email"], subjects=[hanako]
    ).id
    differs = client.post(
        f"/v1/incidents/{iid}/classify", json={"categories": ["financial"]}, headers=officer
    )
    assert "reason" in error_of(differs, 422, "incident_refused")["problems"]
    kind = client.get(f"/v1/incidents/{iid}/reports/interim", headers=officer)
    assert error_of(kind, 422, "bad_request")["fields"] == ["path.kind"]
    premature = client.post(f"/v1/incidents/{iid}/reports/final", json={}, headers=officer)
    error_of(premature, 409, "conflict")
    missing = client.post("/v1/incidents/in_nothing/classify", json={}, headers=officer)
    error_of(missing, 404, "not_found")
    assert core.incidents.get(iid).state.value == "open"
    support = bearer(tokens["support"])
    error_of(client.post(f"/v1/incidents/{iid}/close", json={}, headers=support), 403, "forbidden")

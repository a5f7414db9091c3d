"""Suspensions of use (Art. 35) over HTTP: suspending and lifting reach the registry, the
active ones and the history read it back, and bad input is refused naming the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import bearer, error_of

from mamori.core import Mamori


def test_suspend_list_and_lift(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer = bearer(tokens["officer"])
    url = f"/v1/subjects/{hanako}/suspensions"
    made = client.post(
        url,
        json={"scope": "provision", "reason": "provision_without_consent", "note": "rq_1 により"},
        headers=officer,
    )
    assert made.status_code == 201, made.text
    assert made.json()["scope"] == "provision"
    assert [s.scope for s in core.suspensions.active(hanako)] == ["provision"]
    also = client.post(url, json={"scope": "all", "reason": "rights_at_risk"}, headers=officer)
    assert also.status_code == 201, also.text

    support = bearer(tokens["support"])
    active = client.get(url, headers=support).json()  # support reads them
    assert sorted(s["scope"] for s in active) == ["all", "provision"]
    everyone = client.get("/v1/suspensions", headers=officer).json()
    assert sorted((s["subject"], s["scope"]) for s in everyone) == [
        (hanako, "all"),
        (hanako, "provision"),
    ]

    lifted = client.post(f"{url}/lift", json={"scope": "all", "note": "解除"}, headers=officer)
    assert lifted.status_code == 200, lifted.text
    assert [s.scope for s in core.suspensions.active(hanako)] == ["provision"]
    again = client.post(f"{url}/lift", json={"scope": "all"}, headers=officer)
    error_of(again, 404, "not_found")
    history = client.get(f"{url}/history", headers=officer).json()
    assert [e["scope"] for e in history] == ["provision", "all", "all"]
    assert len(history) == len(core.suspensions.history(hanako))
    refused = client.post(url, json={"scope": "all", "reason": "rights_at_risk"}, headers=support)
    error_of(refused, 403, "forbidden")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_suspensions_name_the_field(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer = bearer(tokens["officer"])
    url = f"/v1/subjects/{hanako}/suspensions"
    scope = client.post(
        url, json={"scope": "purpose:", "reason": "rights_at_risk"}, headers=officer
    )
    assert error_of(scope, 422, "bad_request")["fields"] == ["body.scope"]
    reason = client.post(url, json={"scope": "all", "reason": "because"}, headers=officer)
    assert error_of(reason, 422, "bad_request")["fields"] == ["body.reason"]
    nul = client.post(
        url, json={"scope": "all", "reason": "rights_at_risk", "note": "a\x00b"}, headers=officer
    )
    assert error_of(nul, 422, "bad_request")["fields"] == ["body.note"]
    unknown = client.post(
        "/v1/subjects/s_nobody/suspensions",
        json={"scope": "all", "reason": "rights_at_risk"},
        headers=officer,
    )
    error_of(unknown, 404, "subject_not_found")
    purpose = client.post(
        url, json={"scope": "purpose:nothing", "reason": "rights_at_risk"}, headers=officer
    )
    assert error_of(purpose, 422, "consent_refused")["problems"] == {"scope": "purpose_unknown"}
    assert core.suspensions.active(hanako) == []
    assert core.suspensions.all_active() == []

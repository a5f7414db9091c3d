"""The person's requests handled by staff over HTTP: submitted on their behalf, verified
by a code to the registered contact or by documents, approved, fulfilled and downloaded,
rejected or withdrawn; queued fulfilment shows as a job; bad input names the field and
never echoes a value."""

from __future__ import annotations

import email.policy
import io
import re
import zipfile
from email.parser import BytesParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import HANAKO, bearer, error_of

from mamori.core import Mamori


def _code(tmp_path: Path) -> str:
    parser = BytesParser(policy=email.policy.default)
    [path] = sorted((tmp_path / "outbox").glob("*.eml"))
    body = parser.parsebytes(path.read_bytes()).get_body()  # type: ignore[attr-defined]
    found = re.search(r"\b(\d{6})\b", body.get_content())
    assert found is not None
    return found.group(1)


def test_a_disclosure_from_receipt_to_download(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str, tmp_path: Path
) -> None:
    support, officer = bearer(tokens["support"]), bearer(tokens["officer"])
    made = client.post(
        "/v1/requests",
        json={"kind": "disclosure", "subject": hanako, "channel": "phone",
              "details": {"method": "electronic"}, "idempotency_key": "call-1"},
        headers=support,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert made.json()["state"] == "received" and made.json()["duplicate"] is False
    assert core.requests.get(rid).subject == hanako
    same = client.post(
        "/v1/requests",
        json={"kind": "disclosure", "subject": hanako, "idempotency_key": "call-1"},
        headers=support,
    )
    assert same.status_code == 200 and same.json() == {**made.json(), "duplicate": True}

    sent = client.post(f"/v1/requests/{rid}/code", headers=support)
    assert sent.status_code == 202, sent.text
    wrong = client.post(f"/v1/requests/{rid}/verify", json={"code": "000000"}, headers=support)
    assert wrong.status_code == 200 and wrong.json()["verified"] is False
    right = client.post(
        f"/v1/requests/{rid}/verify", json={"code": _code(tmp_path)}, headers=support
    )
    assert right.json()["verified"] is True and right.json()["state"] == "verified"
    error_of(client.post(f"/v1/requests/{rid}/approve", headers=support), 403, "forbidden")

    approved = client.post(f"/v1/requests/{rid}/approve", headers=officer)
    assert approved.status_code == 200 and approved.json()["state"] == "in_progress"
    early = client.get(f"/v1/requests/{rid}/download", headers=officer)
    error_of(early, 409, "conflict")
    done = client.post(f"/v1/requests/{rid}/fulfil", json={"now": True}, headers=officer)
    assert done.status_code == 200, done.text
    assert done.json()["request"]["state"] == "completed"
    assert core.requests.get(rid).state.value == "completed"

    package = client.get(f"/v1/requests/{rid}/download", headers=officer)
    assert package.status_code == 200, package.text
    assert package.headers["content-type"] == "application/zip"
    assert f'filename="{rid}.zip"' in package.headers["content-disposition"]
    files = zipfile.ZipFile(io.BytesIO(package.content))
    everything = b"".join(files.read(n) for n in files.namelist()).decode("utf-8", "replace")
    assert HANAKO["email"] in everything and HANAKO["name"] in everything
    downloads = [e for e in core.audit.export() if e["action"] == "download"]
    assert [d["detail"]["request"] for d in downloads] == [rid]

    shown = client.get(f"/v1/requests/{rid}", headers=support).json()
    assert [e["to"] for e in shown["events"]][-1] == "completed"
    states = client.get("/v1/requests", params={"state": "completed"}, headers=support).json()
    assert [r["id"] for r in states] == [rid]
    assert client.get("/v1/requests", params={"subject": hanako}, headers=support).json()


def test_a_correction_is_rejected_and_an_erasure_withdrawn_or_queued(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    support, officer = bearer(tokens["support"]), bearer(tokens["officer"])
    corrected = "080-9999-0000"
    made = client.post(
        "/v1/requests",
        json={"kind": "correction", "subject": hanako, "details": {"values": {"phone": corrected}}},
        headers=support,
    )
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    shown = client.get(f"/v1/requests/{rid}", headers=support)
    assert shown.json()["details"]["items"] == ["phone"]
    assert corrected not in shown.text and corrected not in made.text
    checked = client.post(
        f"/v1/requests/{rid}/verify",
        json={"checked": ["運転免許証"], "method": "documents"},
        headers=support,
    )
    assert checked.status_code == 200 and checked.json()["verification"]["checked"] == [
        "運転免許証"
    ]
    rejected = client.post(
        f"/v1/requests/{rid}/reject",
        json={"code": "no_data", "reason": "該当する記録がありません"},
        headers=officer,
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    request = core.requests.get(rid)
    assert request.state.value == "rejected" and request.reject_code is not None

    erasure = client.post(
        "/v1/requests",
        json={"kind": "erasure", "contact": {"item": "email", "value": HANAKO["email"]}},
        headers=support,
    )
    assert erasure.status_code == 201 and HANAKO["email"] not in erasure.text
    eid = erasure.json()["id"]
    gone = client.post(f"/v1/requests/{eid}/withdraw", headers=support)
    assert gone.status_code == 200 and core.requests.get(eid).state.value == "withdrawn"

    again = client.post("/v1/requests", json={"kind": "erasure", "subject": hanako},
                        headers=support).json()["id"]  # fmt: skip
    core.requests.verify_by_staff(again, actor="test", checked=["健康保険証"])
    client.post(f"/v1/requests/{again}/approve", headers=officer)
    queued = client.post(f"/v1/requests/{again}/fulfil", json={}, headers=officer)
    assert queued.status_code == 202, queued.text
    job = queued.json()["job"]
    assert job["state"] == "queued" and job["ref"] == again
    assert core.jobs.get(job["id"]).state == "queued"
    assert core.requests.get(again).state.value == "in_progress"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_requests_name_the_field_and_write_nothing(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    support, officer = bearer(tokens["support"]), bearer(tokens["officer"])
    kind = client.post("/v1/requests", json={"kind": "refund", "subject": hanako}, headers=support)
    assert error_of(kind, 422, "bad_request")["fields"] == ["body.kind"]
    extra = client.post(
        "/v1/requests",
        json={"kind": "correction", "subject": hanako, "details": {"colour": "青"}},
        headers=support,
    )
    assert error_of(extra, 422, "bad_request")["fields"] == ["body.details.colour"]
    secret = "090-5555-6666"
    scope = client.post(
        "/v1/requests",
        json={"kind": "correction", "subject": hanako,
              "details": {"values": {"no_such_item": secret}}},
        headers=support,
    )  # fmt: skip
    error = error_of(scope, 422, "request_refused", secret)
    assert error["problems"]
    nobody = client.post("/v1/requests", json={"kind": "erasure"}, headers=support)
    assert error_of(nobody, 422, "request_refused")["problems"]
    assert core.requests.query() == []

    rid = client.post("/v1/requests", json={"kind": "erasure", "subject": hanako},
                      headers=support).json()["id"]  # fmt: skip
    code = client.post(f"/v1/requests/{rid}/verify", json={"code": "12345"}, headers=support)
    assert error_of(code, 422, "bad_request")["fields"] == ["body.code"]
    nothing = client.post(f"/v1/requests/{rid}/verify", json={"checked": [" "]}, headers=support)
    assert error_of(nothing, 422, "request_refused")["problems"] == {"checked": "nothing_checked"}
    unverified = client.post(f"/v1/requests/{rid}/approve", headers=officer)
    error_of(unverified, 409, "conflict")
    reason = client.post(
        f"/v1/requests/{rid}/reject", json={"code": "no_data", "reason": ""}, headers=officer
    )
    assert error_of(reason, 422, "bad_request")["fields"] == ["body.reason"]
    error_of(client.get("/v1/requests/rq_nothing", headers=support), 404, "not_found")
    overdue = client.get("/v1/requests", params={"due_within": -1}, headers=support)
    assert error_of(overdue, 422, "bad_request")["fields"] == ["query.due_within"]
    assert core.requests.get(rid).state.value == "received"
    assert [e.to_state.value for e in core.requests.events(rid)] == ["received"]

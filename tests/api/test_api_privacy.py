"""The person's side: a request by the registered contact, a code to that contact, a
short session for that one request, CSRF on form posts, and rate limits."""

from __future__ import annotations

import datetime as dt
import email.policy
import re
from email.parser import BytesParser
from pathlib import Path

from fastapi.testclient import TestClient
from tests.api.conftest import bearer

from mamori.clock import FixedClock
from mamori.core import Mamori

SAME_SITE = {"Origin": "http://testserver"}


def _code(tmp_path: Path) -> str:
    parser = BytesParser(policy=email.policy.default)
    [path] = sorted((tmp_path / "outbox").glob("*.eml"))
    message = parser.parsebytes(path.read_bytes())
    body = message.get_body()  # type: ignore[attr-defined]
    found = re.search(r"\b(\d{6})\b", body.get_content())
    assert found is not None
    return found.group(1)


def _submit(client: TestClient, address: str = "hanako@example.jp") -> str:
    made = client.post(
        "/v1/privacy/requests",
        json={"kind": "disclosure", "contact": {"item": "email", "value": address}},
        headers=SAME_SITE,
    )
    assert made.status_code == 201, made.text
    assert set(made.json()) == {"id", "kind", "due_on"}  # nothing about the person
    return str(made.json()["id"])


def test_a_verified_code_opens_that_request_only(
    core: Mamori, client: TestClient, hanako: str, tmp_path: Path, clock: FixedClock
) -> None:
    rid = _submit(client)
    stranger = _submit(client, "nobody@example.jp")
    assert client.get(f"/v1/privacy/requests/{rid}").status_code == 401
    sent = client.post(f"/v1/privacy/requests/{rid}/code", headers=SAME_SITE)
    assert sent.status_code == 202
    wrong = client.post(
        f"/v1/privacy/requests/{rid}/verify", json={"code": "000000"}, headers=SAME_SITE
    )
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthenticated"
    right = client.post(
        f"/v1/privacy/requests/{rid}/verify", json={"code": _code(tmp_path)}, headers=SAME_SITE
    )
    assert right.status_code == 200, right.text
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/v1/privacy" in cookie
    assert "Secure" not in cookie  # plain HTTP here; Secure over TLS
    csrf = right.json()["csrf"]
    assert "subject" not in right.json()
    status = client.get(f"/v1/privacy/requests/{rid}")
    assert status.status_code == 200 and status.json()["state"] == "verified"
    other = client.get(f"/v1/privacy/requests/{stranger}")
    assert other.status_code == 403
    no_csrf = client.post(f"/v1/privacy/requests/{rid}/withdraw", headers=SAME_SITE)
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["code"] == "forbidden"
    foreign = client.post(
        f"/v1/privacy/requests/{rid}/withdraw",
        headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf},
    )
    assert foreign.status_code == 403
    done = client.post(
        f"/v1/privacy/requests/{rid}/withdraw", headers={**SAME_SITE, "X-CSRF-Token": csrf}
    )
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"
    clock.advance(dt.timedelta(minutes=31))
    ended = client.get(f"/v1/privacy/requests/{rid}")
    assert ended.status_code == 401 and "ended" in ended.json()["error"]["message"]


def test_a_forged_session_is_refused(client: TestClient, hanako: str) -> None:
    rid = _submit(client)
    client.cookies.set("mamori_person", "eyJyIjoicnFfeCJ9.AAAA", path="/v1/privacy")
    assert client.get(f"/v1/privacy/requests/{rid}").status_code == 401


def test_codes_are_rate_limited_per_address(client: TestClient, hanako: str) -> None:
    rid = _submit(client)
    answers = [
        client.post(f"/v1/privacy/requests/{rid}/verify", json={"code": "123456"}) for _ in range(4)
    ]
    assert [a.status_code for a in answers[:3]] == [409, 409, 409]  # burst of 3: not verifying
    limited = answers[3]
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1


def test_staff_follow_the_request_to_its_package(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer, support = bearer(tokens["officer"]), bearer(tokens["support"])
    made = client.post(
        "/v1/requests", json={"kind": "disclosure", "subject": hanako}, headers=support
    )
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    again = client.post(
        "/v1/requests", json={"kind": "disclosure", "subject": hanako}, headers=support
    )
    assert again.status_code == 200 and again.json()["duplicate"] is True
    verified = client.post(
        f"/v1/requests/{rid}/verify",
        json={"checked": ["運転免許証"], "method": "documents"},
        headers=support,
    )
    assert verified.status_code == 200 and verified.json()["state"] == "verified"
    assert client.post(f"/v1/requests/{rid}/approve", headers=support).status_code == 403
    done = client.post(f"/v1/requests/{rid}/fulfil", json={"now": True}, headers=officer)
    assert done.status_code == 200, done.text
    assert done.json()["request"]["state"] == "completed"
    package = client.get(f"/v1/requests/{rid}/download", headers=officer)
    assert package.status_code == 200
    assert package.headers["content-type"] == "application/zip"
    assert package.content[:2] == b"PK"
    shown = client.get(f"/v1/requests/{rid}", headers=support).json()
    assert [e["to"] for e in shown["events"]][-1] == "completed"
    listed = client.get("/v1/requests", params={"state": "completed"}, headers=support).json()
    assert [r["id"] for r in listed] == [rid]

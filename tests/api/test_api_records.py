"""Retention over HTTP: what the rules make due is listed without changing anything, a dry
run changes nothing, a run disposes of it in the vault; support may do neither."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from tests.api.conftest import OFFICER, bearer, error_of

from mamori.clock import FixedClock
from mamori.core import Mamori


def test_a_cookie_id_past_its_period_is_listed_then_disposed(
    core: Mamori, client: TestClient, tokens: dict[str, str], clock: FixedClock
) -> None:
    subject = core.vault.collect(
        None, {"birth_date": "1990-04-01", "cookie_id": "ck-0000-1111"}, "research", OFFICER, "web"
    ).subject
    officer = bearer(tokens["officer"])
    assert client.get("/v1/retention/due", headers=officer).json() == []

    clock.set(clock.now() + dt.timedelta(days=14 * 31))  # the cookie id is kept 13 months
    _, later = core.staff.issue_token("officer-one", name="later", actor="test")
    officer = bearer(later)
    due = client.get("/v1/retention/due", headers=officer)
    assert due.status_code == 200, due.text
    [entry] = [d for d in due.json() if d["subject"] == subject]
    assert entry["items"] == ["cookie_id"] and entry["whole_subject"] is False
    assert "ck-0000-1111" not in due.text

    dry = client.post("/v1/retention/runs", json={}, headers=officer)
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert dry.json()["disposed"] == [] and dry.json()["due"] == due.json()
    assert core.retention.plan() != [] and subject in set(core.vault.holders("cookie_id"))

    run = client.post("/v1/retention/runs", json={"dry_run": False}, headers=officer)
    assert run.status_code == 200, run.text
    assert [d["subject"] for d in run.json()["disposed"]] == [subject]
    assert core.retention.plan() == []
    assert client.get("/v1/retention/due", headers=officer).json() == []
    assert subject not in set(core.vault.holders("cookie_id"))
    assert subject in set(core.vault.holders("birth_date"))  # only the item past its period

    _, helper = core.staff.issue_token("support-one", name="later", actor="test")
    error_of(client.get("/v1/retention/due", headers=bearer(helper)), 403, "forbidden")
    refused = client.post("/v1/retention/runs", json={"dry_run": "perhaps"}, headers=officer)
    assert error_of(refused, 422, "bad_request")["fields"] == ["body.dry_run"]

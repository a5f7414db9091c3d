"""The audit log over HTTP: entries browsed by time, actor and action as the log holds
them, one entry with its hash, the chain verified (and a tampered one caught), checkpoints
signed and listed; bad input names the field."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import HANAKO, bearer, error_of
from tests.audit.audit_helpers import superuser

from mamori.clock import FixedClock
from mamori.core import Mamori

JST = dt.timezone(dt.timedelta(hours=9))


def test_entries_are_browsed_as_the_log_holds_them(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str, clock: FixedClock
) -> None:
    officer = bearer(tokens["officer"])
    clock.set(dt.datetime(2026, 11, 26, 10, 0, tzinfo=JST))
    core.suspensions.suspend(hanako, "all", "rights_at_risk", actor="test:later")
    everything = client.get("/v1/audit/entries", params={"limit": 1000}, headers=officer)
    assert everything.status_code == 200
    assert everything.json() == list(core.audit.export())
    for value in HANAKO.values():
        assert value not in everything.text

    later = client.get(
        "/v1/audit/entries", params={"since": "2026-11-26T00:00:00"}, headers=officer
    ).json()  # no offset: the configured zone
    since = dt.datetime(2026, 11, 26, tzinfo=JST)
    assert later == list(core.audit.export(since))
    assert ("test:later", "suspend") in [(e["actor"], e["action"]) for e in later]
    assert all(e["actor"] != "test:officer" for e in later)  # the collection was the day before
    before = client.get(
        "/v1/audit/entries", params={"until": "2026-11-26T00:00:00+09:00"}, headers=officer
    ).json()
    assert len(before) + len(later) == len(everything.json())
    collected = client.get(
        "/v1/audit/entries", params={"action": "collect", "actor": "test:officer"}, headers=officer
    ).json()
    assert [e["subject"] for e in collected] == [hanako]
    first = client.get("/v1/audit/entries", params={"limit": 2}, headers=officer).json()
    assert first == everything.json()[:2]

    seq = later[-1]["seq"]
    one = client.get(f"/v1/audit/entries/{seq}", headers=officer)
    assert one.status_code == 200, one.text
    assert one.json()["seq"] == seq and one.json()["hash"] == core.audit.get(seq).hash.hex()
    error_of(client.get("/v1/audit/entries/99999", headers=officer), 404, "audit_entry_not_found")
    error_of(client.get("/v1/audit/entries", headers=bearer(tokens["engineer"])), 403, "forbidden")


def test_verify_and_checkpoints(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer, engineer = bearer(tokens["officer"]), bearer(tokens["engineer"])
    verified = client.post("/v1/audit/verify", headers=engineer)
    assert verified.status_code == 200, verified.text
    report = verified.json()
    assert report["ok"] is True and report["entries_checked"] == core.audit.verify().entries_checked
    error_of(client.post("/v1/audit/checkpoints", headers=engineer), 403, "forbidden")

    signed = client.post("/v1/audit/checkpoints", headers=officer)
    assert signed.status_code == 201, signed.text
    checkpoint = signed.json()
    assert checkpoint["first_seq"] == 1 and checkpoint["last_seq"] >= 1
    [stored] = core.audit.checkpoints()
    assert stored.root.hex() == checkpoint["root"]
    listed = client.get("/v1/audit/checkpoints", headers=officer).json()
    assert [c["root"] for c in listed] == [checkpoint["root"]]
    again = client.post("/v1/audit/verify", headers=engineer).json()
    assert again["ok"] is True and again["checkpoints_checked"] == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_tampered_log_fails_verification_and_is_not_signed(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer = bearer(tokens["officer"])
    superuser(core.store, ("UPDATE audit_log SET hash = :h WHERE seq = 2", {"h": b"\x07" * 32}))
    report = client.post("/v1/audit/verify", headers=officer).json()
    assert report["ok"] is False and report["first_bad_seq"] == 2
    refused = client.post("/v1/audit/checkpoints", headers=officer)
    error_of(refused, 409, "audit_chain_broken")
    assert core.audit.checkpoints() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_audit_queries_name_the_field(client: TestClient, tokens: dict[str, str]) -> None:
    officer = bearer(tokens["officer"])
    for params, field in (
        ({"since": "yesterday"}, "query.since"),
        ({"action": "drop table"}, "query.action"),
        ({"limit": 0}, "query.limit"),
        ({"actor": "x" * 201}, "query.actor"),
    ):
        response = client.get("/v1/audit/entries", params=params, headers=officer)
        assert error_of(response, 422, "bad_request")["fields"] == [field], params
    ancient = client.get(
        "/v1/audit/entries", params={"since": "0001-01-01T00:00:00"}, headers=officer
    )
    assert "since" in error_of(ancient, 422, "bad_request")["message"]
    seq = client.get("/v1/audit/entries/0", headers=officer)
    assert error_of(seq, 422, "bad_request")["fields"] == ["path.seq"]

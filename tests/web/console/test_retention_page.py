"""Retention in the console: the officer records an account closed, sees the subject due
once the example policy's 90 days have passed, makes a dry run that changes nothing and a
run that crypto-shreds the subject; other roles are refused; every form needs its token."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from tests.web.console.conftest import Staff, log_in

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.vault.record import unpack


def _held(core: Mamori, subject: str) -> set[str]:
    with core.store.transaction(write=False) as cur:
        cur.execute(core.store.sql("SELECT sealed FROM subjects WHERE id = ?"), (subject,))
        row = cur.fetchone()
    return {item for item, _, _ in unpack(bytes(row[0] or b""))} if row else set()


def test_who_may_open_the_retention_page(
    client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    answer = client.get("/console/retention", follow_redirects=False)
    assert answer.status_code == 303 and "/console/login" in answer.headers["location"]
    for username in ("helper", "eng"):
        token = log_in(client, username, clock=clock, staff=staff)
        assert client.get("/console/retention").status_code == 403
        ran = client.post("/console/retention/run", data={"csrf": token, "mode": "dry_run"})
        assert ran.status_code == 403
    log_in(client, "boss", clock=clock, staff=staff)
    page = client.get("/console/retention")
    assert page.status_code == 200
    assert 'id="plan-empty"' in page.text and 'id="last-daily"' in page.text
    assert 'href="/console/retention?lang=ja"' in page.text


def test_an_account_closed_is_disposed_of_after_its_period(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    clock.advance(dt.timedelta(hours=2))
    token = log_in(client, "boss", clock=clock, staff=staff)
    closed_at = (clock.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    recorded = client.post(
        "/console/retention/events",
        data={"csrf": token, "event": "account_closed", "subject": hanako, "at": closed_at},
    )
    assert recorded.status_code == 200 and "退会を記録しました" in recorded.text
    [event] = [e for e in core.retention.events(hanako) if e["event"] == "account_closed"]
    assert event["recorded_by"] == "staff:boss"
    assert hanako not in client.get("/console/retention").text  # not due yet

    clock.advance(dt.timedelta(days=100))
    token = log_in(client, "boss", clock=clock, staff=staff)  # the session has expired
    page = client.get("/console/retention").text
    assert hanako in page and "purpose account_admin after account_closed keep P90D" in page
    assert "本人ごと暗号消去" in page

    dry = client.post("/console/retention/run", data={"csrf": token, "mode": "dry_run"})
    assert dry.status_code == 200 and "変更していません" in dry.text and hanako in dry.text
    assert _held(core, hanako) == {"name", "email", "phone"}

    done = client.post("/console/retention/run", data={"csrf": token, "mode": "run"})
    assert done.status_code == 200
    assert '<strong id="disposed-subjects">1</strong>' in done.text
    assert _held(core, hanako) == set()
    with core.store.transaction(write=False) as cur:
        cur.execute(core.store.sql("SELECT erased_at FROM subjects WHERE id = ?"), (hanako,))
        assert cur.fetchone()[0] is not None
    assert 'id="plan-empty"' in done.text
    assert any(e.action == "retention_dispose" and e.subject == hanako for e in core.audit.tail(5))


def test_a_refused_event_names_the_field_and_records_nothing(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    no_purpose = client.post(
        "/console/retention/events", data={"csrf": token, "event": "purpose_ended"}
    )
    assert no_purpose.status_code == 400 and "purpose_missing" in no_purpose.text
    future = (clock.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    later = client.post(
        "/console/retention/events",
        data={"csrf": token, "event": "account_closed", "subject": hanako, "at": future},
    )
    assert later.status_code == 400 and "in_future" in later.text
    derived = client.post(
        "/console/retention/events", data={"csrf": token, "event": "collected", "subject": hanako}
    )
    assert derived.status_code == 400
    nobody = client.post(
        "/console/retention/events",
        data={"csrf": token, "event": "account_closed", "subject": "sj_nobody"},
    )
    assert nobody.status_code == 404
    ended = client.post(
        "/console/retention/events",
        data={"csrf": token, "event": "purpose_ended", "purpose": "sales"},
    )
    assert ended.status_code == 200
    events = core.retention.events(hanako)
    assert [(e["event"], e["subject"], e["purpose"]) for e in events] == [
        ("purpose_ended", None, "sales")
    ]


def test_retention_forms_need_the_form_token(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    log_in(client, "boss", clock=clock, staff=staff)
    core.retention.mark_event(hanako, "account_closed", actor="test")
    clock.advance(dt.timedelta(days=100))
    log_in(client, "boss", clock=clock, staff=staff)
    ran = client.post("/console/retention/run", data={"csrf": "forged", "mode": "run"})
    assert ran.status_code == 403
    marked = client.post(
        "/console/retention/events",
        data={"csrf": "forged", "event": "account_closed", "subject": hanako},
    )
    assert marked.status_code == 403
    assert _held(core, hanako) == {"name", "email", "phone"}
    assert len(core.retention.events(hanako)) == 1
    assert core.retention.plan()[0].subject == hanako

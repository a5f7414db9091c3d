"""Staff at work in the console: requests through to fulfilment and refusal, a subject
look-up through the access decision, inquiries, incidents and alerts, the audit chain,
reports, and the officer publishing a policy version."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fastapi.testclient import TestClient
from tests.web.console.conftest import Staff, log_in

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.requests.model import RequestState


def test_a_request_verified_by_support_then_fulfilled_by_the_officer(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    request_id = core.requests.submit("disclosure", actor="test", subject=hanako).request.id
    token = log_in(client, "helper", clock=clock, staff=staff)
    queue = client.get("/console/requests").text
    assert request_id in queue and "残り14日" in queue
    page = client.get(f"/console/requests/{request_id}").text
    assert "本人確認済みにする" in page and "今すぐ対応する" not in page
    verified = client.post(
        f"/console/requests/{request_id}/verify",
        data={"csrf": token, "checked": "運転免許証、健康保険証", "method": "documents"},
    )
    assert verified.status_code == 200
    assert core.requests.get(request_id).verification == {
        "method": "documents",
        "checked": ["運転免許証", "健康保険証"],
        "by": "staff:helper",
    }
    refused = client.post(f"/console/requests/{request_id}/fulfil", data={"csrf": token})
    assert refused.status_code == 403
    assert core.requests.get(request_id).state is RequestState.verified
    token = log_in(client, "boss", clock=clock, staff=staff)
    done = client.post(
        f"/console/requests/{request_id}/fulfil",
        data={"csrf": token},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200 and 'id="request"' in done.text
    assert core.requests.get(request_id).state is RequestState.completed
    listed = client.get("/console/requests", params={"show": "all"}).text
    assert listed.count(f"<code>{request_id}</code>") == 1 and "completed" in listed


def test_a_refusal_records_the_reason_the_person_reads(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    request_id = core.requests.submit("erasure", actor="test", subject=hanako).request.id
    token = log_in(client, "boss", clock=clock, staff=staff)
    client.post(
        f"/console/requests/{request_id}/reject",
        data={"csrf": token, "code": "other_law", "reason": "法令上の保存義務があります。"},
    )
    rejected = core.requests.get(request_id)
    assert rejected.state is RequestState.rejected
    assert rejected.reject_reason == "法令上の保存義務があります。"
    empty = client.post(
        f"/console/requests/{request_id}/reject",
        data={"csrf": token, "code": "other_law", "reason": ""},
    )
    assert empty.status_code == 400


def test_a_look_up_shows_what_the_purpose_and_role_allow_and_is_audited(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    token = log_in(client, "helper", clock=clock, staff=staff)
    form = client.get("/console/subjects").text
    assert 'value="inquiries"' in form and 'value="sales"' not in form
    found = client.post(
        "/console/subjects/find",
        data={"csrf": token, "item": "email", "value": "HANAKO@example.jp", "purpose": "inquiries"},
        follow_redirects=False,
    )
    assert found.status_code == 303
    assert found.headers["location"] == f"/console/subjects/{hanako}?purpose=inquiries&lang=ja"
    page = client.get(f"/console/subjects/{hanako}", params={"purpose": "inquiries"}).text
    assert "山田 花子" in page and "hanako@example.jp" in page and "allow" in page
    use = core.audit.tail(1)[0]
    assert use.actor == "staff:helper" and use.subject == hanako and use.purpose == "inquiries"
    assert "山田" not in json.dumps(use.fields(), ensure_ascii=False)
    denied = client.get(f"/console/subjects/{hanako}", params={"purpose": "sales"}).text
    assert "deny" in denied and "山田 花子" not in denied and "role_lacks_purpose" in denied
    nobody = client.post(
        "/console/subjects/find",
        data={"csrf": token, "item": "email", "value": "x@example.jp", "purpose": "inquiries"},
    )
    assert nobody.status_code == 200 and "該当する本人はいません" in nobody.text
    assert "x@example.jp" not in nobody.text


def test_consent_and_suspension_views(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    core.consent.give(hanako, "purpose:sales", notice="お知らせ", actor="test")
    core.suspensions.suspend(hanako, "purpose:sales", actor="test", reason="rights_at_risk")
    log_in(client, "helper", clock=clock, staff=staff)
    consent = client.get("/console/consent", params={"subject": hanako}).text
    assert "purpose:sales" in consent and "given" in consent
    suspended = client.get("/console/suspensions").text
    assert hanako in suspended and "purpose:sales" in suspended


def test_an_inquiry_read_replied_and_closed(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    ticket = core.inquiries.open(
        "question", title="退会後のデータ", body="退会後も残りますか。", actor="person",
        contact="hanako@example.jp",
    )  # fmt: skip
    token = log_in(client, "helper", clock=clock, staff=staff)
    listed = client.get("/console/inquiries").text
    assert ticket.id in listed
    page = client.get(f"/console/inquiries/{ticket.id}").text
    assert "退会後も残りますか。" in page
    assert any(e.action == "inquiry_read" for e in core.audit.tail(3))
    client.post(
        f"/console/inquiries/{ticket.id}/reply",
        data={"csrf": token, "text": "消去します。", "send": "yes", "status": "answered"},
    )
    assert core.inquiries.lookup(ticket.id).status.value == "answered"
    assert list(Path(core.settings.outbox_dir).glob("*.eml"))
    client.post(
        f"/console/inquiries/{ticket.id}/close", data={"csrf": token, "summary": "回答済み"}
    )
    assert core.inquiries.lookup(ticket.id).status.value == "closed"


def test_alerts_on_the_dashboard_and_acknowledged(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    alert = core.alerts.record("deny_burst", summary="12 denials in 10 minutes", detail={})
    token = log_in(client, "boss", clock=clock, staff=staff)
    board = client.get("/console").text
    assert "12 denials in 10 minutes" in board and "確認済みにする" in board
    client.post(f"/console/alerts/{alert.id}/ack", data={"csrf": token})
    assert not core.alerts.get(alert.id).open
    helper = TestClient(client.app, base_url="http://testserver")
    with helper:
        log_in(helper, "helper", clock=clock, staff=staff)
        assert "12 denials" not in helper.get("/console").text


def test_the_audit_chain_verified_with_an_htmx_swap(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    page = client.get("/console/audit", params={"action": "login"}).text
    assert "staff:boss" in page
    answer = client.post(
        "/console/audit/verify", data={"csrf": token}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200
    assert (
        answer.text.startswith('<div id="verify-result"')
        and "改ざんは検出されませんでした" in answer.text
    )


def test_a_report_is_made_and_downloaded(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    answer = client.post(
        "/console/reports",
        data={"csrf": token, "since": "2026-10-01", "until": "2026-10-31", "fmt": "json"},
    )
    assert answer.status_code == 200
    assert (
        'filename="mamori-report-2026-10-01-2026-10-31.json"'
        in answer.headers["content-disposition"]
    )
    document = answer.json()
    assert document["signature"]["audit_seq"] == core.audit.tail(1)[0].seq
    bad = client.post(
        "/console/reports",
        data={"csrf": token, "since": "2026-10-31", "until": "2026-10-01", "fmt": "json"},
    )
    assert bad.status_code == 400


def test_the_officer_publishes_the_changed_file(
    core: Mamori,
    client: TestClient,
    staff: Staff,
    clock: FixedClock,
    tmp_path: Path,
    example_text: str,
) -> None:
    changed = tmp_path / "policy.yaml"
    changed.write_text(
        example_text.replace("ja: サービスの勧誘・販売を行うため", "ja: 新サービスの勧誘", 1),
        encoding="utf-8",
    )
    core.settings = core.settings.model_copy(update={"policy": changed})
    token = log_in(client, "boss", clock=clock, staff=staff)
    page = client.get("/console/policy").text
    assert "未公表の変更があります" in page and "<ins>新</ins>" in page
    client.post("/console/policy/publish", data={"csrf": token, "effective": "2026-12-01"})
    [_, latest] = core.versions.history()
    assert latest.number == 2 and latest.effective_on == dt.date(2026, 12, 1)
    compared = client.get("/console/policy", params={"from": "v1", "to": "v2"}).text
    assert "purposes.sales" in compared


def test_an_incident_with_its_deadlines_and_report_draft(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    incident = core.incidents.open(
        actor="test:officer",
        learned_at=clock.now(),
        cause="misdelivery",
        items=["name", "email"],
        subjects=[hanako],
    )
    log_in(client, "boss", clock=clock, staff=staff)
    board = client.get("/console").text
    assert incident.id in board and incident.preliminary_due.isoformat() in board
    listed = client.get("/console/incidents").text
    assert incident.id in listed
    draft = client.get(f"/console/incidents/{incident.id}", params={"draft": "preliminary"})
    assert draft.status_code == 200
    assert 'id="draft-title"' in draft.text and incident.final_due.isoformat() in draft.text
    english = client.get(
        f"/console/incidents/{incident.id}", params={"draft": "final", "lang": "en"}
    )
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert client.get("/console/incidents/no-such-incident").status_code == 404


def test_an_authenticator_app_enrolled_from_the_console(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    import re

    import pyotp

    token = log_in(client, "helper", clock=clock, staff=staff)
    assert "未登録" in client.get("/console/totp").text
    started = client.post("/console/totp/start", data={"csrf": token})
    found = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', started.text)
    assert found is not None
    code = pyotp.TOTP(found.group(1)).at(clock.now())
    done = client.post("/console/totp/confirm", data={"csrf": token, "code": code})
    assert done.status_code == 200 and "登録済み" in done.text
    assert core.staff.get("helper").totp_enabled

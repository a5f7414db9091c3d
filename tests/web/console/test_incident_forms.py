"""The officer's incident forms: register an incident (by a list of subjects, by a query,
from an alert), confirm its categories (the suggestion, or a choice with its reason, or
excluded for encryption with a safe key), record the reports, notify the persons (counts
of sent, no contact and already sent) and close it. Other roles are refused; every form
needs its token; a refused registration names the field and writes nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fastapi.testclient import TestClient
from tests.web.console.conftest import OFFICER, Staff, log_in

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.incidents import Category, IncidentState


def _when(clock: FixedClock, hours: int = 2) -> str:
    return (clock.now() - dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _registered(answer_location: str) -> str:
    found = re.search(r"/console/incidents/(in_[a-z0-9]+)\?done=registered", answer_location)
    assert found is not None, answer_location
    return found.group(1)


def test_who_may_register_and_act_on_incidents(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    answer = client.get("/console/incidents/new", follow_redirects=False)
    assert answer.status_code == 303 and "/console/login" in answer.headers["location"]
    incident = core.incidents.open(
        actor="test", learned_at=clock.now(), cause="misdelivery", items=["email"],
        subjects=[hanako],
    )  # fmt: skip
    for username in ("helper", "eng"):
        token = log_in(client, username, clock=clock, staff=staff)
        assert client.get("/console/incidents/new").status_code == 403
        posts = {
            "/console/incidents/new": {"learned_at": _when(clock), "cause": "loss",
                                       "items": "email", "subjects": hanako},
            f"/console/incidents/{incident.id}/classify": {},
            f"/console/incidents/{incident.id}/notify": {},
            f"/console/incidents/{incident.id}/close": {},
        }  # fmt: skip
        for path, data in posts.items():
            assert client.post(path, data={**data, "csrf": token}).status_code == 403, path
    assert [i.id for i in core.incidents.list()] == [incident.id]
    assert core.incidents.get(incident.id).state is IncidentState.open
    log_in(client, "boss", clock=clock, staff=staff)
    form = client.get("/console/incidents/new")
    assert form.status_code == 200 and 'name="learned_at"' in form.text
    listed = client.get("/console/incidents").text
    assert 'id="new-incident"' in listed
    page = client.get(f"/console/incidents/{incident.id}").text
    assert 'id="classify-title"' in page and 'id="suggested"' in page


def test_an_incident_registered_classified_reported_notified_and_closed(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    other = core.vault.collect(
        None, {"name": "佐藤 次郎", "phone": "090-0000-1111"}, "account_admin", OFFICER, "signup"
    ).subject
    token = log_in(client, "boss", clock=clock, staff=staff)
    answer = client.post(
        "/console/incidents/new",
        data={
            "csrf": token,
            "learned_at": _when(clock),
            "occurred_at": _when(clock, 30),
            "cause": "unauthorised_access",
            "found_by": "情報システム部",
            "overview": "管理画面への不正ログイン",
            "items": ["name", "email"],
            "mode": "list",
            "subjects": f"{hanako}\n{other}",
            "reporter": "ppc",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    incident_id = _registered(answer.headers["location"])
    incident = core.incidents.get(incident_id)
    assert incident.cause.value == "unauthorised_access" and incident.affected_count == 2
    assert incident.items == ("name", "email") and incident.created_by == "staff:boss"
    assert core.incidents.narrative(incident_id)["found_by"] == "情報システム部"
    assert incident.suggested == (Category.malicious,)
    page = client.get(answer.headers["location"]).text
    assert "事案を登録しました" in page and '<strong id="suggested">malicious</strong>' in page

    # a choice differing from the suggestion needs a reason
    differs = client.post(
        f"/console/incidents/{incident_id}/classify", data={"csrf": token, "categories": []}
    )
    assert differs.status_code == 422 and "give a reason" in differs.text
    assert core.incidents.get(incident_id).state is IncidentState.open
    confirmed = client.post(
        f"/console/incidents/{incident_id}/classify",
        data={"csrf": token, "categories": ["malicious"]},
    )
    assert confirmed.status_code == 200 and "区分を確定しました" in confirmed.text
    classified = core.incidents.get(incident_id)
    assert classified.state is IncidentState.classified
    assert classified.categories == (Category.malicious,) and classified.classify_reason is None

    client.post(
        f"/console/incidents/{incident_id}/report", data={"csrf": token, "kind": "preliminary"}
    )
    assert core.incidents.get(incident_id).state is IncidentState.preliminary_reported

    notified = client.post(
        f"/console/incidents/{incident_id}/notify", data={"csrf": token, "notice_lang": "ja"}
    )
    assert notified.status_code == 200
    status = re.search(r'<p class="flash" role="status" id="done">(.*?)</p>', notified.text, re.S)
    assert status is not None
    assert "送信 1" in status.group(1) and "連絡先なし（公表で対応） 1" in status.group(1)
    assert "送信済み（再送せず） 0" in status.group(1)
    assert len(list(Path(core.settings.outbox_dir).glob("*.eml"))) == 1
    again = client.post(f"/console/incidents/{incident_id}/notify", data={"csrf": token})
    assert "送信 0" in again.text and "送信済み（再送せず） 1" in again.text
    assert len(list(Path(core.settings.outbox_dir).glob("*.eml"))) == 1

    early = client.post(f"/console/incidents/{incident_id}/close", data={"csrf": token})
    assert early.status_code == 409
    final = client.post(
        f"/console/incidents/{incident_id}/report",
        data={"csrf": token, "kind": "final", "submitted_at": _when(clock, 1)},
    )
    assert final.status_code == 200 and "確報の提出を記録しました" in final.text
    assert core.incidents.get(incident_id).final_at is not None
    closed = client.post(
        f"/console/incidents/{incident_id}/close", data={"csrf": token, "note": "再発防止済み"}
    )
    assert closed.status_code == 200 and "事案を完了にしました" in closed.text
    assert core.incidents.get(incident_id).state is IncidentState.closed
    assert 'id="classify-title"' not in closed.text
    actions = [e.action for e in core.audit.tail(40) if e.action.startswith("incident_")]
    assert actions == [
        "incident_open", "incident_classify", "incident_report", "incident_notify",
        "incident_notify", "incident_report", "incident_close",
    ]  # fmt: skip


def test_a_query_and_an_exclusion_for_encryption(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    answer = client.post(
        "/console/incidents/new",
        data={
            "csrf": token,
            "learned_at": _when(clock),
            "cause": "theft",
            "items": ["email"],
            "mode": "query",
            "holding": ["email"],
            "created_until": clock.now().date().isoformat(),
            "estimated_count": "1500",
        },
        follow_redirects=False,
    )
    incident_id = _registered(answer.headers["location"])
    incident = core.incidents.get(incident_id)
    assert incident.selection["mode"] == "query" and incident.listed_count == 1
    assert incident.affected_count == 1500 and incident.count_is_upper_bound
    assert set(incident.suggested) == {Category.malicious, Category.over_1000}
    # with the key safe nothing is suggested: confirming no category needs no other reason
    excluded = client.post(
        f"/console/incidents/{incident_id}/classify",
        data={"csrf": token, "excluded": "yes", "excluded_reason": "AES-256、鍵は別保管で無事"},
    )
    assert excluded.status_code == 200
    done = core.incidents.get(incident_id)
    assert done.categories == () and done.reportable is False
    assert done.excluded_reason == "AES-256、鍵は別保管で無事"
    assert 'id="report-title"' not in excluded.text and 'id="close-title"' in excluded.text
    client.post(f"/console/incidents/{incident_id}/close", data={"csrf": token})
    assert core.incidents.get(incident_id).state is IncidentState.closed


def test_a_differing_choice_with_its_reason(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    incident = core.incidents.open(
        actor="test", learned_at=clock.now(), cause="misdelivery", items=["email"],
        subjects=[hanako],
    )  # fmt: skip
    assert incident.suggested == ()
    token = log_in(client, "boss", clock=clock, staff=staff)
    client.post(
        f"/console/incidents/{incident.id}/classify",
        data={"csrf": token, "categories": ["financial"], "reason": "カード番号の可能性"},
    )
    chosen = core.incidents.get(incident.id)
    assert chosen.categories == (Category.financial,)
    assert chosen.classify_reason == "カード番号の可能性"


def test_a_refused_registration_names_the_field_and_writes_nothing(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    base = {"csrf": token, "learned_at": _when(clock), "cause": "loss", "subjects": hanako}
    no_items = client.post("/console/incidents/new", data=base)
    assert no_items.status_code == 400 and "at_least_one_item" in no_items.text
    assert f">{hanako}</textarea>" in no_items.text  # what was typed is kept
    unknown = client.post(
        "/console/incidents/new", data={**base, "items": "email", "subjects": "s_nobody"}
    )
    assert unknown.status_code == 400 and "subject_unknown" in unknown.text
    future = (clock.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    later = client.post(
        "/console/incidents/new", data={**base, "items": "email", "learned_at": future}
    )
    assert later.status_code == 400 and "in_the_future" in later.text
    client_less = client.post(
        "/console/incidents/new", data={**base, "items": "email", "reporter": "client"}
    )
    assert client_less.status_code == 400 and "give_a_recipient_id_or_a_name" in client_less.text
    assert core.incidents.list() == []


def test_an_incident_registered_from_an_alert(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    alert = core.alerts.record(
        "deny_burst", summary="12 denials in 10 minutes", detail={}, subject=hanako
    )
    token = log_in(client, "boss", clock=clock, staff=staff)
    shown = client.get(f"/console/alerts/{alert.id}").text
    assert "12 denials in 10 minutes" in shown
    assert f'href="/console/incidents/new?alert={alert.id}&amp;lang=ja"' in shown
    form = client.get("/console/incidents/new", params={"alert": alert.id}).text
    assert f'name="alert" value="{alert.id}"' in form and hanako in form
    answer = client.post(
        "/console/incidents/new",
        data={"csrf": token, "alert": alert.id, "items": "email", "subjects": hanako},
        follow_redirects=False,
    )
    incident_id = _registered(answer.headers["location"])
    incident = core.incidents.get(incident_id)
    assert incident.alert_id == alert.id and incident.learned_at == alert.created_at
    acknowledged = core.alerts.get(alert.id)
    assert not acknowledged.open and acknowledged.incident_id == incident_id
    assert f"/console/incidents/{incident_id}" in client.get(f"/console/alerts/{alert.id}").text


def test_incident_forms_need_the_form_token(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock, hanako: str
) -> None:
    incident = core.incidents.open(
        actor="test", learned_at=clock.now(), cause="misdelivery", items=["email"],
        subjects=[hanako],
    )  # fmt: skip
    log_in(client, "boss", clock=clock, staff=staff)
    posts = {
        "/console/incidents/new": {"learned_at": _when(clock), "cause": "loss",
                                   "items": "email", "subjects": hanako},
        f"/console/incidents/{incident.id}/classify": {"categories": []},
        f"/console/incidents/{incident.id}/report": {"kind": "final"},
        f"/console/incidents/{incident.id}/notify": {},
        f"/console/incidents/{incident.id}/close": {},
    }  # fmt: skip
    for path, data in posts.items():
        forged = client.post(path, data={**data, "csrf": "forged"})
        assert forged.status_code == 403, path
    assert [i.id for i in core.incidents.list()] == [incident.id]
    assert core.incidents.get(incident.id).state is IncidentState.open
    assert core.incidents.notices(incident.id)["sent"] == 0

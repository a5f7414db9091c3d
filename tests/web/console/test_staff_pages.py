"""Staff accounts and API tokens in the console (the officer only): an account added with
its one-time password shown once, disabled and enabled again; a token issued with its
secret shown once that then authenticates, listed without any secret, and revoked. No
page holds a password hash or a token MAC."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tests.web.console.conftest import Staff, form_token, log_in

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import Unauthenticated


def test_only_the_officer_opens_the_staff_page(
    client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    assert client.get("/console/staff", follow_redirects=False).status_code == 303
    for username in ("helper", "eng"):
        log_in(client, username, clock=clock, staff=staff)
        refused = client.get("/console/staff")
        assert refused.status_code == 403 and "権限がありません" in refused.text
        assert 'href="/console/staff?lang=ja"' not in client.get("/console").text
    log_in(client, "boss", clock=clock, staff=staff)
    page = client.get("/console/staff")
    assert page.status_code == 200
    assert 'href="/console/staff?lang=ja"' in page.text
    for username in ("boss", "helper", "eng"):
        assert f'id="account-{username}"' in page.text
    assert "$argon2" not in page.text


def test_support_may_not_add_an_account_or_issue_a_token(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    token = log_in(client, "helper", clock=clock, staff=staff)
    added = client.post(
        "/console/staff/add", data={"csrf": token, "username": "mallory", "role": "officer"}
    )
    assert added.status_code == 403
    issued = client.post(
        "/console/staff/tokens", data={"csrf": token, "username": "helper", "name": "mine"}
    )
    assert issued.status_code == 403
    assert [a.username for a in core.staff.list()] == ["boss", "eng", "helper"]
    assert core.staff.list_tokens() == []


def test_an_account_added_shows_its_one_time_password_once(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    answer = client.post(
        "/console/staff/add",
        data={"csrf": token, "username": "Desk2", "role": "support", "display_name": "窓口 二郎"},
    )
    assert answer.status_code == 200
    found = re.search(r'<code id="one-time-password">([^<]+)</code>', answer.text)
    assert found is not None
    password = found.group(1)
    account = core.staff.get("desk2")
    assert account.role == "support" and account.must_change_password
    assert account.display_name == "窓口 二郎"
    assert answer.headers["cache-control"] == "no-store"
    # the password works, once, and is never shown again
    opened = core.staff.login("desk2", password)
    assert opened.must_change_password
    again = client.get("/console/staff").text
    assert password not in again and 'id="account-desk2"' in again
    added = [e for e in core.audit.tail(5) if e.action == "staff_add"]
    assert added and password not in str(added[-1].fields())


def test_a_refused_account_names_the_field(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    bad = client.post(
        "/console/staff/add", data={"csrf": token, "username": "9nine", "role": "support"}
    )
    assert bad.status_code == 400 and "<code>username</code>: invalid" in bad.text
    role = client.post(
        "/console/staff/add", data={"csrf": token, "username": "newone", "role": "janitor"}
    )
    assert role.status_code == 400 and "unknown_role" in role.text
    taken = client.post(
        "/console/staff/add", data={"csrf": token, "username": "helper", "role": "support"}
    )
    assert taken.status_code == 409
    assert len(core.staff.list()) == 3


def test_disable_and_enable_an_account(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    desk = TestClient(client.app, base_url="http://testserver")
    with desk:
        log_in(desk, "helper", clock=clock, staff=staff)
        assert desk.get("/console").status_code == 200
        answer = client.post("/console/staff/helper/disable", data={"csrf": token})
        assert answer.status_code == 200 and "アカウントを無効にしました" in answer.text
        assert not core.staff.get("helper").enabled
        # the helper's session ended with it
        assert desk.get("/console", follow_redirects=False).status_code == 303
    client.post("/console/staff/helper/enable", data={"csrf": token})
    assert core.staff.get("helper").enabled
    last = client.post("/console/staff/boss/disable", data={"csrf": token})
    assert last.status_code == 409 and core.staff.get("boss").enabled


def test_a_token_issued_shows_its_secret_once_and_authenticates(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    token = log_in(client, "boss", clock=clock, staff=staff)
    answer = client.post(
        "/console/staff/tokens",
        data={"csrf": token, "username": "eng", "name": "nightly export", "days": "30"},
    )
    assert answer.status_code == 200
    assert "二度と表示できません" in answer.text
    found = re.search(r'<code id="token-secret">([^<]+)</code>', answer.text)
    assert found is not None
    secret = found.group(1)
    principal = core.staff.authenticate(secret)
    assert principal.username == "eng" and principal.via == "token"
    [info] = core.staff.list_tokens()
    assert info.name == "nightly export"
    listed = client.get("/console/staff").text
    assert info.id in listed and secret not in listed and "nightly export" in listed
    # revoked, it no longer authenticates
    client.post(f"/console/staff/tokens/{info.id}/revoke", data={"csrf": token})
    with pytest.raises(Unauthenticated):
        core.staff.authenticate(secret)
    assert "失効" in client.get("/console/staff").text
    twice = client.post(f"/console/staff/tokens/{info.id}/revoke", data={"csrf": token})
    assert twice.status_code == 409


def test_every_staff_form_needs_the_form_token(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    real = log_in(client, "boss", clock=clock, staff=staff)
    _, secret = core.staff.issue_token("eng", name="kept", actor="test")
    [kept] = core.staff.list_tokens()
    posts = [
        ("/console/staff/add", {"username": "sneaky", "role": "officer"}),
        ("/console/staff/helper/disable", {}),
        ("/console/staff/tokens", {"username": "boss", "name": "stolen"}),
        (f"/console/staff/tokens/{kept.id}/revoke", {}),
    ]
    for path, data in posts:
        forged = client.post(path, data={**data, "csrf": "forged"})
        assert forged.status_code == 403, (path, forged.status_code)
        assert client.post(path, data=data).status_code == 400, path
    foreign = client.post(
        "/console/staff/helper/disable",
        data={"csrf": real},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert [a.username for a in core.staff.list()] == ["boss", "eng", "helper"]
    assert core.staff.get("helper").enabled
    assert core.staff.authenticate(secret).username == "eng"
    assert form_token(client, "/console/staff") == real


def test_the_new_pages_have_no_inline_script_or_style_and_both_languages(
    core: Mamori, client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    alert = core.alerts.record("deny_burst", summary="5 denials", detail={})
    log_in(client, "boss", clock=clock, staff=staff)
    paths = (
        "/console/staff",
        "/console/retention",
        "/console/scans",
        "/console/incidents/new",
        f"/console/alerts/{alert.id}",
    )
    for path in paths:
        for language, title in (("ja", "管理画面"), ("en", "console")):
            page = client.get(path, params={"lang": language})
            assert page.status_code == 200, path
            assert f'<html lang="{language}">' in page.text and title in page.text
            assert "<script>" not in page.text and " on" + "click=" not in page.text
            assert "<style" not in page.text and "style=" not in page.text
            assert "script-src 'self'" in page.headers["content-security-policy"]
    board = client.get("/console").text
    for card in ("c-scan", "c-ret", "c-staff"):
        assert f'id="{card}"' in board

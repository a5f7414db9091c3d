"""Who may open which console page: 200 for a role that may, 403 (a console page) for one
that may not, the login without a session; logins with password and authenticator code;
form tokens; security headers."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from fastapi.testclient import TestClient
from tests.web.console.conftest import PASSWORDS, Staff, form_token, log_in

from mamori.clock import FixedClock
from mamori.core import Mamori

# path, the roles that may open it (the officer may open every page)
PAGES = (
    ("/console", {"boss", "helper", "eng"}),
    ("/console/requests", {"boss", "helper"}),
    ("/console/subjects", {"boss", "helper"}),
    ("/console/consent", {"boss", "helper"}),
    ("/console/suspensions", {"boss", "helper"}),
    ("/console/incidents", {"boss"}),
    ("/console/inquiries", {"boss", "helper"}),
    ("/console/records", {"boss"}),
    ("/console/audit", {"boss"}),
    ("/console/reports", {"boss"}),
    ("/console/policy", {"boss"}),
    ("/console/password", {"boss", "helper", "eng"}),
    ("/console/totp", {"boss", "helper", "eng"}),
)


@pytest.mark.parametrize("username", ["boss", "helper", "eng"])
def test_each_page_for_each_role(
    client: TestClient, staff: Staff, clock: FixedClock, username: str
) -> None:
    log_in(client, username, clock=clock, staff=staff)
    for path, allowed in PAGES:
        page = client.get(path)
        expected = 200 if username in allowed else 403
        assert page.status_code == expected, (path, username, page.status_code)
        assert page.headers["content-type"].startswith("text/html")
        assert "mamori" in page.text and "<main" in page.text
        if expected == 403:
            assert "権限がありません" in page.text and 'class="bar"' in page.text
    nav = client.get("/console").text
    assert ('href="/console/audit?lang=ja"' in nav) is (username == "boss")


@pytest.mark.parametrize("path", [p for p, _ in PAGES])
def test_without_a_session_a_page_sends_to_the_login(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/console/login?next={path}")


def test_posts_without_a_session_are_401(client: TestClient, staff: Staff) -> None:
    token = form_token(client, "/console/login")
    answer = client.post("/console/audit/verify", data={"csrf": token})
    assert answer.status_code == 401 and "<html" in answer.text


def test_the_officer_needs_the_authenticator_code(
    client: TestClient, staff: Staff, clock: FixedClock, core: Mamori
) -> None:
    token = form_token(client, "/console/login")
    without = client.post(
        "/console/login",
        data={"username": "boss", "password": PASSWORDS["boss"], "csrf": token},
    )
    assert without.status_code == 401 and "認証アプリのコード" in without.text
    wrong = client.post(
        "/console/login",
        data={"username": "boss", "password": "not the password", "csrf": token},
    )
    assert wrong.status_code == 401 and "正しくありません" in wrong.text
    clock.advance(dt.timedelta(seconds=30))
    right = client.post(
        "/console/login",
        data={
            "username": "boss",
            "password": PASSWORDS["boss"],
            "totp": pyotp.TOTP(staff.totp).at(clock.now()),
            "csrf": token,
            "next": "/console/audit",
        },
        follow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"] == "/console/audit?lang=ja"
    cookie = right.headers["set-cookie"]
    assert cookie.startswith("mamori_console=") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Path=/console" in cookie
    logins = [e for e in core.audit.tail(10) if e.action == "login"]
    assert [e.detail["outcome"] for e in logins][-1] == "success"


def test_next_never_leaves_the_console(client: TestClient, staff: Staff) -> None:
    token = form_token(client, "/console/login?next=//evil.example")
    answer = client.post(
        "/console/login",
        data={
            "username": "helper",
            "password": PASSWORDS["helper"],
            "csrf": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console?lang=ja"


def test_a_post_with_a_wrong_token_is_refused(
    client: TestClient, staff: Staff, clock: FixedClock
) -> None:
    log_in(client, "boss", clock=clock, staff=staff)
    answer = client.post("/console/audit/verify", data={"csrf": "forged"})
    assert answer.status_code == 403 and "<html" in answer.text
    login = client.post(
        "/console/login",
        data={"username": "helper", "password": PASSWORDS["helper"], "csrf": "forged"},
    )
    assert login.status_code == 403


def test_logout_ends_the_session(client: TestClient, staff: Staff, clock: FixedClock) -> None:
    token = log_in(client, "helper", clock=clock, staff=staff)
    assert client.get("/console").status_code == 200
    client.post("/console/logout", data={"csrf": token})
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_a_first_login_must_change_the_password(
    core: Mamori, client: TestClient, staff: Staff
) -> None:
    first = core.staff.ensure_first_officer()
    assert first is None  # accounts exist already
    _, one_time = core.staff.add("newbie", role="support", actor="test")
    token = form_token(client, "/console/login")
    answer = client.post(
        "/console/login",
        data={"username": "newbie", "password": one_time, "csrf": token},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console/password?lang=ja"
    blocked = client.get("/console/requests", follow_redirects=False)
    assert blocked.status_code == 303 and blocked.headers["location"].startswith(
        "/console/password"
    )
    short = client.post(
        "/console/password",
        data={"current": one_time, "new": "short", "confirm": "short", "csrf": token},
    )
    assert short.status_code == 400 and "12文字以上" in short.text
    changed = client.post(
        "/console/password",
        data={
            "current": one_time,
            "new": "a long new password",
            "confirm": "a long new password",
            "csrf": token,
        },
    )
    assert changed.status_code == 200 and "パスワードを変更しました" in changed.text
    assert client.get("/console/requests").status_code == 200


def test_pages_have_no_inline_script(client: TestClient, staff: Staff, clock: FixedClock) -> None:
    log_in(client, "boss", clock=clock, staff=staff)
    for path, _ in PAGES:
        page = client.get(path)
        assert "<script>" not in page.text and " on" + "click=" not in page.text
        assert "<style" not in page.text and "style=" not in page.text
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp

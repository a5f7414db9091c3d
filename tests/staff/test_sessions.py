"""Console logins: failures counted to a lockout that ends in time, TOTP once enrolled,
sessions that end when idle and at an absolute limit."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pyotp
import pytest
from tests.staff.conftest import audit_text, stored_text

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import Conflict, Unauthenticated
from mamori.staff import StaffRefused

PASSWORD = "a long pass phrase 7"


@pytest.fixture
def alice(core: Mamori) -> str:
    _, first = core.staff.add("alice", role="support", actor="cli:test")
    core.staff.set_password("alice", PASSWORD, actor="staff:alice", current_password=first)
    return "alice"


def logins(core: Mamori) -> list[dict[str, object]]:
    return [e["detail"] for e in core.audit.export() if e["action"] == "login"]


def test_a_login_opens_a_session_the_token_finds(core: Mamori, alice: str) -> None:
    session = core.staff.login(alice, PASSWORD, ip="192.0.2.1")
    principal = core.staff.session(session.token)
    assert principal is not None
    assert principal.username == "alice" and principal.role == "support"
    assert not principal.is_officer
    assert principal.via == "session" and principal.credential_id == session.session_id
    assert principal.actor_id == "staff:alice"
    assert principal == session.principal
    assert session.token not in stored_text(core)
    assert session.token not in repr(session)
    assert core.staff.get(alice).last_login_at == core.clock.now()
    [detail] = logins(core)
    assert detail["outcome"] == "success" and detail["session"] == session.session_id
    assert core.staff.session("not-a-session") is None
    assert core.staff.session("") is None


def test_wrong_passwords_lock_the_account_until_the_lockout_passes(
    core: Mamori, clock: FixedClock, alice: str
) -> None:
    with pytest.raises(Unauthenticated) as unknown:
        core.staff.login("nobody", PASSWORD)
    assert unknown.value.reason == "unknown_user"
    for attempt in range(5):
        with pytest.raises(Unauthenticated) as caught:
            core.staff.login(alice, f"wrong password {attempt}")
        assert caught.value.reason == "bad_password"
        assert caught.value.message == unknown.value.message  # says nothing more
    account = core.staff.get(alice)
    assert account.locked_until == clock.now() + dt.timedelta(minutes=15)
    assert account.locked(clock.now())
    with pytest.raises(Unauthenticated) as caught:
        core.staff.login(alice, PASSWORD)  # the right password, but locked
    assert caught.value.reason == "locked"
    clock.advance(dt.timedelta(minutes=14, seconds=59))
    with pytest.raises(Unauthenticated):
        core.staff.login(alice, PASSWORD)
    clock.advance(dt.timedelta(seconds=1))
    core.staff.login(alice, PASSWORD)
    account = core.staff.get(alice)
    assert account.failed_logins == 0 and account.locked_until is None
    reasons = [(d["outcome"], d["reason"], d.get("locked")) for d in logins(core)]
    assert reasons == [
        ("failure", "unknown_user", None),
        *[("failure", "bad_password", False)] * 4,
        ("failure", "bad_password", True),
        ("failure", "locked", None),
        ("failure", "locked", None),
        ("success", "ok", None),
    ]
    text = audit_text(core)
    assert PASSWORD not in text and "wrong password" not in text and "nobody" not in text


def test_a_success_resets_the_failure_count(core: Mamori, alice: str) -> None:
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            core.staff.login(alice, "not the password")
    assert core.staff.get(alice).failed_logins == 4
    core.staff.login(alice, PASSWORD)
    assert core.staff.get(alice).failed_logins == 0
    with pytest.raises(Unauthenticated):
        core.staff.login(alice, "not the password")
    assert not core.staff.get(alice).locked(core.clock.now())


def test_totp_is_required_once_enrolled(core: Mamori, clock: FixedClock, alice: str) -> None:
    uri = core.staff.enroll_totp(alice)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)
    assert uri.startswith("otpauth://totp/mamori:alice?") and query["issuer"] == ["mamori"]
    secret = query["secret"][0]
    app = pyotp.TOTP(secret)
    assert secret not in stored_text(core)
    core.staff.login(alice, PASSWORD)  # not confirmed yet: the password is enough
    with pytest.raises(StaffRefused) as wrong:
        core.staff.confirm_totp(alice, "000000" if app.at(clock.now()) != "000000" else "111111")
    assert wrong.value.problems == {"code": "wrong_code"}
    account = core.staff.confirm_totp(alice, app.at(clock.now()))
    assert account.totp_enabled
    with pytest.raises(Conflict):
        core.staff.confirm_totp(alice, app.at(clock.now()))  # nothing pending any more

    clock.advance(dt.timedelta(seconds=30))
    with pytest.raises(Unauthenticated) as caught:
        core.staff.login(alice, PASSWORD)
    assert caught.value.reason == "totp_required"
    with pytest.raises(Unauthenticated) as caught:
        core.staff.login(alice, PASSWORD, app.at(clock.now(), counter_offset=5))
    assert caught.value.reason == "bad_totp"
    code = app.at(clock.now())
    session = core.staff.login(alice, PASSWORD, code)
    assert core.staff.session(session.token) is not None
    with pytest.raises(Unauthenticated) as caught:
        core.staff.login(alice, PASSWORD, code)  # a code is good once
    assert caught.value.reason == "totp_reused"
    clock.advance(dt.timedelta(seconds=60))
    core.staff.login(alice, PASSWORD, app.at(clock.now(), counter_offset=-1))  # clock drift
    assert core.staff.get(alice).failed_logins == 0
    text = audit_text(core)
    assert all(code not in map(str, d.values()) for d in logins(core))
    reasons = [d["reason"] for d in logins(core)]
    assert reasons == ["ok", "totp_required", "bad_totp", "ok", "totp_reused", "ok"]
    stages = [e["detail"]["stage"] for e in core.audit.export() if e["action"] == "totp_enroll"]
    assert stages == ["started", "confirmed"]
    assert secret not in text


def test_a_removed_authenticator_is_no_longer_asked_for(
    core: Mamori, clock: FixedClock, alice: str
) -> None:
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(core.staff.enroll_totp(alice)).query)[
        "secret"
    ][0]
    core.staff.confirm_totp(alice, pyotp.TOTP(secret).at(clock.now()))
    assert core.staff.remove_totp(alice, "cli:officer").totp_enabled is False
    core.staff.login(alice, PASSWORD)


def test_a_session_ends_after_the_idle_time(core: Mamori, clock: FixedClock, alice: str) -> None:
    session = core.staff.login(alice, PASSWORD)
    assert session.idle_expires_at == clock.now() + dt.timedelta(minutes=30)
    clock.advance(dt.timedelta(minutes=29))
    assert core.staff.session(session.token) is not None  # used: the idle time starts again
    clock.advance(dt.timedelta(minutes=29))
    assert core.staff.session(session.token) is not None
    clock.advance(dt.timedelta(minutes=30))
    assert core.staff.session(session.token) is None
    clock.advance(dt.timedelta(minutes=-10))
    assert core.staff.session(session.token) is None  # ended for good, not just late


def test_a_session_ends_at_the_absolute_limit_however_busy(
    core: Mamori, clock: FixedClock, alice: str
) -> None:
    session = core.staff.login(alice, PASSWORD)
    assert session.expires_at == clock.now() + dt.timedelta(hours=12)
    for _ in range(12 * 3 - 1):
        clock.advance(dt.timedelta(minutes=20))
        assert core.staff.session(session.token) is not None
    clock.advance(dt.timedelta(minutes=19, seconds=59))
    assert core.staff.session(session.token) is not None
    clock.advance(dt.timedelta(seconds=1))
    assert core.staff.session(session.token) is None


def test_logout_ends_the_session(core: Mamori, alice: str) -> None:
    session = core.staff.login(alice, PASSWORD)
    other = core.staff.login(alice, PASSWORD)
    assert core.staff.logout(session.token) is True
    assert core.staff.session(session.token) is None
    assert core.staff.session(other.token) is not None
    assert core.staff.logout(session.token) is False
    [entry] = [e for e in core.audit.export() if e["action"] == "logout"]
    assert entry["actor"] == "staff:alice"
    assert entry["detail"]["session"] == session.session_id


def test_sessions_follow_the_settings(
    database_url: str, example_path: object, clock: FixedClock
) -> None:
    from mamori.settings import Settings

    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "MAMORI_STAFF_SESSION_MINUTES": "5",
        "MAMORI_STAFF_LOCKOUT_ATTEMPTS": "2",
        "MAMORI_STAFF_LOCKOUT_MINUTES": "1",
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.policy, effective=dt.date(2022, 3, 22))
        _, password = core.staff.add("bob", role="engineer", actor="cli:test")
        session = core.staff.login("bob", password)
        assert session.idle_expires_at == clock.now() + dt.timedelta(minutes=5)
        for _ in range(2):
            with pytest.raises(Unauthenticated):
                core.staff.login("bob", "not the password")
        assert core.staff.get("bob").locked_until == clock.now() + dt.timedelta(minutes=1)

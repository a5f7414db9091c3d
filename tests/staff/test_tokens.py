"""API tokens: shown once, stored as an HMAC, expiring, revocable, refused for disabled
accounts, their use audited at most once a minute."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.staff.conftest import audit_text, stored_text

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import Conflict, NotFound, Unauthenticated
from mamori.staff import StaffRefused


@pytest.fixture
def alice(core: Mamori) -> str:
    core.staff.add("alice", role="support", actor="cli:test")
    return "alice"


def test_issue_authenticate_revoke_refused(core: Mamori, alice: str) -> None:
    info, secret = core.staff.issue_token(alice, name="CRM sync", actor="cli:officer")
    assert secret.startswith("mamori_") and len(secret) >= 7 + 43
    assert info.name == "CRM sync" and info.username == "alice"
    assert info.expires_at == core.clock.now() + dt.timedelta(days=90)
    assert info.state(core.clock.now()) == "active"
    principal = core.staff.authenticate(secret)
    assert principal.username == "alice" and principal.role == "support"
    assert principal.via == "token" and principal.credential_id == info.id
    assert not principal.is_officer
    revoked = core.staff.revoke_token(info.id, "cli:officer")
    assert revoked.revoked_by == "cli:officer" and revoked.state(core.clock.now()) == "revoked"
    with pytest.raises(Unauthenticated) as caught:
        core.staff.authenticate(secret)
    assert caught.value.reason == "revoked" and caught.value.code == "unauthenticated"
    assert secret not in caught.value.message
    with pytest.raises(Conflict):
        core.staff.revoke_token(info.id, "cli:officer")
    with pytest.raises(NotFound):
        core.staff.revoke_token("tk_nothing", "cli:officer")
    actions = [e["action"] for e in core.audit.export()]
    assert actions.count("token_issue") == 1 and actions.count("token_revoke") == 1


def test_unknown_and_malformed_secrets_are_refused(core: Mamori, alice: str) -> None:
    _, secret = core.staff.issue_token(alice, name="ci", actor="cli:officer")
    for given in ("", "mamori_", secret[:-1], secret + "x", "Bearer " + secret, "x" * 500):
        with pytest.raises(Unauthenticated) as caught:
            core.staff.authenticate(given)
        assert caught.value.reason == "unknown"


def test_an_expired_token_is_refused(core: Mamori, clock: FixedClock, alice: str) -> None:
    info, secret = core.staff.issue_token(alice, name="short", days=1, actor="cli:officer")
    clock.advance(dt.timedelta(hours=23, minutes=59))
    core.staff.authenticate(secret)
    clock.advance(dt.timedelta(minutes=1))
    with pytest.raises(Unauthenticated) as caught:
        core.staff.authenticate(secret)
    assert caught.value.reason == "expired"
    assert core.staff.list_tokens()[0].state(clock.now()) == "expired"
    assert info.id == core.staff.list_tokens()[0].id


def test_a_disabled_accounts_tokens_are_refused(core: Mamori, alice: str) -> None:
    _, secret = core.staff.issue_token(alice, name="ci", actor="cli:officer")
    core.staff.disable(alice, "cli:officer")
    with pytest.raises(Unauthenticated) as caught:
        core.staff.authenticate(secret)
    assert caught.value.reason == "account_disabled"
    with pytest.raises(Conflict):
        core.staff.issue_token(alice, name="another", actor="cli:officer")
    core.staff.enable(alice, "cli:officer")
    assert core.staff.authenticate(secret).username == "alice"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "", "days": 90}, "name"),
        ({"name": "x" * 101, "days": 90}, "name"),
        ({"name": "ok", "days": 0}, "days"),
        ({"name": "ok", "days": 367}, "days"),
    ],
)
def test_bad_token_requests_name_the_field(
    core: Mamori, alice: str, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(StaffRefused) as caught:
        core.staff.issue_token(alice, actor="cli:officer", **kwargs)  # type: ignore[arg-type]
    assert list(caught.value.problems) == [field]
    assert core.staff.list_tokens() == []


def test_secrets_are_stored_and_audited_only_as_ids(core: Mamori, alice: str) -> None:
    _, first = core.staff.add("bob", role="officer", actor="cli:test")
    info, secret = core.staff.issue_token(alice, name="ci", actor="cli:officer")
    core.staff.authenticate(secret)
    session = core.staff.login("bob", first)
    stored = stored_text(core)
    audited = audit_text(core)
    body = secret.removeprefix("mamori_")
    for text in (stored, audited):
        assert body not in text and session.token not in text and first not in text
    assert info.id in audited


def test_use_is_audited_at_most_once_a_minute(core: Mamori, clock: FixedClock, alice: str) -> None:
    info, secret = core.staff.issue_token(alice, name="ci", actor="cli:officer")

    def uses() -> int:
        return sum(1 for e in core.audit.export() if e["action"] == "token_use")

    for _ in range(3):
        core.staff.authenticate(secret)
    assert uses() == 1
    assert core.staff.list_tokens(alice)[0].last_used_at == clock.now()
    clock.advance(dt.timedelta(seconds=59))
    core.staff.authenticate(secret)
    assert uses() == 1
    clock.advance(dt.timedelta(seconds=1))
    core.staff.authenticate(secret)
    core.staff.authenticate(secret)
    assert uses() == 2
    [entry, _] = [e for e in core.audit.export() if e["action"] == "token_use"]
    assert entry["actor"] == "staff:alice"
    assert entry["detail"] == {"staff": core.staff.get(alice).id, "token": info.id}


def test_tokens_are_listed_per_account_newest_first(
    core: Mamori, clock: FixedClock, alice: str
) -> None:
    core.staff.add("bob", role="engineer", actor="cli:test")
    a1, _ = core.staff.issue_token(alice, name="one", actor="cli:officer")
    clock.advance(dt.timedelta(seconds=1))
    b1, _ = core.staff.issue_token("bob", name="two", actor="cli:officer")
    clock.advance(dt.timedelta(seconds=1))
    a2, _ = core.staff.issue_token(alice, name="three", actor="cli:officer")
    assert [t.id for t in core.staff.list_tokens()] == [a2.id, b1.id, a1.id]
    assert [t.id for t in core.staff.list_tokens("alice")] == [a2.id, a1.id]
    assert core.staff.list_tokens("nobody") == []
    listed = core.staff.list_tokens()[0].to_dict(clock.now())
    assert listed["state"] == "active" and "secret" not in listed


def test_a_role_the_policy_in_force_drops_no_longer_authenticates(
    core: Mamori, clock: FixedClock, tmp_path: Path, example_text: str
) -> None:
    start = example_text.index("  engineer:\n")
    end = example_text.index("  officer:\n", start)
    changed = tmp_path / "policy.yaml"
    changed.write_text(example_text[:start] + example_text[end:], encoding="utf-8")
    tomorrow = core.today() + dt.timedelta(days=1)
    core.publish(core.load_policy(changed), effective=tomorrow)
    _, password = core.staff.add("eve", role="engineer", actor="cli:test")
    _, secret = core.staff.issue_token("eve", name="ci", actor="cli:officer")
    midnight = dt.datetime.combine(tomorrow, dt.time(), core.settings.zone)
    clock.set(midnight - dt.timedelta(minutes=5))
    session = core.staff.login("eve", password)
    assert core.staff.authenticate(secret).role == "engineer"
    clock.advance(dt.timedelta(minutes=10))  # the new version is in force, the session alive
    with pytest.raises(Unauthenticated) as caught:
        core.staff.authenticate(secret)
    assert caught.value.reason == "role_unknown"
    assert core.staff.session(session.token) is None
    with pytest.raises(Unauthenticated) as caught:
        core.staff.login("eve", password)
    assert caught.value.reason == "role_unknown"
    with pytest.raises(StaffRefused):
        core.staff.add("frank", role="engineer", actor="cli:test")

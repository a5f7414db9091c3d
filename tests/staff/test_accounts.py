"""Staff accounts: roles of the policy in force, hashed passwords, disabling, the first
officer."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from tests.staff.conftest import audit_text, stored_text

from mamori.core import Mamori
from mamori.errors import Conflict, NotFound, Unauthenticated
from mamori.staff import StaffAccounts, StaffRefused


def test_an_unknown_role_is_refused_naming_it_and_nothing_is_written(core: Mamori) -> None:
    before = core.audit.count()
    with pytest.raises(StaffRefused) as caught:
        core.staff.add("alice", role="janitor", actor="cli:test")
    assert caught.value.problems == {"role": "unknown_role"}
    assert "'janitor'" in caught.value.message
    assert "officer" in caught.value.message  # the roles there are
    assert core.staff.list() == []
    assert core.audit.count() == before


@pytest.mark.parametrize(
    ("username", "field"),
    [("A", "username"), ("1abc", "username"), ("has space", "username"), ("x" * 65, "username")],
)
def test_bad_usernames_are_refused_naming_the_field(
    core: Mamori, username: str, field: str
) -> None:
    with pytest.raises(StaffRefused) as caught:
        core.staff.add(username, role="support", actor="cli:test")
    assert list(caught.value.problems) == [field]
    assert caught.value.exit_code == 2


def test_a_new_account_gets_a_one_time_password_stored_only_as_an_argon2_hash(
    core: Mamori,
) -> None:
    account, password = core.staff.add(
        " Alice ", role="support", display_name="Alice Sato", actor="cli:test"
    )
    assert account.username == "alice"
    assert account.role == "support"
    assert account.enabled and account.must_change_password and not account.totp_enabled
    assert len(password) >= 12
    with core.store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM staff_accounts")).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, password)
    assert password not in stored_text(core)
    [entry] = [e for e in core.audit.export() if e["action"] == "staff_add"]
    assert entry["actor"] == "cli:test"
    assert entry["detail"] == {"staff": account.id, "username": "alice", "role": "support"}
    assert password not in audit_text(core)
    with pytest.raises(Conflict):
        core.staff.add("alice", role="officer", actor="cli:test")
    assert [a.username for a in core.staff.list()] == ["alice"]
    assert core.staff.get("ALICE").id == account.id
    with pytest.raises(NotFound):
        core.staff.get("bob")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pass1", "too_short"),
        ("my-name-is-alice!", "contains_username"),
        ("MY-NAME-IS-ALICE!", "contains_username"),
        ("aaaaaaaaaaaabbbb", "too_simple"),
        ("x" * 1025 + "abcd", "too_long"),
    ],
)
def test_weak_passwords_are_refused(core: Mamori, password: str, reason: str) -> None:
    account, first = core.staff.add("alice", role="support", actor="cli:test")
    with pytest.raises(StaffRefused) as caught:
        core.staff.set_password("alice", password, actor="cli:test")
    assert caught.value.problems == {"password": reason}
    assert core.staff.get("alice").password_changed_at == account.password_changed_at
    core.staff.login("alice", first)  # the old one still works


def test_setting_a_password_clears_the_change_flag_and_ends_other_sessions(
    core: Mamori,
) -> None:
    _, first = core.staff.add("alice", role="support", actor="cli:test")
    one = core.staff.login("alice", first)
    two = core.staff.login("alice", first)
    assert one.must_change_password
    with pytest.raises(StaffRefused) as caught:
        core.staff.set_password(
            "alice", "correct horse battery", actor="staff:alice", current_password="wrong"
        )
    assert caught.value.problems == {"current_password": "wrong"}
    with pytest.raises(StaffRefused) as caught:
        core.staff.set_password("alice", first, actor="staff:alice")
    assert caught.value.problems == {"password": "unchanged"}
    account = core.staff.set_password(
        "alice",
        "correct horse battery",
        actor="staff:alice",
        current_password=first,
        keep_session=one.session_id,
    )
    assert not account.must_change_password
    assert core.staff.session(one.token) is not None
    assert core.staff.session(two.token) is None
    with pytest.raises(Unauthenticated):
        core.staff.login("alice", first)
    session = core.staff.login("alice", "correct horse battery")
    assert not session.principal.must_change_password
    temporary = core.staff.set_password(
        "alice", "a temporary one 42", actor="cli:officer", temporary=True
    )
    assert temporary.must_change_password
    assert core.staff.session(session.token) is None
    [entry, *_] = [e for e in core.audit.export() if e["action"] == "staff_password"]
    assert entry["detail"] == {"staff": account.id, "temporary": False, "sessions_ended": 1}
    assert "correct horse battery" not in audit_text(core)


def test_a_password_is_rehashed_at_login_when_the_parameters_change(core: Mamori) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    old = StaffAccounts(
        core.store, core.audit, core.clock, core.keys, lambda: core.access().policy, hasher=weak
    )
    _, password = old.add("alice", role="support", actor="cli:test")

    def stored() -> str:
        with core.store.engine.connect() as conn:
            return str(conn.execute(sa.text("SELECT password_hash FROM staff_accounts")).scalar())

    assert "m=8192,t=1,p=1" in stored()
    core.staff.login("alice", password)  # the default hasher: stronger parameters
    assert "m=65536,t=3,p=4" in stored()
    assert PasswordHasher().verify(stored(), password)
    [login] = [e for e in core.audit.export() if e["action"] == "login"]
    assert login["detail"]["rehashed"] is True


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(core: Mamori) -> None:
    _, password = core.staff.add("alice", role="support", actor="cli:test")
    session = core.staff.login("alice", password)
    disabled = core.staff.disable("alice", "cli:officer")
    assert not disabled.enabled and disabled.disabled_at == core.clock.now()
    assert core.staff.session(session.token) is None
    with pytest.raises(Unauthenticated) as caught:
        core.staff.login("alice", password)
    assert caught.value.reason == "disabled"
    with pytest.raises(Conflict):
        core.staff.disable("alice", "cli:officer")
    enabled = core.staff.enable("alice", "cli:officer")
    assert enabled.enabled
    core.staff.login("alice", password)
    actions = [e["action"] for e in core.audit.export()]
    assert actions.count("staff_disable") == 1 and actions.count("staff_enable") == 1


def test_the_last_enabled_officer_cannot_be_disabled(core: Mamori) -> None:
    core.staff.add("chief", role="officer", actor="cli:test")
    with pytest.raises(Conflict) as caught:
        core.staff.disable("chief", "cli:test")
    assert "last enabled officer" in caught.value.message
    assert core.staff.get("chief").enabled
    core.staff.add("deputy", role="officer", actor="cli:test")
    core.staff.disable("chief", "cli:test")
    assert not core.staff.get("chief").enabled


def test_the_first_officer_is_made_once(core: Mamori) -> None:
    made = core.staff.ensure_first_officer()
    assert made is not None
    username, password = made
    assert username == "officer"
    account = core.staff.get("officer")
    assert account.role == "officer" and account.must_change_password
    assert account.display_name == "事務取扱責任者"
    assert account.created_by == "serve"
    session = core.staff.login("officer", password)
    assert session.principal.is_officer
    assert core.staff.ensure_first_officer() is None
    assert len(core.staff.list()) == 1


def test_no_first_officer_when_staff_exist(core: Mamori) -> None:
    core.staff.add("alice", role="support", actor="cli:test")
    assert core.staff.ensure_first_officer() is None
    assert [a.username for a in core.staff.list()] == ["alice"]


def test_accounts_serialise_without_secrets(core: Mamori) -> None:
    account, password = core.staff.add("alice", role="support", actor="cli:test")
    text = json.dumps(account.to_dict())
    assert password not in text and "argon2" not in text
    assert json.loads(text)["username"] == "alice"

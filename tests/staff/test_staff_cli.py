"""``mamori staff ...`` and ``mamori tokens ...`` on a real SQLite store, checked through
the core."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
import typer
from typer.testing import CliRunner

from mamori.cli import app
from mamori.core import Mamori
from mamori.errors import Unauthenticated
from mamori.settings import Settings


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str, input: str | None = None) -> object:
    code, out, err = run(*args, "--json", input=input)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        for var in ("MAMORI_DATABASE_URL", "MAMORI_CONFIG", "MAMORI_POLICY"):
            mp.delenv(var, raising=False)
        mp.chdir(tmp_path)
        assert run("init", "site", "--example", "meta-all-stars")[0] == 0
        mp.chdir(tmp_path / "site")
        assert run("policy", "publish", "--effective", "2022-03-22")[0] == 0
        yield tmp_path / "site"


def core_of(site: Path) -> Mamori:
    return Mamori.open(Settings.load(site / "mamori.toml"))


def test_staff_and_tokens_round_trip(site: Path) -> None:
    code, _, err = run("staff", "add", "alice", "--role", "janitor")
    assert code == 2 and "staff_refused" in err and "'janitor'" in err

    added = ok("staff", "add", "alice", "--role", "support", "--display-name", "佐藤 アリス")
    assert isinstance(added, dict)
    first = added["one_time_password"]
    assert added["account"]["must_change_password"] is True
    code, out, _ = run("staff", "add", "bob", "--role", "engineer")
    assert code == 0 and "one-time password (shown once): " in out

    code, _, err = run("staff", "password", "alice", "--stdin", input="alice-is-my-name\n")
    assert code == 2 and "password: must not contain the username" in err
    changed = ok("staff", "password", "alice", "--stdin", input="a long pass phrase 7\n")
    assert isinstance(changed, dict) and changed["must_change_password"] is False
    code, _, _ = run("staff", "password", "bob", input="another pass phrase\nanother pass phrase\n")
    assert code == 0

    enrolled = ok("staff", "totp", "alice")
    assert isinstance(enrolled, dict)
    uri = enrolled["provisioning_uri"]
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    code, _, err = run("staff", "totp", "alice", "--code", "12")
    assert code == 2 and "code: " in err
    confirmed = ok("staff", "totp", "alice", "--code", pyotp.TOTP(secret).now())
    assert isinstance(confirmed, dict) and confirmed["totp_enabled"] is True

    with core_of(site) as core:
        with pytest.raises(Unauthenticated) as caught:
            core.staff.login("alice", "a long pass phrase 7")
        assert caught.value.reason == "totp_required"
        core.staff.login("bob", "another pass phrase")
        with pytest.raises(Unauthenticated):
            core.staff.login("bob", first)

    issued = ok("tokens", "issue", "alice", "--name", "CRM sync", "--days", "30")
    assert isinstance(issued, dict)
    secret_token = issued["secret"]
    token_id = issued["token"]["id"]
    code, _, err = run("tokens", "issue", "alice", "--name", "x", "--days", "400")
    assert code == 2 and "days" in err
    listed = ok("tokens", "list")
    assert isinstance(listed, list) and [t["id"] for t in listed] == [token_id]
    assert listed[0]["state"] == "active" and secret_token not in json.dumps(listed)
    code, out, _ = run("tokens", "list", "--user", "bob")
    assert code == 0 and "no API token" in out

    with core_of(site) as core:
        assert core.staff.authenticate(secret_token).username == "alice"

    revoked = ok("tokens", "revoke", token_id)
    assert isinstance(revoked, dict) and revoked["state"] == "revoked"
    code, _, err = run("tokens", "revoke", token_id)
    assert code == 1 and "already revoked" in err
    with core_of(site) as core, pytest.raises(Unauthenticated):
        core.staff.authenticate(secret_token)

    disabled = ok("staff", "disable", "bob")
    assert isinstance(disabled, dict) and disabled["enabled"] is False
    accounts = ok("staff", "list")
    assert isinstance(accounts, list)
    assert [(a["username"], a["enabled"]) for a in accounts] == [("alice", True), ("bob", False)]
    code, out, _ = run("staff", "list")
    assert code == 0 and "disabled" in out and "alice" in out
    assert ok("staff", "enable", "bob") is not None
    code, _, err = run("staff", "disable", "nobody")
    assert code == 2 and "not_found" in err

    removed = ok("staff", "totp", "alice", "--remove")
    assert isinstance(removed, dict) and removed["totp_enabled"] is False

    audit = [e["action"] for e in ok("audit", "tail", "-n", "100")]  # type: ignore[attr-defined]
    for action in ("staff_add", "staff_password", "totp_enroll", "token_issue", "token_revoke"):
        assert action in audit

"""``mamori retention ...`` on a real SQLite store: an account closed, what is due shown
without a change, disposed, and nothing more the second time."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from typer.testing import CliRunner

from mamori.cli import app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """`mamori init` with the example policy (account_admin kept 90 days after the account
    closes), published, three subjects imported for account_admin."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("MAMORI_DATABASE_URL", "MAMORI_CONFIG", "MAMORI_JOB_BACKEND"):
            mp.delenv(name, raising=False)
        mp.setenv("MAMORI_OUTBOX_DIR", str(tmp_path / "outbox"))
        mp.chdir(tmp_path)
        assert run("init", "site", "--example", "meta-all-stars")[0] == 0
        site = tmp_path / "site"
        mp.chdir(site)
        assert run("policy", "publish", "--effective", "2022-03-22")[0] == 0
        rows = "".join(f"利用者 {n},user{n}@example.jp\n" for n in range(3))
        (site / "people.csv").write_text("name,email\n" + rows, encoding="utf-8")
        code, _, err = run(
            "subjects", "import", "people.csv", "--purpose", "account_admin", "--as", "officer"
        )
        assert code == 0, err
        yield site


def subjects_with(email: str) -> list[str]:
    code, out, _ = run("subjects", "find", "--email", email, "--json")
    assert code == 0
    return [str(s) for s in json.loads(out)["subjects"]]


def test_run_shows_disposes_and_finds_nothing_more(project: Path) -> None:
    [sid] = subjects_with("user0@example.jp")
    code, out, err = run("retention", "event", "account_closed", "--subject", sid, "--json")
    assert code == 0, err
    assert json.loads(out)["event"] == "account_closed"
    closed = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    last = (closed + dt.timedelta(days=90)).isoformat()
    due_day = (closed + dt.timedelta(days=91)).isoformat()

    code, out, err = run("retention", "run", "--dry-run", "--today", last, "--json")
    assert code == 0, err
    assert json.loads(out)["due"] == []
    code, out, _ = run("retention", "run", "--dry-run", "--today", due_day, "--json")
    report = json.loads(out)
    assert report["dry_run"] is True and report["disposed"] == []
    [due] = report["due"]
    assert due == {
        "subject": sid,
        "items": ["email", "name"],
        "rule": "purpose account_admin after account_closed keep P90D",
        "due": due_day,
        "method": "crypto_shred",
        "whole_subject": True,
    }
    assert subjects_with("user0@example.jp") == [sid]

    code, out, _ = run("retention", "plan", "--today", due_day)
    assert code == 0
    assert sid in out and "crypto_shred" in out and due_day in out and "dry run" in out

    code, out, err = run("retention", "run", "--today", due_day)
    assert code == 0, err
    assert sid in out and "disposed of 2 items of 1 subjects" in out
    assert subjects_with("user0@example.jp") == []
    assert subjects_with("user1@example.jp") != []

    code, out, _ = run("retention", "run", "--today", due_day, "--json")
    assert code == 0
    again = json.loads(out)
    assert again["due"] == [] and again["disposed"] == [] and again["records_purged"] == []

    today = dt.date.today()
    since, until = (today - dt.timedelta(days=2)).isoformat(), (today + dt.timedelta(days=2))
    code, out, err = run(
        "retention", "summary", "--since", since, "--until", until.isoformat(), "--json"
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["disposals"]["retention"]["by_method"] == {"crypto_shred": 1}
    assert summary["backlog"]["subjects"] == 0
    code, out, _ = run("retention", "summary", "--since", since, "--until", until.isoformat())
    assert code == 0 and "subjects disposed of" in out


def test_bad_input_is_refused_with_its_name_and_exit_code_2(project: Path) -> None:
    code, _, err = run("retention", "run", "--today", "2025-13-01")
    assert code == 2 and "--today" in err and "2025-13-01" in err
    code, _, err = run("retention", "event", "closed", "--subject", "s_x")
    assert code == 2 and "retention_refused" in err and "event_unknown" in err
    code, _, err = run("retention", "event", "purpose_ended")
    assert code == 2 and "purpose_missing" in err
    code, _, err = run("retention", "event", "account_closed", "--subject", "s_nobody")
    assert code == 2 and "subject_not_found" in err
    code, _, err = run("retention", "event", "account_closed", "--subject", "s_x", "--at", "x")
    assert code == 2 and "--at" in err
    code, _, err = run("retention", "summary", "--since", "2025-02-01", "--until", "2025-01-01")
    assert code == 2 and "--until" in err

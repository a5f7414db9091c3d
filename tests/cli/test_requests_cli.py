"""``mamori requests ...`` and ``mamori worker`` on a real SQLite store."""

from __future__ import annotations

import email.policy
import json
import re
import stat
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mamori.cli import app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`mamori init` with the example policy, published, eight subjects imported, and the
    outbox in the project folder."""
    root = tmp_path_factory.mktemp("requests")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MAMORI_DATABASE_URL", raising=False)
        mp.delenv("MAMORI_CONFIG", raising=False)
        mp.delenv("MAMORI_JOB_BACKEND", raising=False)
        mp.setenv("MAMORI_OUTBOX_DIR", str(root / "outbox"))
        mp.chdir(root)
        assert run("init", "site", "--example", "meta-all-stars")[0] == 0
        site = root / "site"
        mp.chdir(site)
        assert run("policy", "publish", "--effective", "2022-03-22")[0] == 0
        rows = "".join(f"利用者 {n},user{n}@example.jp\n" for n in range(8))
        (site / "people.csv").write_text("name,email\n" + rows, encoding="utf-8")
        code, _, err = run(
            "subjects", "import", "people.csv", "--purpose", "account_admin", "--as", "officer"
        )
        assert code == 0, err
        yield site


def subject(n: int) -> str:
    code, out, _ = run("subjects", "find", "--email", f"user{n}@example.jp", "--json")
    assert code == 0
    [sid] = json.loads(out)["subjects"]
    return str(sid)


def new(*args: str) -> dict[str, object]:
    code, out, err = run("requests", "new", *args, "--json")
    assert code == 0, err
    made: dict[str, object] = json.loads(out)
    return made


def show(rid: str) -> dict[str, object]:
    code, out, err = run("requests", "show", rid, "--json")
    assert code == 0, err
    shown: dict[str, object] = json.loads(out)
    return shown


def request_state(rid: str) -> object:
    return show(rid)["request"]["state"]  # type: ignore[index]


def staff_verify(rid: str) -> None:
    code, out, err = run("requests", "verify", rid, "--checked", "運転免許証")
    assert code == 0, err
    assert "verified" in out


def messages_to(project: Path, address: str) -> list[EmailMessage]:
    parser = BytesParser(policy=email.policy.default)
    found = []
    for path in sorted((project.parent / "outbox").glob("*.eml")):
        message = parser.parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        if str(message["To"]) == address:
            found.append(message)
    return found


def code_in(message: EmailMessage) -> str:
    body = message.get_body()
    assert body is not None
    [code] = re.findall(r"\b\d{6}\b", body.get_content())
    return str(code)


def masked(text: str) -> str:
    return re.sub(r"rq_[a-z0-9]+", "rq_…", text)


def test_new_by_subject_is_listed_with_days_left_and_a_duplicate_is_reported(
    project: Path,
) -> None:
    sid = subject(0)
    made = new("disclosure", "--subject", sid, "--channel", "mail", "--method", "paper")
    assert made["duplicate"] is False and made["state"] == "received"
    assert made["subject"] == sid and made["channel"] == "mail" and made["days_left"] == 14
    rid = str(made["id"])

    code, out, _ = run("requests", "new", "disclosure", "--subject", sid)
    assert code == 0
    assert f"duplicate of {rid}" in out and "duplicate: yes" in out and "14 days left" in out
    again = new("erasure", "--subject", sid, "--key", "k-1")
    assert again["duplicate"] is False
    assert new("erasure", "--subject", sid, "--key", "k-1")["id"] == again["id"]

    code, out, _ = run("requests", "list", "--subject", sid)
    assert code == 0 and rid in out and "disclosure" in out and "14 days left" in out
    code, out, _ = run("requests", "list", "--subject", sid, "--json")
    listed = {r["id"]: r for r in json.loads(out)}
    assert listed.keys() == {rid, again["id"]} and listed[rid]["days_left"] == 14
    code, out, _ = run("requests", "list", "--state", "received", "--json")
    assert rid in [r["id"] for r in json.loads(out)]
    assert show(rid)["details"] == {"method": "paper"}


def test_due_soon_includes_a_new_request_and_overdue_excludes_it(project: Path) -> None:
    rid = new("erasure", "--subject", subject(1), "--reason", "退会したため")["id"]
    code, out, _ = run("requests", "list", "--due-soon", "20", "--json")
    assert code == 0 and rid in [r["id"] for r in json.loads(out)]
    code, out, _ = run("requests", "list", "--due-soon", "3", "--json")
    assert rid not in [r["id"] for r in json.loads(out)]
    code, out, _ = run("requests", "list", "--overdue", "--json")
    assert code == 0 and rid not in [r["id"] for r in json.loads(out)]
    code, out, _ = run("requests", "list", "--overdue")
    assert code == 0 and rid not in out


def test_staff_verify_fulfil_now_and_download_a_disclosure(project: Path) -> None:
    sid = subject(2)
    rid = str(new("disclosure", "--subject", sid, "--agent")["id"])
    code, _, err = run("requests", "download", rid, "-o", "early.zip")
    assert code == 1 and "nothing to download" in err and not (project / "early.zip").exists()
    code, _, err = run(
        "requests", "verify", rid, "--checked", "運転免許証", "--checked", "委任状",
        "--method", "agent_documents", "--json",
    )  # fmt: skip
    assert code == 0, err
    shown = show(rid)["request"]
    assert shown["state"] == "verified"  # type: ignore[index]
    assert shown["verification"]["checked"] == ["運転免許証", "委任状"]  # type: ignore[index]
    assert shown["verification"]["method"] == "agent_documents"  # type: ignore[index]

    code, out, err = run("requests", "fulfil", rid, "--now")
    assert code == 0, err
    assert "completed" in out and rid in out
    target = project / "packages" / "disclosure.zip"
    code, _, err = run("requests", "download", rid, "-o", str(target))
    assert code == 0 and "wrote" in err and "sha256" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    archive = zipfile.ZipFile(target)
    assert {"data.json", "manifest.json"} <= set(archive.namelist())
    assert archive.testzip() is None
    assert json.loads(archive.read("data.json"))["vault"]["email"] == "user2@example.jp"

    piped = CliRunner().invoke(app, ["requests", "download", rid])
    assert piped.exit_code == 0 and piped.stdout_bytes == target.read_bytes()
    code, out, _ = run("audit", "tail", "-n", "1", "--json")
    assert json.loads(out)[0]["action"] == "download"
    code, out, _ = run("requests", "show", rid)
    assert code == 0 and "completed" in out and "agent_documents" in out and "fulfilled" in out


def test_erasure_queued_then_run_by_the_worker(project: Path) -> None:
    sid = subject(3)
    rid = str(new("erasure", "--subject", sid)["id"])
    staff_verify(rid)
    code, out, err = run("requests", "fulfil", rid)
    assert code == 0, err
    assert "queued job" in out and "mamori worker" in err
    assert request_state(rid) == "in_progress"
    code, out, err = run("requests", "fulfil", rid, "--json")  # the same unfinished job
    job = json.loads(out)
    assert code == 0 and job["kind"] == "fulfil" and job["ref"] == rid and job["state"] == "queued"

    code, out, err = run("worker", "--once")
    assert code == 0, err
    assert "1 job ran" in out and rid in out and "done" in out
    shown = show(rid)["request"]
    assert shown["state"] == "completed"  # type: ignore[index]
    assert shown["result"] == {"systems": {"vault": "done"}}  # type: ignore[index]
    code, out, _ = run("worker", "--once", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run("subjects", "find", "--email", "user3@example.jp", "--json")
    assert json.loads(out)["subjects"] == []


def test_reject_needs_a_reason_and_withdraw_and_approve(project: Path) -> None:
    sid = subject(4)
    rid = str(new("purpose_notice", "--subject", sid)["id"])
    code, out, err = run("requests", "reject", rid, "--code", "no_data")
    assert code == 2 and "reason: reason_required" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("requests", "reject", rid, "--code", "nope", "--reason", "x")
    assert code == 2 and "code: code_unknown" in err
    assert request_state(rid) == "received"
    code, _, err = run("requests", "approve", rid)
    assert code == 1 and "verified" in err
    code, out, err = run(
        "requests", "reject", rid, "--code", "no_data", "--reason", "保有個人データはありません",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    rejected = json.loads(out)
    assert rejected["state"] == "rejected" and rejected["reject_code"] == "no_data"
    code, out, _ = run("requests", "show", rid)
    assert "保有個人データはありません" in out

    other = str(new("suspension", "--subject", sid, "--scope", "purpose:sales")["id"])
    assert show(other)["details"] == {"scope": "purpose:sales", "reason": "rights_at_risk"}
    code, out, _ = run("requests", "withdraw", other)
    assert code == 0 and f"withdrew {other}" in out
    assert request_state(other) == "withdrawn"

    third = str(new("stop_provision", "--subject", sid)["id"])
    staff_verify(third)
    code, out, err = run("requests", "approve", third, "--json")
    assert code == 0 and json.loads(out)["state"] == "in_progress"
    code, out, err = run("requests", "fulfil", third, "--now", "--json")
    assert code == 0 and json.loads(out)["state"] == "completed"


def test_a_correction_shows_item_names_never_values(project: Path) -> None:
    sid = subject(6)
    rid = str(new("correction", "--subject", sid, "--values", "email=new6@example.jp")["id"])
    code, out, _ = run("requests", "show", rid)
    assert code == 0 and "email" in out and "new6" not in out
    assert show(rid)["details"] == {"items": ["email"]}
    code, out, _ = run("requests", "show", rid, "--json")
    assert "new6" not in out


def test_a_code_by_email_and_the_same_answer_for_an_unknown_address(project: Path) -> None:
    known = run("requests", "new", "disclosure", "--email", "user5@example.jp")
    unknown = run("requests", "new", "disclosure", "--email", "nobody@example.jp")
    assert known[0] == unknown[0] == 0
    assert "if this contact is registered" in known[1]
    assert masked(known[1]) == masked(unknown[1]) and known[2] == unknown[2] == ""
    as_json = [new("disclosure", "--email", a) for a in ("user7@example.jp", "x@example.jp")]
    same = [{k: v for k, v in j.items() if k not in ("id", "received_at")} for j in as_json]
    assert same[0] == same[1] and same[0]["state"] == "received"
    assert "subject" not in as_json[0]
    [rid_known] = re.findall(r"rq_[a-z0-9]+", known[1])
    [rid_unknown] = re.findall(r"rq_[a-z0-9]+", unknown[1])

    sent = [run("requests", "verify", rid, "--send-code") for rid in (rid_known, rid_unknown)]
    assert sent[0][0] == sent[1][0] == 0 and masked(sent[0][1]) == masked(sent[1][1])
    [message] = messages_to(project, "user5@example.jp")
    code = code_in(message)
    assert messages_to(project, "nobody@example.jp") == []

    wrong = "000000" if code != "000000" else "111111"
    bad = [run("requests", "verify", rid, "--code", wrong) for rid in (rid_known, rid_unknown)]
    assert bad[0][0] == bad[1][0] == 1 and bad[0][2] == bad[1][2]
    assert "wrong, expired or used up" in bad[0][2]
    assert request_state(rid_known) == "verifying"
    ok = run("requests", "verify", rid_known, "--code", code)
    assert ok[0] == 0 and "verified" in ok[1]
    assert request_state(rid_known) == "verified"
    assert run("requests", "verify", rid_unknown, "--code", code)[0] == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["new", "deletion", "--subject", "s_x"], "kind: kind_unknown"),
        (["new", "disclosure"], "subject: subject_or_contact_required"),
        (["new", "disclosure", "--subject", "s_x", "--email", "a@example.jp"], "subject"),
        (["new", "disclosure", "--email", "not-an-address"], "contact"),
        (["new", "disclosure", "--subject", "s_x", "--channel", "fax"], "channel_unknown"),
        (["new", "disclosure", "--subject", "s_x", "--method", "fax"], "details.method"),
        (["new", "correction", "--subject", "s_x", "--values", "phone"], "values"),
        (["new", "correction", "--subject", "s_x", "--values", "shoe=1"], "details.values.shoe"),
        (["new", "erasure", "--subject", "s_x", "--scope", "all"], "details.scope"),
        (["new", "suspension", "--subject", "s_x", "--scope", "nope"], "details.scope"),
        (["new", "stop_provision", "--subject", "s_x", "--recipient", "nope"], "recipients"),
        (["list", "--state", "open"], "state"),
        (["list", "--overdue", "--due-soon", "3"], "due_soon"),
        (["verify", "rq_nope"], "verify"),
        (["verify", "rq_nope", "--send-code", "--code", "123456"], "verify"),
        (["verify", "rq_nope", "--send-code", "--method", "documents"], "method"),
        (["show", "rq_nope"], "no request 'rq_nope'"),
    ],
)
def test_bad_input_exits_2_naming_the_field(project: Path, args: list[str], expected: str) -> None:
    code, out, err = run("requests", *args)
    assert code == 2 and expected in err, err
    assert "Traceback" not in out + err and len(err.strip().splitlines()) == 1


def test_worker_flags(project: Path) -> None:
    assert run("worker", "--once", "--celery")[0] == 2
    assert run("worker", "--concurrency", "2")[0] == 2
    assert run("worker", "--json")[0] == 2

"""``mamori inquiries ...`` on a real SQLite store, with the file outbox."""

from __future__ import annotations

import datetime as dt
import email.policy
import json
import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from mamori.cli import app
from mamori.core import Mamori
from mamori.settings import Settings

BODY = "退会後の個人データの取扱いについて教えてください。090-9999-0000"
REPLY = "退会後30日で削除します。詳しくはプライバシーポリシー第7条をご覧ください。"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, env={"COLUMNS": "160"})
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def ok_json(*args: str, stdin: str | None = None) -> Any:
    code, out, err = run(*args, "--json", stdin=stdin)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`mamori init` with the example policy, published; the outbox beside the project."""
    root = tmp_path_factory.mktemp("inquiries")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("MAMORI_DATABASE_URL", "MAMORI_CONFIG", "MAMORI_INQUIRY_REPLY_DAYS"):
            mp.delenv(name, raising=False)
        mp.setenv("MAMORI_OUTBOX_DIR", str(root / "outbox"))
        mp.chdir(root)
        assert run("init", "site", "--example", "meta-all-stars")[0] == 0
        site = root / "site"
        mp.chdir(site)
        assert run("policy", "publish", "--effective", "2022-03-22")[0] == 0
        yield site


def mails(project: Path) -> list[EmailMessage]:
    parser = BytesParser(policy=email.policy.default)
    found = []
    for path in sorted((project.parent / "outbox").glob("*.eml")):
        message = parser.parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def test_new_reply_close_round_trip(project: Path) -> None:
    made = ok_json(
        "inquiries", "new", "complaint",
        "--title", "退会後のデータ", "--body", BODY,
        "--channel", "phone", "--email", "person@example.jp", "--assign", "staff:sato",
    )  # fmt: skip
    rid = made["id"]
    assert re.fullmatch(r"INQ-\d{4}-[A-Z2-7]{5}-[A-Z2-7]{5}", rid)
    assert made["status"] == "open" and made["channel"] == "phone"
    assert made["assignee"] == "staff:sato" and made["has_contact"] is True
    assert made["days_left"] == 14 and made["overdue"] is False
    assert BODY not in json.dumps(made, ensure_ascii=False)

    listed = ok_json("inquiries", "list", "--kind", "complaint")
    assert [t["id"] for t in listed] == [rid]
    assert BODY not in json.dumps(listed, ensure_ascii=False)

    replied = ok_json("inquiries", "reply", rid, "--body-file", "-", stdin=REPLY + "\n")
    assert replied["reply"]["number"] == 1 and replied["reply"]["sent"] is True
    assert replied["inquiry"]["status"] == "answered" and "text" not in replied["reply"]
    [message] = mails(project)
    assert str(message["To"]) == "person@example.jp" and rid in str(message["Subject"])
    body = message.get_body()
    assert body is not None and REPLY in body.get_content()

    summary_file = project / "summary.txt"
    summary_file.write_text("削除時期を説明して解決。", encoding="utf-8")
    closed = ok_json("inquiries", "close", rid.lower(), "--summary-file", str(summary_file))
    assert closed["status"] == "closed" and closed["days_left"] is None

    shown = ok_json("inquiries", "show", rid)
    assert shown["body"] == BODY and shown["contact"] == "person@example.jp"
    assert [r["text"] for r in shown["replies"]] == [REPLY]
    assert shown["summary"] == "削除時期を説明して解決。"

    code, out, _ = run("inquiries", "show", rid)
    assert code == 0 and rid in out and "削除時期を説明して解決" in out

    code, out, err = run("inquiries", "reply", rid, "--body", "もう一度")
    assert code == 1 and "closed" in err and out == ""

    code, out, _ = run("audit", "tail", "--json")
    assert code == 0 and BODY not in out and REPLY not in out and "person@example.jp" not in out


def test_assign_status_and_lists(project: Path) -> None:
    rid = ok_json(
        "inquiries", "new", "question", "--title", "質問", "--body", "本文", "--lang", "en"
    )["id"]
    assert ok_json("inquiries", "assign", rid, "staff:ito")["assignee"] == "staff:ito"
    assert [t["id"] for t in ok_json("inquiries", "list", "--assignee", "staff:ito")] == [rid]
    assert ok_json("inquiries", "assign", rid, "--clear")["assignee"] is None
    moved = ok_json("inquiries", "status", rid, "waiting_on_person")
    assert moved["status"] == "waiting_on_person"
    reply = ok_json("inquiries", "reply", rid, "--body", "Noted.", "--no-send", "--waiting")
    assert reply["reply"]["sent"] is False
    code, out, _ = run("inquiries", "list")
    assert code == 0 and rid in out
    code, out, _ = run("inquiries", "assign", rid, "staff:ito")
    assert code == 0 and "assigned to staff:ito" in out


def test_list_overdue(project: Path) -> None:
    with Mamori.open(Settings.load(project / "mamori.toml")) as core:
        old = core.inquiries.open(
            "question",
            title="古い問い合わせ",
            body="本文",
            actor="desk",
            channel="post",
            received_at=core.clock.now() - dt.timedelta(days=30),
        )
    overdue = ok_json("inquiries", "list", "--overdue")
    assert [t["id"] for t in overdue] == [old.id]
    assert overdue[0]["overdue"] is True and overdue[0]["days_left"] == -16
    code, out, _ = run("inquiries", "list", "--overdue")
    assert code == 0 and old.id in out and "16 days overdue" in out
    counts = ok_json("inquiries", "summary", "--since", "2000-01-01", "--until", "2100-12-31")
    assert counts["overdue_now"] >= 1 and counts["received"] >= 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("new", "praise", "--title", "t", "--body", "b"), "kind: kind_unknown"),
        (("new", "question", "--title", "t", "--body", "b", "--channel", "fax"), "channel"),
        (("new", "question", "--title", "t", "--body", "  "), "body: empty"),
        (("new", "question", "--title", "t"), "body: one_of_text_or_file"),
        (("new", "question", "--title", "t", "--body", "b", "--body-file", "x"), "body:"),
        (("new", "question", "--title", "t", "--body-file", "missing.txt"), "body_file"),
        (("new", "question", "--title", "t", "--body", "b", "--subject", "s_x"), "subject"),
        (("new", "question", "--title", "t", "--body", "b", "--email", "nope"), "contact"),
        (("new", "question", "--title", "t", "--body", "b", "--reply-days", "0"), "reply_days"),
        (("list", "--status", "pending"), "status: status_unknown"),
        (("status", "INQ-2026-AAAAA-AAAAA", "closed"), "status: use_close"),
        (("assign", "INQ-2026-AAAAA-AAAAA"), "assignee"),
        (("summary", "--since", "2026-13-01", "--until", "2026-12-01"), "since: not_a_date"),
    ],
)
def test_bad_input_exits_2_naming_the_field(
    project: Path, args: tuple[str, ...], needle: str
) -> None:
    before = ok_json("inquiries", "list")
    code, out, err = run("inquiries", *args)
    assert code == 2, (out, err)
    assert needle in err and "inquiry_refused" in err
    assert ok_json("inquiries", "list") == before


def test_unknown_reference_exits_2(project: Path) -> None:
    code, _, err = run("inquiries", "show", "INQ-2026-AAAAA-AAAAA", "--json")
    assert code == 2 and "not_found" in err and "no inquiry" in err

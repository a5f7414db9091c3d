"""``mamori incidents ...`` and ``mamori alerts ...`` on a real SQLite store."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
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


def ok(*args: str) -> object:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`mamori init` with the example policy, published, six subjects (five with email)."""
    root = tmp_path_factory.mktemp("incidents")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MAMORI_DATABASE_URL", raising=False)
        mp.delenv("MAMORI_CONFIG", raising=False)
        mp.setenv("MAMORI_OUTBOX_DIR", str(root / "outbox"))
        mp.chdir(root)
        assert run("init", "site", "--example", "meta-all-stars")[0] == 0
        site = root / "site"
        mp.chdir(site)
        assert run("policy", "publish", "--effective", "2022-03-22")[0] == 0
        rows = "".join(f"利用者 {n},user{n}@example.jp\n" for n in range(5)) + "連絡先なし,\n"
        (site / "people.csv").write_text("name,email\n" + rows, encoding="utf-8")
        code, _, err = run(
            "subjects", "import", "people.csv", "--purpose", "account_admin", "--as", "officer"
        )
        assert code == 0, err
        yield site


def yesterday() -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(timespec="seconds")


def test_an_incident_from_registration_to_closing(project: Path) -> None:
    made = ok(
        "incidents", "new", "--learned-at", yesterday(), "--cause", "misdelivery",
        "--items", "name,email", "--holding", "name",
        "--set", "overview=メールの誤送信", "--set", "found_by=CS部",
    )  # fmt: skip
    assert isinstance(made, dict)
    iid = made["id"]
    assert made["affected_count"] == 6 and made["count_is_upper_bound"] is True
    assert made["suggested"] == [] and made["state"] == "open"
    classified = ok(
        "incidents", "classify", iid, "--category", "malicious", "--reason", "誤送付先で悪用"
    )
    assert isinstance(classified, dict)
    assert classified["categories"] == ["malicious"] and classified["reportable"] is True
    code, draft, err = run("incidents", "report", iid, "--kind", "preliminary")
    assert code == 0, err
    assert "## 1. 概要" in draft and "## 9. その他参考となる事項" in draft
    assert "メールの誤送信" in draft and "CS部" in draft
    out_file = project / "prelim.html"
    code, _, err = run("incidents", "report", iid, "--format", "html", "--out", str(out_file))
    assert code == 0, err
    assert "本人の数" in out_file.read_text(encoding="utf-8")
    notified = ok("incidents", "notify", iid)
    assert notified == {"incident": iid, "sent": 5, "already": 0, "no_contact": 1, "failed": 0}
    again = ok("incidents", "notify", iid)
    assert isinstance(again, dict) and again["sent"] == 0 and again["already"] == 5
    assert len(list((project.parent / "outbox").glob("*.eml"))) == 5
    reported = ok("incidents", "report", iid, "--kind", "preliminary", "--submitted")
    assert isinstance(reported, dict) and reported["state"] == "preliminary_reported"
    ok("incidents", "report", iid, "--kind", "final", "--submitted")
    closed = ok("incidents", "close", iid, "--note", "再発防止策を確認")
    assert isinstance(closed, dict) and closed["state"] == "closed"
    shown = ok("incidents", "show", iid)
    assert isinstance(shown, dict)
    assert [e["to"] for e in shown["events"]][-1] == "closed"
    assert shown["notices"]["sent"] == 5 and shown["texts"]["found_by"] == "CS部"
    listed = ok("incidents", "list", "--state", "closed")
    assert isinstance(listed, list) and [i["id"] for i in listed] == [iid]
    code, human, _ = run("incidents", "show", iid)
    assert code == 0 and iid in human


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--items", "blood_type", "--holding", "name"), "items"),
        (("--items", "name", "--subject", "s_nobody"), "subjects"),
        (("--items", "name", "--holding", "name", "--created-from", "yesterday"), "created_from"),
        (("--items", "name"), "subjects"),
    ],
)
def test_bad_input_names_the_field_and_exits_2(
    project: Path, args: tuple[str, ...], field: str
) -> None:
    code, out, err = run("incidents", "new", "--learned-at", yesterday(), "--cause", "loss", *args)
    assert code == 2 and out == ""
    assert "incident_refused" in err and field in err


def test_a_bad_time_and_an_unknown_incident_exit_2(project: Path) -> None:
    code, _, err = run(
        "incidents", "new", "--learned-at", "last tuesday", "--cause", "loss",
        "--items", "name", "--holding", "name",
    )  # fmt: skip
    assert code == 2 and "learned_at" in err
    code, _, err = run("incidents", "classify", "in_missing")
    assert code == 2 and "in_missing" in err
    code, _, err = run("incidents", "report", "in_missing", "--format", "pdf")
    assert code == 2 and "format" in err


def test_alerts_list_scan_acknowledge_and_open_an_incident(project: Path) -> None:
    from mamori.core import Mamori
    from mamori.settings import Settings

    with Mamori.open(Settings.load()) as core:
        raised = core.alerts.record(
            "mynumber_column",
            summary="a column holds My Numbers: shop.customers.note",
            detail={"dataset": "shop", "column": "note"},
        )
        subject = core.incidents.subjects(core.incidents.list()[0].id)[0]
        second = core.alerts.record("deny_burst", summary="denies", detail={}, subject=subject)
    listed = ok("alerts", "--scan")
    assert isinstance(listed, dict) and "raised" in listed
    assert {raised.id, second.id} <= {a["id"] for a in listed["alerts"]}
    acked = ok("alerts", "ack", raised.id)
    assert isinstance(acked, dict) and acked["open"] is False
    code, _, err = run("alerts", "ack", raised.id)
    assert code == 1 and "acknowledged" in err
    still = ok("alerts")
    assert isinstance(still, dict) and raised.id not in {a["id"] for a in still["alerts"]}
    every = ok("alerts", "--all")
    assert isinstance(every, dict) and raised.id in {a["id"] for a in every["alerts"]}
    opened = ok("alerts", "incident", second.id, "--items", "name")
    assert isinstance(opened, dict) and opened["alert_id"] == second.id
    assert opened["cause"] == "unauthorised_access" and opened["affected_count"] == 1
    code, human, _ = run("alerts", "--all")
    assert code == 0 and "deny_burst" in human and "mynumber_column" in human

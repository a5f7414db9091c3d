"""``mamori scan ...`` end to end on a project made by ``mamori init``: JSON out, stored
scans listed and shown again, exit 1 when the data map misses a column, exit 2 on bad
input with nothing stored."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from mamori.cli import app


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def scan_json(*args: str, code: int = 0, stdin: str | None = None) -> dict[str, Any]:
    got, out, err = run("scan", *args, "--json", stdin=stdin)
    assert got == code, err
    assert err == ""  # no progress bar, no note with --json
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project with the example policy, a ``legacy`` dataset in its map, published."""
    root = tmp_path_factory.mktemp("scan")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("MAMORI_DATABASE_URL", "MAMORI_CONFIG", "MAMORI_POLICY"):
            mp.delenv(var, raising=False)
        mp.chdir(root)
        assert run("init", "site", "--example", "meta-all-stars")[0] == 0
        site = root / "site"
        mp.chdir(site)
        con = sqlite3.connect(site / "legacy.db")
        con.executescript(
            "CREATE TABLE members (id INTEGER PRIMARY KEY, member_no TEXT, email TEXT, "
            "tel TEXT, joined TEXT);"
        )
        con.executemany(
            "INSERT INTO members VALUES (?, ?, ?, ?, ?)",
            [(i, f"M-{i:05d}", f"m{i}@example.jp", f"090-5555-{i:04d}", "2023-04-01")
             for i in range(1, 21)],
        )  # fmt: skip
        con.commit()
        con.close()
        policy = yaml.safe_load((site / "policy.yaml").read_text(encoding="utf-8"))
        policy["datasets"] = {
            "legacy": {
                "system": "Old member list",
                "engine": "sqlite",
                "tables": {
                    "members": {"primary_key": ["id"], "identity": {"email": "email"},
                                "columns": {"email": "email"}},
                },
            }
        }  # fmt: skip
        (site / "policy.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True))
        with (site / "mamori.toml").open("a", encoding="utf-8") as fh:
            fh.write('\n[mamori.dataset_urls]\nlegacy = "sqlite:///legacy.db"\n')
        code, _, err = run("policy", "publish", "--effective", "2022-03-22")
        assert code == 0, err
        yield site


def test_text_file_and_db_round_trip(project: Path) -> None:
    text = scan_json(
        "text",
        "担当者の携帯は 090-1234-5678、メールは taro@example.jp です\nマイナンバー 1234 5678 9018",
    )
    assert {c["entity"]: c["suggested_item"] for c in text["columns"]} == {
        "jp_phone": "phone",
        "email": "email",
        "my_number": None,
    }
    assert {c["entity"]: c["lines"] for c in text["columns"]}["my_number"] == [2]
    assert [c["examples"] for c in text["columns"] if c["entity"] == "my_number"] == [[]]
    assert "090-1234-5678" not in json.dumps(text, ensure_ascii=False)

    piped = scan_json("text", "-", stdin="連絡先: hanako@example.jp\n")
    assert [c["entity"] for c in piped["columns"]] == ["email"]

    csv_path = project / "list.csv"
    csv_path.write_bytes("氏名,電話番号,品番\n山田 太郎,03-1234-5678,A-100\n".encode("cp932"))
    filed = scan_json("file", str(csv_path))
    assert filed["format"] == "csv"
    assert {c["column"] for c in filed["columns"] if c["personal"]} == {"氏名", "電話番号"}

    db = scan_json("db", "sqlite:///legacy.db", "--sample", "5")
    members = {c["column"]: c for c in db["columns"]}
    assert members["tel"]["sampled"] == 5 and members["tel"]["entity"] == "jp_phone"
    assert not members["member_no"]["personal"] and not members["joined"]["personal"]
    assert db["comparison"] is None

    listed = run("scan", "list", "--json")
    assert listed[0] == 0
    ids = [s["id"] for s in json.loads(listed[1])["scans"]]
    assert ids[:4] == [db["id"], filed["id"], piped["id"], text["id"]]
    shown = scan_json("show", db["id"])
    assert shown == db
    code, out, _ = run("scan", "show", db["id"])
    assert code == 0 and "members.tel" in out
    assert "0**-****-**01" in out and "090-5555-0001" not in out  # masked examples only


def test_compare_exits_1_when_the_map_misses_a_column(project: Path) -> None:
    result = scan_json("db", "sqlite:///legacy.db", "--compare", code=1)
    comparison = result["comparison"]
    assert comparison["dataset"] == "legacy"
    assert [(c["table"], c["column"], c["suggested_item"]) for c in comparison["undeclared"]] == [
        ("members", "tel", "phone")
    ]
    assert comparison["declared_empty"] == []
    code, out, _ = run("scan", "db", "sqlite:///legacy.db", "--dataset", "legacy")
    assert code == 1
    assert "undeclared" in out and "members.tel" in out


def test_bad_input_exits_2_and_stores_nothing(project: Path) -> None:
    before = json.loads(run("scan", "list", "--json")[1])["scans"]
    cases = [
        (("file", "missing.csv"), "missing.csv cannot be read"),
        (("file", "policy.yaml", "--format", "xml"), "unknown format 'xml'"),
        (("db", "nonsense"), "not a database URL"),
        (("db", "sqlite:///nowhere.db"), "no SQLite database at nowhere.db"),
        (("db", "postgresql+psycopg://scan:pw@127.0.0.1:9/shop"), "cannot be read"),
        (("db", "sqlite:///legacy.db", "--dataset", "nope"), "no dataset 'nope'"),
        (("db", "sqlite:///legacy.db", "--sample", "0"), "--sample must be at least 1"),
        (("show", "sc_unknown"), "no scan 'sc_unknown'"),
    ]
    for args, message in cases:
        code, out, err = run("scan", *args)
        assert code == 2, (args, err)
        assert message in err, (args, err)
        assert ":pw@" not in err
        assert out == ""
    assert not (project / "nowhere.db").exists()
    assert json.loads(run("scan", "list", "--json")[1])["scans"] == before

"""``mamori report`` on a real SQLite store: JSON, HTML and PDF files, and --verify."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`mamori init` with the example policy published and three people imported."""
    root = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MAMORI_DATABASE_URL", raising=False)
        mp.delenv("MAMORI_CONFIG", raising=False)
        mp.setenv("MAMORI_OUTBOX_DIR", str(root / "outbox"))
        mp.chdir(root)
        assert run("init", "site", "--example", "meta-all-stars")[0] == 0
        site = root / "site"
        mp.chdir(site)
        assert run("policy", "publish", "--effective", "2022-03-22")[0] == 0
        rows = "".join(f"利用者 {n},user{n}@example.jp\n" for n in range(3))
        (site / "people.csv").write_text("name,email\n" + rows, encoding="utf-8")
        code, _, err = run(
            "subjects", "import", "people.csv", "--purpose", "account_admin", "--as", "officer"
        )
        assert code == 0, err
        yield site


PERIOD = ("--since", "2020-01-01", "--until", "2099-12-31")


def test_json_round_trip_verifies_and_a_changed_figure_does_not(project: Path) -> None:
    code, out, err = run("report", *PERIOD, "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["format"] == "mamori-report/1"
    assert document["figures"]["collections"]["total"] == 3
    assert document["figures"]["collections"]["new_subjects"] == 3
    path = project / "report.json"
    code, _, err = run("report", *PERIOD, "--format", "json", "--output", str(path))
    assert code == 0, err
    assert "signed by audit entry" in err
    code, out, err = run("report", "--verify", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["ok"] is True
    changed = json.loads(path.read_text(encoding="utf-8"))
    changed["figures"]["collections"]["total"] = 2
    bad = project / "changed.json"
    bad.write_text(json.dumps(changed), encoding="utf-8")
    code, out, _ = run("report", "--verify", str(bad))
    assert code == 1 and "FAILED" in out
    (project / "junk.json").write_text("{", encoding="utf-8")
    code, _, err = run("report", "--verify", str(project / "junk.json"))
    assert code == 2 and "report_invalid" in err


def test_html_and_pdf_files(project: Path) -> None:
    html = project / "out" / "report.html"
    code, out, err = run("report", *PERIOD, "-o", str(html), "--json")
    assert code == 0, err
    written = json.loads(out)
    assert written["format"] == "html" and written["audit_seq"] > 0
    text = html.read_text(encoding="utf-8")
    assert "<svg" in text and "<script" not in text.lower()
    assert written["audit_hash"] in text
    pdf = project / "report.pdf"
    code, _, err = run("report", *PERIOD, "--format", "pdf", "--lang", "en", "-o", str(pdf))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")


def test_bad_input_is_refused_with_exit_2(project: Path) -> None:
    code, _, err = run("report", "--since", "2026-10-02", "--until", "2026-10-01")
    assert code == 2 and "report_period_invalid" in err
    code, _, err = run("report", "--since", "yesterday")
    assert code == 2 and "--since" in err
    code, _, err = run("report", "--format", "pdf")
    assert code == 2 and "--output" in err

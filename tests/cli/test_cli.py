"""The ``mamori`` command line, driven in-process: exit codes 0 ok, 1 check failed, 2 bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mamori.cli import app


@pytest.fixture
def project(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder made by `mamori init --example meta-all-stars`, on the test database."""
    monkeypatch.setenv("MAMORI_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init", "site", "--example", "meta-all-stars"])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(tmp_path / "site")
    return tmp_path / "site"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_init_writes_config_policy_and_refuses_to_overwrite(project: Path) -> None:
    assert (project / "mamori.toml").is_file()
    assert "株式会社META ALL-STARS" in (project / "policy.yaml").read_text(encoding="utf-8")
    before = (project / "policy.yaml").read_text(encoding="utf-8")
    code, _, err = run("init", ".")
    assert code == 1 and "already exist" in err
    assert (project / "policy.yaml").read_text(encoding="utf-8") == before


def test_init_without_example_gives_a_valid_starter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAMORI_DATABASE_URL", raising=False)
    code, _, err = run("init", str(tmp_path / "new"))
    assert code == 0, err
    assert (tmp_path / "new" / "mamori.db").exists()
    code, out, _ = run("-c", str(tmp_path / "new" / "mamori.toml"), "policy", "validate", "--json")
    assert code == 0 and json.loads(out)["valid"] is True


def test_unknown_example_is_bad_input(tmp_path: Path) -> None:
    code, _, err = run("init", str(tmp_path / "x"), "--example", "nope")
    assert code == 2 and "unknown example 'nope'" in err
    assert not (tmp_path / "x").exists()


def test_validate_ok_and_json(project: Path) -> None:
    code, out, _ = run("policy", "validate")
    assert code == 0 and "valid" in out
    code, out, _ = run("policy", "validate", "--json")
    report = json.loads(out)
    assert report["valid"] and report["summary"]["purposes"] == 8


def test_validate_bad_file_exits_2_with_location_and_no_traceback(project: Path) -> None:
    text = (project / "policy.yaml").read_text(encoding="utf-8")
    (project / "bad.yaml").write_text(
        text.replace("[name, email, phone, device_token]", "[name, phon]", 1), encoding="utf-8"
    )
    code, out, err = run("policy", "validate", "bad.yaml")
    assert code == 2
    assert "bad.yaml:" in err and "purposes.sales.items[1]: unknown item 'phon'" in err
    assert "Traceback" not in err + out
    code, out, _ = run("policy", "validate", "bad.yaml", "--json")
    assert code == 2 and json.loads(out)["issues"][0]["path"] == "purposes.sales.items[1]"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b"format: [1\n", "malformed YAML"),
        (b"format: 1\nbogus: true\n", "unknown key 'bogus'"),
    ],
)
def test_bad_files_exit_2_and_write_nothing(project: Path, content: bytes, expected: str) -> None:
    (project / "bad.yaml").write_bytes(content)
    for command in (["policy", "validate", "bad.yaml"], ["policy", "publish", "bad.yaml"]):
        code, out, err = run(*command)
        assert code == 2 and expected in err and "Traceback" not in err
    code, out, _ = run("policy", "history", "--json")
    assert json.loads(out) == []


def test_strict_validation_fails_on_warnings(project: Path) -> None:
    text = (project / "policy.yaml").read_text(encoding="utf-8")
    vague = text.replace("ja: サービスの勧誘・販売を行うため", "ja: マーケティングのため", 1)
    (project / "vague.yaml").write_text(vague, encoding="utf-8")
    assert run("policy", "validate", "vague.yaml")[0] == 0
    code, _, err = run("policy", "validate", "vague.yaml", "--strict")
    assert code == 1 and "purpose_vague" not in err and "too vague" in err


def test_render_both_languages_and_formats(project: Path, tmp_path: Path) -> None:
    code, out, _ = run("policy", "render", "--lang", "ja")
    assert code == 0 and "## 3. 個人情報の利用目的について" in out
    code, out, _ = run("policy", "render", "--lang", "en", "--format", "html")
    assert code == 0 and '<html lang="en">' in out and "Purposes" in out
    code, out, _ = run("policy", "render", "--document", "public-matters")
    assert "保有個人データ" in out
    target = tmp_path / "out" / "policy.html"
    code, _, _ = run("policy", "render", "-f", "html", "-o", str(target))
    assert code == 0 and target.read_text(encoding="utf-8").lower().startswith("<!doctype html>")
    assert run("policy", "render", "--lang", "fr")[0] == 2


def test_publish_history_show_and_no_op(project: Path) -> None:
    code, out, _ = run("policy", "publish", "--effective", "2022-03-22")
    assert code == 0 and "published v1" in out
    code, out, _ = run("policy", "publish")
    assert code == 0 and "unchanged" in out and "v1" in out
    code, out, _ = run("policy", "history", "--json")
    [version] = json.loads(out)
    assert version["effective_on"] == "2022-03-22"
    code, out, _ = run("policy", "show", "v1", "--json")
    assert json.loads(out)["summary"]["purposes"] == 8
    code, out, _ = run("policy", "show", "--source")
    assert out == (project / "policy.yaml").read_text(encoding="utf-8")
    code, _, err = run("policy", "show", "v7")
    assert code == 2 and "no published policy version 'v7'" in err


def test_publish_with_a_bad_date_is_bad_input(project: Path) -> None:
    code, _, err = run("policy", "publish", "--effective", "2026-13-01")
    assert code == 2 and "not a date" in err


def test_diff_files_and_versions(project: Path) -> None:
    run("policy", "publish", "--effective", "2022-03-22")
    text = (project / "policy.yaml").read_text(encoding="utf-8")
    changed = text.replace("    profiling: true\n", "    profiling: true\n    provision: true\n", 1)
    changed = changed.replace("target_days: 14", "target_days: 10", 1)
    (project / "next.yaml").write_text(changed, encoding="utf-8")
    code, out, _ = run("policy", "diff", "v1", "next.yaml", "--json")
    assert code == 0
    report = json.loads(out)
    kinds = {(c["kind"], c["severity"]) for c in report["changes"]}
    assert ("purpose_flag_changed", "consent") in kinds
    assert ("requests_changed", "notice") in kinds
    assert report["severity"] == "consent"
    assert run("policy", "diff", "v1", "next.yaml", "--check")[0] == 1
    code, out, _ = run("policy", "diff", "policy.yaml", "v1")
    assert code == 0 and "no changes" in out


def test_schema_is_json_schema(project: Path) -> None:
    code, out, _ = run("policy", "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"controller", "items", "purposes", "recipients", "roles"} <= set(schema["properties"])


def test_settings_lists_values_sources_and_masks_secrets(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAMORI_DATABASE_URL", "postgresql+psycopg://u:hunter2@127.0.0.1/x")
    code, out, _ = run("settings", "--json")
    views = {v["name"]: v for v in json.loads(out)}
    assert "hunter2" not in out
    assert views["database_url"]["source"] == "env MAMORI_DATABASE_URL"
    assert views["policy"]["source"].endswith("mamori.toml:4")
    code, out, _ = run("settings")
    assert code == 0 and "database_url" in out and "hunter2" not in out


def test_bad_settings_are_bad_input(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAMORI_PORT", "http")
    code, _, err = run("settings")
    assert code == 2 and "setting 'port'" in err


def test_unknown_command_and_option_exit_2() -> None:
    assert run("nonsense")[0] == 2
    assert run("policy", "validate", "--nope")[0] == 2


def test_init_leaves_nothing_when_the_database_cannot_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAMORI_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    code, _, err = run("init", str(tmp_path / "site"), "--example", "meta-all-stars")
    assert code != 0 and "Traceback" not in err
    assert not (tmp_path / "site").exists()


def test_policy_and_config_files_are_readable_but_the_key_file_is_private(project: Path) -> None:
    assert (project / "policy.yaml").stat().st_mode & 0o777 == 0o644
    assert (project / "mamori.toml").stat().st_mode & 0o777 == 0o644
    assert (project / "mamori.key").stat().st_mode & 0o777 == 0o600


def test_the_vault_from_the_command_line(project: Path) -> None:
    assert run("policy", "publish", "--effective", "2022-03-22")[0] == 0
    (project / "people.csv").write_text(
        "name,email,phone\n山田 花子,Hanako@Example.jp,090-1234-5678\n鈴木,bad-email,0312345678\n",
        encoding="utf-8",
    )
    code, out, err = run(
        "subjects", "import", "people.csv", "--purpose", "account_admin", "--as", "officer"
    )
    assert code == 1 and "1 subjects created" in out and "people.csv:3: email: missing_at" in err
    assert "bad-email" not in out + err
    code, out, _ = run("subjects", "find", "--email", "hanako@example.JP", "--json")
    [sid] = json.loads(out)["subjects"]
    code, out, _ = run(
        "use", sid, "--items", "name,email", "--purpose", "inquiries", "--as", "support", "--json"
    )
    assert code == 0 and json.loads(out)["values"] == {
        "name": "山田 花子",
        "email": "hanako@example.jp",
    }
    code, out, _ = run("use", sid, "--items", "birth_date", "--purpose", "sales", "--as", "support")
    assert code == 1 and "denied" in out
    code, out, _ = run("audit", "tail", "--json")
    actions = [e["action"] for e in json.loads(out)]
    assert actions[-3:] == ["collect", "use", "deny"]
    assert run("keys", "rotate")[0] == 0
    assert run("subjects", "erase", sid, "--reason", "req-1", "--as", "officer")[0] == 0
    code, out, _ = run("audit", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = run("audit", "tail", "-n", "2", "--json")
    assert [e["action"] for e in json.loads(out)] == ["key_rotate", "erase"]

"""``mamori keys status`` and ``mamori keys rotate``, driven through the keys sub-app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mamori.cli import keys_cmd
from mamori.clock import FixedClock
from mamori.keys import LocalKeyring


@pytest.fixture
def project(tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> LocalKeyring:
    config = tmp_path / "mamori.toml"
    config.write_text('database_url = "sqlite:///mamori.db"\nkey_file = "mamori.key"\n')
    monkeypatch.setenv("MAMORI_CONFIG", str(config))
    return LocalKeyring.create(tmp_path / "mamori.key", clock)


def run(*args: str) -> str:
    result = CliRunner().invoke(keys_cmd.app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.stdout


def test_status_and_rotate(project: LocalKeyring) -> None:
    old = project.primary_id
    [row] = json.loads(run("status", "--json"))
    assert row["id"] == old and row["primary"] is True and row["data_keys"] == 0
    report = json.loads(run("rotate", "--batch", "10", "--json"))
    assert report["old_ids"] == [old] and report["retired"] == [old]
    assert report["new_id"] == project.primary_id != old
    table = run("status")
    assert "retired" in table
    [old_row] = [line for line in table.splitlines() if old in line]
    [new_row] = [line for line in table.splitlines() if project.primary_id in line]
    assert old_row.split("│")[-2].strip() == "yes" and new_row.split("│")[2].strip() == "yes"
    text = run("rotate")
    assert f"rotated {project.describe()[1].id} → {project.primary_id}" in text

"""``mamori serve`` makes the first officer account and prints its one-time password once;
``--workers N`` runs uvicorn's factory in N processes on PostgreSQL and is refused on
SQLite."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mamori.cli import app
from mamori.core import Mamori
from mamori.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "meta-all-stars" / "policy.yaml"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in (
        "MAMORI_DATABASE_URL", "MAMORI_CONFIG", "MAMORI_KEY_FILE", "MAMORI_KEK", "MAMORI_POLICY",
        "MAMORI_HOST", "MAMORI_PORT",
    ):  # fmt: skip
        monkeypatch.setenv(name, "")  # recorded, so what serve sets is undone after the test
        monkeypatch.delenv(name)
    monkeypatch.setenv("MAMORI_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def serve(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, list[Any]]:
    import uvicorn

    calls: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: calls.append((target, options)))
    result = CliRunner().invoke(app, ["serve", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code, result.stderr + result.stdout, calls


def test_the_first_officer_and_its_password_are_printed_once(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = serve(monkeypatch, "--policy", str(EXAMPLE))
    assert code == 0, out
    found = re.search(r"one-time password \(shown only now[^)]*\): (\S+)", out)
    assert found is not None and "first officer account: officer" in out
    settings = Settings.load(env={"MAMORI_DATABASE_URL": f"sqlite:///{here / 'mamori.db'}"})
    with Mamori.open(settings.model_copy(update={"policy": EXAMPLE})) as core:
        opened = core.staff.login("officer", found.group(1))
        assert opened.must_change_password and opened.principal.is_officer
    again_code, again, _ = serve(monkeypatch, "--policy", str(EXAMPLE))
    assert again_code == 0 and "one-time password" not in again


def test_several_workers_need_postgresql(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, calls = serve(monkeypatch, "--policy", str(EXAMPLE), "--workers", "2")
    assert code == 2 and "PostgreSQL" in out and calls == []
    assert "one-time password" not in out


@pytest.mark.postgres
def test_several_workers_run_the_factory(
    here: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the factory path runs on PostgreSQL")
    monkeypatch.setenv("MAMORI_DATABASE_URL", database_url)
    code, out, calls = serve(
        monkeypatch, "--policy", str(EXAMPLE), "--workers", "3", "--port", "8791"
    )
    assert code == 0, out
    [(target, options)] = calls
    assert target == "mamori.web.app:create_app_from_env"
    assert options["factory"] is True and options["workers"] == 3 and options["port"] == 8791
    assert os.environ["MAMORI_POLICY"] == str(EXAMPLE) and os.environ["MAMORI_PORT"] == "8791"
    from mamori.web.app import create_app_from_env

    built = create_app_from_env()
    try:
        with TestClient(built) as client:
            assert client.get("/console/login").status_code == 200
    finally:
        built.state.mamori_api.core.close()

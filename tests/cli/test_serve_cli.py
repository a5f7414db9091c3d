"""``mamori serve`` on a fresh folder: the README's main command, with nothing set up."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mamori.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "meta-all-stars" / "policy.yaml"


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("MAMORI_DATABASE_URL", "MAMORI_CONFIG", "MAMORI_KEY_FILE", "MAMORI_KEK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MAMORI_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def serve(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, list[Any]]:
    """Run the command with uvicorn replaced by a call that keeps the app it was given."""
    import uvicorn

    apps: list[Any] = []

    def run(application: Any, **options: Any) -> None:
        apps.append((application, options))

    monkeypatch.setattr(uvicorn, "run", run)
    result = CliRunner().invoke(app, ["serve", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code, result.stderr + result.stdout, apps


def test_a_fresh_folder_gets_a_private_key_file_and_the_policy_published(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, apps = serve(monkeypatch, "--policy", str(EXAMPLE), "--port", "8799")
    assert code == 0, out
    key = fresh / "mamori.key"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "mamori.key" in out and "v1 (first version)" in out
    [(application, options)] = apps
    assert options["port"] == 8799
    assert any(getattr(r, "path", None) == "/policy" for r in application.routes)


def test_the_second_start_reuses_the_key_and_the_published_version(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert serve(monkeypatch, "--policy", str(EXAMPLE))[0] == 0
    key = (fresh / "mamori.key").read_bytes()
    code, out, apps = serve(monkeypatch, "--policy", str(EXAMPLE))
    assert code == 0 and len(apps) == 1, out
    assert (fresh / "mamori.key").read_bytes() == key
    assert "key-encryption key created" not in out and "first version" not in out


def test_the_served_app_answers_with_the_policy(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mamori.core import Mamori
    from mamori.settings import Settings
    from mamori.web import create_app

    assert serve(monkeypatch, "--policy", str(EXAMPLE))[0] == 0
    settings = Settings.load(policy=EXAMPLE)
    with Mamori.open(settings) as core, TestClient(create_app(core)) as client:
        page = client.get("/policy")
        assert page.status_code == 200 and "プライバシーポリシー" in page.text
        assert client.get("/openapi.json").status_code == 200


def test_a_broken_policy_file_stops_before_anything_is_served(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = fresh / "policy.yaml"
    bad.write_text("controller: [\n", encoding="utf-8")
    code, out, apps = serve(monkeypatch, "--policy", str(bad))
    assert code == 2 and apps == []
    assert "policy.yaml" in out

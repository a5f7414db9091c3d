"""Settings come from defaults, mamori.toml, MAMORI_* variables and overrides, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamori.errors import ConfigError, SettingMissing
from mamori.settings import Settings


def test_defaults_without_a_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.load(env={})
    assert settings.database_url == "sqlite:///mamori.db"
    assert settings.config_file is None
    assert set(settings.sources.values()) == {"default"}


def test_file_then_env_then_override(tmp_path: Path) -> None:
    toml = tmp_path / "mamori.toml"
    toml.write_text('port = 9000\nhost = "0.0.0.0"\npolicy = "p.yaml"\n', encoding="utf-8")
    settings = Settings.load(toml, env={"MAMORI_PORT": "9100"}, host="127.0.0.2")
    assert settings.port == 9100
    assert settings.sources["port"] == "env MAMORI_PORT"
    assert settings.host == "127.0.0.2"
    assert settings.sources["host"] == "override"
    assert settings.policy == tmp_path / "p.yaml"
    assert settings.sources["policy"] == f"{toml}:3"


def test_config_path_from_environment(tmp_path: Path) -> None:
    toml = tmp_path / "other.toml"
    toml.write_text('database_url = "sqlite:///data/m.db"\n', encoding="utf-8")
    settings = Settings.load(env={"MAMORI_CONFIG": str(toml)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'm.db'}"


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load(tmp_path / "missing.toml", env={})


def test_unknown_setting_names_file_line_and_suggestion(tmp_path: Path) -> None:
    toml = tmp_path / "mamori.toml"
    toml.write_text('port = 1\ndatabse_url = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Settings.load(toml, env={})
    assert str(caught.value) == (
        f"{toml}:2 unknown setting 'databse_url' (did you mean 'database_url'?)"
    )


def test_bad_value_names_the_setting_and_its_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.load(None, env={"MAMORI_PORT": "eighty"})
    assert "setting 'port' from env MAMORI_PORT" in str(caught.value)
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        Settings.load(env={"MAMORI_TIMEZONE": "Mars/Olympus"})


def test_malformed_toml(tmp_path: Path) -> None:
    toml = tmp_path / "mamori.toml"
    toml.write_text("port = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="malformed TOML"):
        Settings.load(toml, env={})


def test_a_missing_required_setting_names_itself() -> None:
    with pytest.raises(SettingMissing) as caught:
        Settings.load(env={"MAMORI_DATABASE_URL": ""})
    assert "setting 'database_url' is required" in str(caught.value)
    assert "MAMORI_DATABASE_URL" in str(caught.value)
    assert caught.value.code == "setting_missing"


def test_secrets_are_masked_when_listed() -> None:
    url = "postgresql+psycopg://app:s3cret-pw@db.internal:5432/mamori"
    settings = Settings.load(env={"MAMORI_DATABASE_URL": url})
    [view] = [v for v in settings.describe() if v.name == "database_url"]
    assert "s3cret-pw" not in str(view.value)
    assert view.value == "postgresql+psycopg://app:***@db.internal:5432/mamori"
    assert view.secret


def test_every_setting_has_help_and_a_default() -> None:
    for name, info in Settings.model_fields.items():
        assert info.description, name
        assert info.default is not None, name

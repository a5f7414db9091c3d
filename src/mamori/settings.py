"""Settings: each declared once, with its default and help, read from ``mamori.toml`` and
``MAMORI_*`` environment variables.

Precedence, highest first: explicit overrides (CLI flags), environment, the config file,
the default. :attr:`Settings.sources` records where each value came from, which is what
``mamori settings`` shows. Relative paths in the config file (the policy file, a SQLite
database) are taken relative to the file's own folder.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from mamori.errors import ConfigError, SettingMissing

__all__ = ["ENV_PREFIX", "SettingView", "Settings"]

ENV_PREFIX = "MAMORI_"
DEFAULT_CONFIG = "mamori.toml"


def _secret(**extra: Any) -> dict[str, Any]:
    return {"secret": True, **extra}


class Settings(BaseModel):
    """Every setting mamori reads. The field's description is its help text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str = Field(
        "sqlite:///mamori.db",
        description="SQLAlchemy URL of the store: sqlite:///FILE or "
        "postgresql+psycopg://USER@HOST:PORT/DB",
        json_schema_extra=_secret(required=True),
    )
    policy: Path = Field(
        Path("policy.yaml"),
        description="The policy file (YAML) this service runs under",
        json_schema_extra={"required": True},
    )
    policy_max_bytes: int = Field(
        1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="Largest policy file accepted"
    )
    host: str = Field("127.0.0.1", description="Address `mamori serve` listens on")
    port: int = Field(8000, ge=1, le=65535, description="Port `mamori serve` listens on")
    default_lang: Literal["ja", "en"] = Field("ja", description="Language of pages and notices")
    timezone: str = Field(
        "Asia/Tokyo", description="Time zone of dates: effective dates, deadlines, reports"
    )
    auto_migrate: bool = Field(
        True, description="Bring the database schema up to date when mamori opens it"
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Least severe log level written"
    )
    api_body_limit: int = Field(
        1024 * 1024,
        ge=1024,
        le=256 * 1024 * 1024,
        description="Largest request body the HTTP API accepts, in bytes (413 beyond it)",
    )
    api_rate_per_minute: int = Field(
        10,
        ge=1,
        le=100_000,
        description="Public endpoints (requests, codes, forms): requests a minute per client "
        "address and endpoint group (429 beyond it)",
    )
    api_rate_burst: int = Field(
        5,
        ge=1,
        le=100_000,
        description="Public endpoints: requests allowed at once before the per-minute rate applies",
    )
    person_session_minutes: int = Field(
        30,
        ge=1,
        le=24 * 60,
        description="A person's session on the privacy center (after a verified code) ends "
        "after this many minutes",
    )

    key_provider: Literal["auto", "file", "env", "vault"] = Field(
        "auto",
        description="Where the key-encryption key comes from: file (key_file), env (kek), "
        "vault (HashiCorp Vault transit); auto picks env if kek is set, else vault if "
        "vault_addr is set, else file",
    )
    key_file: Path = Field(
        Path("mamori.key"),
        description="Local keyring file holding the key-encryption keys (mode 0600)",
    )
    kek: str = Field(
        "",
        description="Key-encryption key as base64 of 32 bytes (use MAMORI_KEK, not a file)",
        json_schema_extra=_secret(),
    )
    vault_addr: str = Field("", description="HashiCorp Vault address for the transit provider")
    vault_token: str = Field(
        "",
        description="HashiCorp Vault token for the transit provider",
        json_schema_extra=_secret(),
    )
    vault_mount: str = Field("transit", description="Mount point of Vault's transit engine")
    vault_key: str = Field("mamori", description="Name of the transit key in Vault")
    key_rotation_days: int = Field(
        365,
        ge=1,
        le=3650,
        description="Days a key-encryption key serves before the self-inspection report "
        "shows its rotation as due",
    )

    dataset_urls: dict[str, str] = Field(
        default_factory=dict,
        description="SQLAlchemy URL of each dataset of the data map, by dataset id (a table "
        "in mamori.toml, JSON in the environment); MAMORI_DATASET_<ID>_URL also works",
        json_schema_extra=_secret(),
    )
    job_backend: Literal["inprocess", "celery"] = Field(
        "inprocess",
        description="Who runs jobs (request fulfilment): inprocess (a thread of mamori serve) "
        "or celery (mamori worker processes, Redis as broker)",
    )
    broker_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="Celery broker URL for job_backend = celery",
        json_schema_extra=_secret(),
    )
    retention_daily: str = Field(
        "03:00",
        pattern=r"^(off|([01][0-9]|2[0-3]):[0-5][0-9])$",
        description="When the worker of mamori serve runs retention each day (HH:MM in "
        "timezone), or off",
    )
    honour_gpc: bool = Field(
        False,
        description="Treat a Global Privacy Control signal (Sec-GPC: 1) from a known person "
        "as withdrawal of consent to marketing purposes and third parties",
    )
    incident_preliminary_days: int = Field(
        3,
        ge=3,
        le=5,
        description="Days (the day an incident was learned of is day 1) by which the "
        "preliminary report to the PPC is due (速報: about 3-5 days)",
    )
    alert_deny_count: int = Field(
        5,
        ge=2,
        le=10_000,
        description="Denied accesses by one actor that raise an alert "
        "when they fall within alert_deny_minutes",
    )
    alert_deny_minutes: int = Field(
        10, ge=1, le=24 * 60, description="Window of the repeated-denies alert, in minutes"
    )
    alert_read_floor: int = Field(
        50,
        ge=1,
        le=10_000_000,
        description="Distinct subjects one actor may read in a day "
        "before the read-volume alert can fire, whatever their usual rate",
    )
    alert_read_factor: int = Field(
        5,
        ge=2,
        le=1000,
        description="Read-volume alert: today's distinct subjects above "
        "this many times the actor's median daily count (and above alert_read_floor)",
    )
    alert_read_baseline_days: int = Field(
        30,
        ge=7,
        le=365,
        description="Days before today whose median is the actor's usual "
        "daily count of distinct subjects read",
    )
    inquiry_reply_days: int = Field(
        14,
        ge=1,
        le=90,
        description="Days after receipt by which an inquiry or complaint should have its "
        "first reply (its due date; later it is overdue)",
    )
    notify_backend: Literal["file", "smtp"] = Field(
        "file", description="How messages to persons go out: file (an outbox folder) or smtp"
    )
    outbox_dir: Path = Field(
        Path("outbox"), description="Folder of the file outbox: one .eml file per message"
    )
    mail_from: str = Field(
        "privacy@example.invalid", description="Sender address of messages to persons"
    )
    smtp_host: str = Field("", description="SMTP server for notify_backend = smtp")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP server port")
    smtp_username: str = Field("", description="SMTP user name (empty: no login)")
    smtp_password: str = Field("", description="SMTP password", json_schema_extra=_secret())
    smtp_starttls: bool = Field(True, description="Require STARTTLS on the SMTP connection")
    staff_session_minutes: int = Field(
        30, ge=1, le=24 * 60, description="A staff console session ends after these idle minutes"
    )
    staff_session_hours: int = Field(
        12, ge=1, le=7 * 24, description="A staff console session ends this many hours after login"
    )
    staff_lockout_attempts: int = Field(
        5, ge=1, le=100, description="Failed logins in a row that lock a staff account"
    )
    staff_lockout_minutes: int = Field(
        15, ge=1, le=7 * 24 * 60, description="How long a locked staff account stays locked"
    )

    _sources: dict[str, str] = PrivateAttr(default_factory=dict)
    _config_file: Path | None = PrivateAttr(default=None)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. Asia/Tokyo)") from None
        return value

    @field_validator("dataset_urls", mode="before")
    @classmethod
    def _urls_from_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else {}
            except ValueError:
                raise ValueError('not JSON: use {"dataset_id": "postgresql://..."}') from None
        return value

    @field_validator("database_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL (e.g. sqlite:///mamori.db)") from None
        return value

    @property
    def sources(self) -> Mapping[str, str]:
        """Where each setting's value came from: default, a file, an env var, an override."""
        return dict(self._sources)

    @property
    def config_file(self) -> Path | None:
        return self._config_file

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def load(
        cls,
        config: str | Path | None = None,
        *,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Read settings. ``config`` (or ``MAMORI_CONFIG``) names the file; without either,
        ``./mamori.toml`` is read if it exists."""
        env = os.environ if env is None else env
        explicit = config if config is not None else env.get(f"{ENV_PREFIX}CONFIG") or None
        path = Path(explicit) if explicit else Path(DEFAULT_CONFIG)
        values: dict[str, Any] = {}
        sources: dict[str, str] = {name: "default" for name in cls.model_fields}
        config_file: Path | None = None
        if path.exists() or explicit:
            config_file = path
            section, text = _read_toml(path, set(cls.model_fields))
            for name, value in section.items():
                values[name] = _relative(name, value, path.parent)
                sources[name] = f"{path}:{_line_of(text, name)}"
        for name in cls.model_fields:
            var = f"{ENV_PREFIX}{name.upper()}"
            if var in env:
                values[name] = env[var]
                sources[name] = f"env {var}"
        for name, value in overrides.items():
            if value is not None:
                values[name] = value
                sources[name] = "override"
        try:
            settings = cls(**values)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            name = str(err["loc"][0]) if err["loc"] else "?"
            raise ConfigError(
                f"setting '{name}' from {sources.get(name, 'default')}: {err['msg']}"
            ) from None
        for name, info in cls.model_fields.items():
            extra = info.json_schema_extra
            required = isinstance(extra, dict) and extra.get("required")
            if required and str(getattr(settings, name)).strip() in ("", "."):
                raise SettingMissing(
                    f"setting '{name}' is required: set {ENV_PREFIX}{name.upper()} or "
                    f"'{name}' in {DEFAULT_CONFIG}"
                )
        settings._sources = sources
        settings._config_file = config_file
        return settings

    def describe(self) -> list[SettingView]:
        """Every setting with its value (secrets masked), source and help."""
        out = []
        for name, info in type(self).model_fields.items():
            extra = info.json_schema_extra
            secret = isinstance(extra, dict) and bool(extra.get("secret"))
            value = getattr(self, name)
            shown = _mask(name, str(value)) if secret else value
            out.append(
                SettingView(
                    name=name,
                    env=f"{ENV_PREFIX}{name.upper()}",
                    value=str(shown) if isinstance(shown, Path) else shown,
                    default=_plain(info.default),
                    source=self._sources.get(name, "default"),
                    help=info.description or "",
                    secret=secret,
                )
            )
        return out


class SettingView(BaseModel):
    name: str
    env: str
    value: Any
    default: Any
    source: str
    help: str
    secret: bool


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value


def _mask(name: str, value: str) -> str:
    if name == "database_url":
        try:
            url = make_url(value)
        except ArgumentError:
            return "****"
        return url.render_as_string(hide_password=True)
    return "****" if value else ""


def _read_toml(path: Path, known: set[str]) -> tuple[dict[str, Any], str]:
    """The settings in the file and the file's text (for line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    section = data.get("mamori", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [mamori] must be a table")
    for key in section:
        if key not in known:
            match = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean '{match[0]}'?)" if match else ""
            raise ConfigError(f"{path}:{_line_of(text, key)} unknown setting '{key}'{hint}")
    return dict(section), text


def _line_of(text: str, key: str) -> int | str:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return "?"


def _relative(name: str, value: Any, base: Path) -> Any:
    """Paths in a config file are relative to that file's folder."""
    if (
        name in ("policy", "key_file", "outbox_dir")
        and isinstance(value, str)
        and not Path(value).is_absolute()
    ):
        return str(base / value)
    if name == "database_url" and isinstance(value, str) and value.startswith("sqlite:///"):
        db = value.removeprefix("sqlite:///")
        if db and not db.startswith("/") and not db.startswith(":memory:"):
            return "sqlite:///" + str(base / db)
    return value

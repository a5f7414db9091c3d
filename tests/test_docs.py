"""Everything a user can set or call is documented."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel

from mamori.cli import app
from mamori.policy.model import Policy
from mamori.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                _models(tp, seen)
            stack.extend(typing.get_args(tp))
    return seen


def test_every_policy_field_is_in_the_format_doc() -> None:
    doc = (ROOT / "docs" / "policy-format.md").read_text(encoding="utf-8")
    missing = sorted(
        f"{model.__name__}.{field.alias or name}"
        for model in _models(Policy, set())
        for name, field in model.model_fields.items()
        if f"`{field.alias or name}`" not in doc
    )
    assert not missing, missing


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`{name}`" not in readme]
    assert not missing, missing


def _commands(group: Any, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            names += _commands(command, f"{prefix}{name} ")
        else:
            names.append(f"{prefix}{name}")
    return names


def test_every_command_is_in_the_readme_tour() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _commands(typer.main.get_command(app))
    assert "policy validate" in commands and "serve" in commands
    missing = [c for c in commands if not re.search(rf"mamori {re.escape(c)}\b", readme)]
    assert not missing, missing

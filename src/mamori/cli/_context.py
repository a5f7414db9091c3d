"""What every command needs: the settings from ``--config``, and the core built from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from mamori.core import Mamori
from mamori.settings import Settings

__all__ = ["State", "state"]


@dataclass
class State:
    config: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.load(self.config, **self.overrides)
        return self._settings

    def open(self) -> Mamori:
        return Mamori.open(self.settings())


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj

"""mamori (守り): a privacy policy under Japan's APPI, as running software."""

from mamori.core import Mamori
from mamori.errors import (
    ConfigError,
    Conflict,
    MamoriError,
    NotFound,
    PolicyError,
    SettingMissing,
    StoreError,
)
from mamori.settings import Settings

__all__ = [
    "ConfigError",
    "Conflict",
    "Mamori",
    "MamoriError",
    "NotFound",
    "PolicyError",
    "SettingMissing",
    "Settings",
    "StoreError",
]

__version__ = "0.1.0"

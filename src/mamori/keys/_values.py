"""What the keyring hands back: frozen values with no key material."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

__all__ = ["KeyStatus", "RotationReport", "WrappedDataKey"]


@dataclass(frozen=True)
class WrappedDataKey:
    """A data key as stored in its subject's row: its id, the KEK that wraps it, the blob."""

    key_id: bytes
    kek_id: str
    wrapped: bytes


@dataclass(frozen=True)
class RotationReport:
    """What a rotation did. ``resumed``: it finished an earlier, unfinished rotation
    instead of making a new KEK. ``remaining``: keys still under an old KEK (then nothing
    was retired; run the rotation again)."""

    old_ids: tuple[str, ...]
    new_id: str
    rewrapped: int
    seconds: float
    resumed: bool = False
    retired: tuple[str, ...] = ()
    remaining: int = 0

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["old_ids"], data["retired"] = list(self.old_ids), list(self.retired)
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass(frozen=True)
class KeyStatus:
    """One key-encryption key and how many keys it wraps. ``missing``: rows name it but
    the provider does not hold it (those keys cannot be opened)."""

    id: str
    created: dt.datetime | None
    age_days: int | None
    primary: bool
    retired: bool
    data_keys: int
    service_keys: int
    missing: bool = False

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["created"] = self.created.isoformat() if self.created else None
        return data

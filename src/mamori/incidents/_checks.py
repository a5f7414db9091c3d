"""Checks of what the officer gives: each problem named by its field, nothing raised here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from mamori.errors import ConfigError
from mamori.incidents.model import NARRATIVE_FIELDS
from mamori.policy.model import Normaliser, Policy

__all__ = ["check_enum", "check_items", "check_texts", "check_time", "email_item"]

_TEXT_MAX = 4000


def check_time(
    problems: dict[str, str], name: str, moment: dt.datetime | None, now: dt.datetime
) -> None:
    if not isinstance(moment, dt.datetime):
        problems[name] = "not_a_time"
    elif moment.tzinfo is None:
        problems[name] = "timezone_missing"
    elif moment > now:
        problems[name] = "in_the_future"


def check_enum(problems: dict[str, str], name: str, kind: Any, value: object) -> Any:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(m.value for m in kind)
        problems[name] = f"unknown: {value} (use {known})"
        return None


def check_items(
    problems: dict[str, str],
    name: str,
    policy: Policy,
    items: Sequence[str],
    *,
    required: bool,
) -> tuple[str, ...]:
    listed = tuple(dict.fromkeys(i.strip() for i in items if i.strip()))
    if required and not listed:
        problems[name] = "at_least_one_item"
    unknown = [i for i in listed if i not in policy.items]
    if unknown:
        problems[name] = f"item_unknown: {', '.join(unknown)}"
    return listed


def check_texts(problems: dict[str, str], texts: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in texts.items():
        if key not in NARRATIVE_FIELDS:
            problems[key] = f"unknown_text (use {', '.join(NARRATIVE_FIELDS)})"
        elif not isinstance(value, str):
            problems[key] = "not_text"
        elif len(value) > _TEXT_MAX:
            problems[key] = "too_long"
        elif value.strip():
            out[key] = value.strip()
    return out


def email_item(policy: Policy) -> str:
    """The item notices go to: the notice purpose's email item, else the first one."""
    purpose = policy.purposes.get(policy.notice_purpose or "")
    candidates = list(purpose.items) if purpose is not None else []
    candidates += list(policy.items)
    for item in candidates:
        if policy.items[item].normaliser is Normaliser.email:
            return item
    raise ConfigError("the policy declares no email item: notices cannot be sent by email")

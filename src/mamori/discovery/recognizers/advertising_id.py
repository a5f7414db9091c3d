"""Advertising identifiers (IDFA, AAID/GAID): UUIDs near context naming them."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer

__all__ = ["ADVERTISING_ID", "UUID"]

UUID = (
    r"(?<![0-9\-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
    r"-[0-9a-fA-F]{12}(?![0-9A-Za-z\-])"
)


def _not_zero(value: str) -> bool:
    # a zeroed IDFA (tracking limited) identifies nobody
    return value.strip("0-") != ""


ADVERTISING_ID = PatternRecognizer(
    name="advertising_id",
    entity="advertising_id",
    patterns=(Pattern("uuid", UUID, 0.6),),
    context=(
        "idfa",
        "aaid",
        "gaid",
        "adid",
        "ad id",
        "ad_id",
        "広告id",
        "広告識別子",
        "advertising",
        "maid",
        "idfv",
        "広告",
    ),
    validator=_not_zero,
    requires_context=True,
    before=32,
)

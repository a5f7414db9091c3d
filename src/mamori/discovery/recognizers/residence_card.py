"""Residence card numbers (在留カード番号): two letters, eight digits, two letters."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer
from mamori.discovery.recognizers._common import NO_ALNUM_AFTER

__all__ = ["RESIDENCE_CARD"]

RESIDENCE_CARD = PatternRecognizer(
    name="residence_card",
    entity="residence_card",
    trigger="[0-9]",
    patterns=(
        Pattern("card", "[A-Z](?<![0-9A-Za-z].)[A-Z][0-9]{8}[A-Z]{2}" + NO_ALNUM_AFTER, 0.7),
    ),
    context=(
        "在留カード",
        "在留",
        "residence card",
        "residence",
        "zairyu",
        "特別永住者証明書",
        "特別永住",
    ),
    negative_context=("注文", "品番", "型番", "order", "sku", "serial", "シリアル"),
    before=30,
)

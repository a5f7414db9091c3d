"""Japanese passport numbers (旅券番号): two letters and seven digits, near context."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer
from mamori.discovery.recognizers._common import NO_ALNUM_AFTER, NO_ALNUM_BEFORE

__all__ = ["PASSPORT"]

PASSPORT = PatternRecognizer(
    name="passport",
    entity="passport",
    trigger="[0-9]",
    patterns=(Pattern("jp", NO_ALNUM_BEFORE + "[A-Z]{2}[0-9]{7}" + NO_ALNUM_AFTER, 0.6),),
    context=("旅券", "パスポート", "passport"),
    requires_context=True,
    before=30,
)

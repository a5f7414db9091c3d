"""Basic pension numbers (基礎年金番号): ten digits written 4-6, near context."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer
from mamori.discovery.recognizers._common import (
    DASH,
    NO_DIGIT_AFTER,
    NO_DIGIT_OR_GROUP_BEFORE,
)

__all__ = ["BASIC_PENSION_NUMBER"]

BASIC_PENSION_NUMBER = PatternRecognizer(
    name="basic_pension_number",
    entity="basic_pension_number",
    trigger="[0-9]",
    patterns=(
        Pattern(
            "number",
            NO_DIGIT_OR_GROUP_BEFORE + rf"[0-9]{{4}}(?:{DASH}| )?[0-9]{{6}}" + NO_DIGIT_AFTER,
            0.6,
        ),
    ),
    context=("基礎年金番号", "基礎年金", "年金番号", "年金手帳", "pension"),
    requires_context=True,
    before=30,
)

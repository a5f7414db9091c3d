"""Japanese postal codes: ``〒123-4567``, ``123-4567``; seven plain digits only with context."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer
from mamori.discovery.recognizers._common import DASH, NO_DIGIT_AFTER, lead

__all__ = ["POSTAL_CODE"]

POSTAL_CODE = PatternRecognizer(
    name="postal_code",
    entity="postal_code",
    trigger="[0-9]",
    patterns=(
        Pattern("mark", rf"〒 ?(?P<v>[0-9]{{3}}{DASH}?[0-9]{{4}})" + NO_DIGIT_AFTER, 1.0),
        Pattern(
            "dashed",
            lead("[0-9]", rf"[0-9]{{2}}{DASH}[0-9]{{4}}") + NO_DIGIT_AFTER,
            0.5,
        ),
        Pattern("plain", lead("[0-9]", "[0-9]{6}") + NO_DIGIT_AFTER, 0.5, needs_context=True),
    ),
    context=("郵便番号", "〒", "zip", "postal", "postcode", "郵便", "住所", "address", "所在地"),
    negative_context=(
        "電話",
        "tel",
        "fax",
        "注文",
        "伝票",
        "品番",
        "型番",
        "order",
        "sku",
        "invoice",
        "口座",
        "会員",
        "番号:",
        "no.",
    ),
)

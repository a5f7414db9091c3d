"""Health insurer numbers (保険者番号): 8 digits (6 for National Health Insurance) whose last
digit is a check digit, reported near context."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer
from mamori.discovery.recognizers._common import NO_DIGIT_AFTER, NO_DIGIT_OR_GROUP_BEFORE, digits

__all__ = ["HEALTH_INSURER_NUMBER", "insurer_check_digit", "validate_insurer_number"]


def insurer_check_digit(base: str) -> int:
    """Check digit over the base digits: weights 2, 1, 2, ... from the right; the digits of
    each product are summed; (10 - sum mod 10) mod 10."""
    if not base.isdigit() or not base:
        raise ValueError("the base of an insurer number is digits")
    total = 0
    for i, ch in enumerate(reversed(base)):
        p = int(ch) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    return (10 - total % 10) % 10


def validate_insurer_number(value: str) -> bool:
    d = digits(value)
    if len(d) == 8:
        pref = int(d[2:4])
    elif len(d) == 6:
        pref = int(d[0:2])
    else:
        return False
    if not 1 <= pref <= 47:
        return False
    return insurer_check_digit(d[:-1]) == int(d[-1])


HEALTH_INSURER_NUMBER = PatternRecognizer(
    name="health_insurer_number",
    entity="health_insurer_number",
    trigger="[0-9]",
    patterns=(
        Pattern("number", NO_DIGIT_OR_GROUP_BEFORE + "(?:[0-9]{8}|[0-9]{6})" + NO_DIGIT_AFTER, 0.6),
    ),
    context=("保険者番号", "保険者", "insurer", "健康保険", "保険証"),
    validator=validate_insurer_number,
    requires_context=True,
    valid_score=0.9,
    before=30,
)

"""My Number (個人番号): 12 digits, often 4-4-4, the last a check digit."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer
from mamori.discovery.recognizers._common import (
    NO_DIGIT_AFTER,
    SEP,
    digits,
    lead,
)

__all__ = ["MY_NUMBER", "my_number_check_digit", "validate_my_number"]


def my_number_check_digit(base: str) -> int:
    """The check digit of the 11 base digits (P_n: n-th digit from the right;
    Q_n = n + 1 for n <= 6, n - 5 for 7 <= n <= 11; r = sum(P_n * Q_n) mod 11;
    0 if r <= 1 else 11 - r)."""
    if len(base) != 11 or not base.isdigit():
        raise ValueError("the base of a My Number is 11 digits")
    total = 0
    for n, ch in enumerate(reversed(base), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(ch) * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def validate_my_number(value: str) -> bool:
    d = digits(value)
    if len(d) != 12:
        return False
    return my_number_check_digit(d[:11]) == int(d[11])


MY_NUMBER = PatternRecognizer(
    name="my_number",
    entity="my_number",
    trigger="[0-9]",
    patterns=(
        Pattern(
            "grouped_or_plain",
            lead("[0-9]", f"[0-9]{{3}}{SEP}[0-9]{{4}}{SEP}[0-9]{{4}}") + NO_DIGIT_AFTER,
            0.6,
        ),
    ),
    context=("マイナンバー", "個人番号", "my number", "mynumber", "my_number", "個人番号カード"),
    negative_context=(
        "注文",
        "伝票",
        "商品",
        "口座",
        "会員",
        "電話",
        "tel",
        "免許",
        "order",
        "invoice",
        "sku",
        "account",
        "tracking",
        "追跡",
        "問い合わせ番号",
        "お問合せ番号",
        "受付番号",
    ),
    validator=validate_my_number,
    valid_score=0.6,
)

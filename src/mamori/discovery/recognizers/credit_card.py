"""Payment card numbers: 13-19 digits (grouped 4-4-4-4, 4-6-5, 4-6-4 or plain) that pass the
Luhn check and carry a major brand's prefix and length."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer
from mamori.discovery.recognizers._common import (
    NO_DIGIT_AFTER,
    SEP,
    digits,
    lead,
)

__all__ = ["CREDIT_CARD", "brand", "luhn_ok", "validate_credit_card"]


def luhn_ok(number: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def brand(number: str) -> str | None:
    """The card brand whose prefix and length ``number`` has, or None."""
    n = len(number)
    p2, p3, p4 = int(number[:2]), int(number[:3]), int(number[:4])
    if number[0] == "4" and n in (13, 16, 19):
        return "visa"
    if (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16:
        return "mastercard"
    if p2 in (34, 37) and n == 15:
        return "amex"
    if 3528 <= p4 <= 3589 and 16 <= n <= 19:
        return "jcb"
    if (300 <= p3 <= 305 or p2 in (36, 38, 39)) and 14 <= n <= 19:
        return "diners"
    if (p4 == 6011 or p2 == 65 or 644 <= p3 <= 649) and 16 <= n <= 19:
        return "discover"
    if p2 == 62 and 16 <= n <= 19:
        return "unionpay"
    return None


def validate_credit_card(value: str) -> bool:
    d = digits(value)
    return 13 <= len(d) <= 19 and brand(d) is not None and luhn_ok(d)


CREDIT_CARD = PatternRecognizer(
    name="credit_card",
    entity="credit_card",
    trigger="[0-9]",
    patterns=(
        Pattern(
            "grouped",
            lead("(?=[2-6])[0-9]", "")
            + rf"(?:[0-9]{{3}}{SEP}[0-9]{{4}}{SEP}[0-9]{{4}}{SEP}[0-9]{{4}}(?:{SEP}[0-9]{{3}})?"
            + rf"|[0-9]{{3}}{SEP}[0-9]{{6}}{SEP}[0-9]{{4,5}}"
            + r"|[0-9]{12,18})"
            + NO_DIGIT_AFTER,
            0.5,
        ),
    ),
    context=(
        "カード",
        "card",
        "クレジット",
        "credit",
        "visa",
        "mastercard",
        "master",
        "jcb",
        "amex",
        "american express",
        "diners",
        "決済",
        "支払",
        "お支払い",
        "payment",
    ),
    negative_context=("注文", "伝票", "order", "tracking", "追跡", "invoice", "口座"),
    validator=validate_credit_card,
    valid_score=0.85,
)

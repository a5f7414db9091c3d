"""Driver's licence numbers (運転免許証番号): 12 digits, the first two a public safety
commission code (10-97), reported only near context such as 免許."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer
from mamori.discovery.recognizers._common import (
    NO_DIGIT_AFTER,
    NO_DIGIT_OR_GROUP_BEFORE,
    SEP,
    digits,
)

__all__ = ["DRIVERS_LICENSE", "validate_drivers_license"]


def validate_drivers_license(value: str) -> bool | None:
    d = digits(value)
    if len(d) != 12 or not 10 <= int(d[:2]) <= 97:
        return False
    return None  # the check digit's method is not published: no opinion beyond the shape


DRIVERS_LICENSE = PatternRecognizer(
    name="drivers_license",
    entity="drivers_license",
    trigger="[0-9]",
    patterns=(
        Pattern(
            "number",
            NO_DIGIT_OR_GROUP_BEFORE
            + rf"(?:[0-9]{{12}}|[0-9]{{4}}{SEP}[0-9]{{4}}{SEP}[0-9]{{4}})"
            + NO_DIGIT_AFTER,
            0.6,
        ),
    ),
    context=("免許", "運転免許", "license", "licence", "driver"),
    validator=validate_drivers_license,
    requires_context=True,
    before=30,
)

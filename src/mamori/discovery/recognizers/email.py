"""Email addresses (ASCII local part and domain; glued Japanese text does not stick)."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer

__all__ = ["EMAIL", "validate_email"]


def validate_email(value: str) -> bool:
    local, _, domain = value.rpartition("@")
    if not local or local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or any(not label or label.startswith("-") for label in labels):
        return False
    return labels[-1].isalpha() and len(labels[-1]) >= 2


EMAIL = PatternRecognizer(
    name="email",
    entity="email",
    trigger="@",
    patterns=(
        Pattern(
            "address",
            r"[A-Za-z0-9._%+\-](?<![A-Za-z0-9._%+\-].)[A-Za-z0-9._%+\-]{0,63}@"
            r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])",
            0.9,
        ),
    ),
    context=("メール", "mail", "e-mail", "email", "連絡先", "アドレス"),
    validator=validate_email,
    context_boost=0.1,
)

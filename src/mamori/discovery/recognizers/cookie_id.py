"""Cookie and session identifiers: tokens near context naming a cookie or a session
(``_ga=GA1.2.12345.67890``, ``sessionid: 3f9c…``, a UUID after クッキー)."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer
from mamori.discovery.recognizers.advertising_id import UUID

__all__ = ["COOKIE_ID"]


def _looks_random(value: str) -> bool | None:
    """Identifiers mix letters and digits; a word or a plain number is not one."""
    if value.startswith("GA") and value.count(".") == 3:
        return True
    if len(value) == 36 and value.count("-") == 4:
        return None
    if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
        return None
    return False


COOKIE_ID = PatternRecognizer(
    name="cookie_id",
    entity="cookie_id",
    patterns=(
        Pattern("uuid", UUID, 0.6),
        Pattern("ga", r"(?<![A-Za-z0-9])GA[0-9]\.[0-9]\.[0-9]{5,12}\.[0-9]{8,12}(?![0-9])", 0.7),
        Pattern(
            "token",
            r"(?<![A-Za-z0-9_\-.%])(?![0-9a-fA-F]{8}-)[A-Za-z0-9][A-Za-z0-9_\-.%]{15,127}"
            r"(?![A-Za-z0-9_\-.%])",
            0.55,
        ),
    ),
    context=(
        "cookie",
        "クッキー",
        "session",
        "セッション",
        "sessionid",
        "sid=",
        "sid:",
        "_ga",
        "visitor",
        "訪問者",
        "client_id",
        "clientid",
        "phpsessid",
        "jsessionid",
        "_gid",
        "uid=",
    ),
    validator=_looks_random,
    requires_context=True,
    before=32,
)

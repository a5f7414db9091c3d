"""Japanese phone numbers: mobile and IP (070/080/090/050/060/020), landlines with area
codes, toll-free 0120/0800, navi-dial 0570, and +81 forms without the leading 0."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer
from mamori.discovery.recognizers._common import (
    DASH,
    NO_DIGIT_AFTER,
    digits,
    lead,
)

__all__ = ["JP_PHONE", "validate_jp_phone"]

_S = f"(?:{DASH}| )"  # a separator inside a written number
_LANDLINE = (
    # (0)X-XXXX-XXXX, XX-XXX-XXXX, XXX-XX-XXXX, XXXX-X-XXXX, or 3(1234)5678: the leading 0
    # is matched before this
    rf"[1-9]{_S}[0-9]{{4}}{_S}[0-9]{{4}}"
    rf"|[1-9][0-9]{_S}[0-9]{{3}}{_S}[0-9]{{4}}"
    rf"|[1-9][0-9]{{2}}{_S}[0-9]{{2}}{_S}[0-9]{{4}}"
    rf"|[1-9][0-9]{{3}}{_S}[0-9]{_S}[0-9]{{4}}"
    r"|[1-9][0-9]{0,3}\([0-9]{1,4}\)[0-9]{4}"
)
_INTL = rf"\+81{_S}?(?:\(0\))?[1-9][0-9]{{0,3}}{_S}?[0-9]{{1,4}}{_S}?[0-9]{{4}}"


def validate_jp_phone(value: str) -> bool:
    d = digits(value)
    if value.startswith("+81"):
        d = "0" + d[2:]
        if d.startswith("00"):  # +81 (0)3 ...
            d = d[1:]
    if len(d) == 11:
        return d[:3] in ("070", "080", "090", "050", "060", "020") or d.startswith("0800")
    if len(d) == 10:
        if d[:3] in ("070", "080", "090", "050", "060", "020") and not d.startswith("0800"):
            return False
        return d[1] != "0"
    return False


JP_PHONE = PatternRecognizer(
    name="jp_phone",
    entity="jp_phone",
    trigger="[0-9]",
    patterns=(
        Pattern(
            "mobile",
            lead("0", rf"[2-9]0{_S}?[0-9]{{4}}{_S}?[0-9]{{4}}") + NO_DIGIT_AFTER,
            0.7,
        ),
        Pattern(
            "toll_free",
            lead(
                "0",
                rf"(?:(?:120|570){_S}?[0-9]{{3}}{_S}?[0-9]{{3}}|800{_S}?[0-9]{{3}}{_S}?[0-9]{{4}})",
            )
            + NO_DIGIT_AFTER,
            0.7,
        ),
        Pattern("landline", lead("0", f"(?:{_LANDLINE})") + NO_DIGIT_AFTER, 0.6),
        Pattern(
            "landline_parenthesised",
            r"\((?<![0-9A-Za-z]\()0[1-9][0-9]{0,3}\) ?[0-9]{1,4}[-ー][0-9]{4}" + NO_DIGIT_AFTER,
            0.6,
        ),
        Pattern("landline_plain", lead("0", "[1-9][0-9]{8}") + NO_DIGIT_AFTER, 0.4),
        Pattern("international", r"\+(?<![0-9+]\+)" + _INTL[2:] + NO_DIGIT_AFTER, 0.7),
    ),
    context=(
        "電話",
        "tel",
        "携帯",
        "phone",
        "連絡先",
        "fax",
        "ファックス",
        "ファクス",
        "☎",
        "でんわ",
        "mobile",
        "call",
        "コール",
        "問い合わせ",
        "問合せ",
    ),
    negative_context=("注文", "伝票", "order", "invoice", "sku", "口座", "account", "型番"),
    validator=validate_jp_phone,
)

"""Dates of birth: Western (1985年1月2日, 1985/01/02, 1985-01-02, 02/01/1985) and era forms
(昭和60年1月2日, 平成元年, 令和, S60.1.2, kanji numerals), reported only near context such as
生年月日, 誕生日 or birth (a date alone is not a birth date)."""

from __future__ import annotations

import datetime as dt
import re

from mamori.discovery.recognizer import Pattern, PatternRecognizer

__all__ = ["DATE_OF_BIRTH", "parse_birth_date"]

ERAS = {
    "明治": (1868, 45),
    "大正": (1912, 15),
    "昭和": (1926, 64),
    "平成": (1989, 31),
    "令和": (2019, 99),
}
_ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_KANJI_DIGITS = {
    "〇": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_N = "[0-9一二三四五六七八九十〇]{1,3}"
_PARTS = re.compile(r"[0-9]+|[一二三四五六七八九十〇]+|元")


def _number(token: str) -> int:
    if token == "元":
        return 1
    if token.isdigit():
        return int(token)
    if "十" in token:
        tens, _, ones = token.partition("十")
        return (_KANJI_DIGITS.get(tens, 1) if tens else 1) * 10 + (
            _KANJI_DIGITS.get(ones, 0) if ones else 0
        )
    value = 0
    for ch in token:
        value = value * 10 + _KANJI_DIGITS[ch]
    return value


def parse_birth_date(value: str) -> dt.date | None:
    """The calendar date ``value`` names, or None when it names none."""
    era = next((e for e in ERAS if value.startswith(e)), None)
    if era is None and value[:1].upper() in _ERA_LETTERS and not value[:1].isdigit():
        era = _ERA_LETTERS[value[:1].upper()]
    parts = [_number(p) for p in _PARTS.findall(value)]
    if len(parts) != 3:
        return None
    if era is not None:
        first, length = ERAS[era]
        if not 1 <= parts[0] <= length:
            return None
        y, m, d = first + parts[0] - 1, parts[1], parts[2]
    elif parts[0] >= 1000:
        y, m, d = parts
    elif parts[2] >= 1000:  # 02/01/1985: day/month or month/day; either must be a date
        y, m, d = parts[2], parts[1], parts[0]
        if m > 12:
            m, d = d, m
    else:
        return None
    if not 1870 <= y <= 2100:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _validate(value: str) -> bool:
    return parse_birth_date(value) is not None


_ERA = "(?:明治|大正|昭和|平成|令和)"
DATE_OF_BIRTH = PatternRecognizer(
    name="date_of_birth",
    entity="date_of_birth",
    patterns=(
        Pattern(
            "western",
            r"(?<![0-9])(?:1[89]|20)[0-9]{2}"
            r"(?: ?年 ?[0-9]{1,2} ?月 ?[0-9]{1,2} ?日|([/.\-])[0-9]{1,2}\1[0-9]{1,2})(?![0-9])",
            0.55,
        ),
        Pattern("day_first", r"(?<![0-9])[0-9]{1,2}/[0-9]{1,2}/(?:1[89]|20)[0-9]{2}(?![0-9])", 0.5),
        Pattern("era", f"{_ERA} ?(?:元|{_N}) ?年 ?{_N} ?月 ?{_N} ?日", 0.6),
        Pattern(
            "era_letter",
            r"(?<![A-Za-z])[MTSHRmtshr] ?[0-9]{1,2}([./\-])[0-9]{1,2}\1[0-9]{1,2}(?![0-9])",
            0.55,
        ),
    ),
    context=(
        "生年月日",
        "誕生日",
        "生まれ",
        "出生",
        "birth",
        "dob",
        "born",
        "birthday",
        "生年",
        "お誕生日",
    ),
    after_pattern=r" ?(?:生まれ|生(?!年月日)|[(（](?:満 ?)?[0-9]{1,3} ?[歳才])",
    after_words=("生", "歳", "才"),
    validator=_validate,
    requires_context=True,
    before=20,
)

"""Normal forms for values collected into the vault.

Every value a service collects for a declared item passes through :func:`normalise` with the
item's :class:`~mamori.policy.model.Normaliser` before it is encrypted and blind-indexed. Two
spellings of the same datum (全角 digits, era dates, ``090-1234-5678`` and ``+81 90 1234 5678``)
must give the same normal form, or a blind index will not find them. The functions are pure,
have no I/O and are cheap enough to run on every value.

Errors never carry the value: :class:`InvalidValue` holds the kind and a stable reason code
(one of :data:`Reason`), and for a value of the wrong Python type, the type's name. Errors are
raised outside any ``except`` block so that no chained exception (whose message could quote a
character of the value) is attached.

Decisions worth knowing:

- Every kind except ``token`` applies NFKC first: full-width Latin letters and digits become
  ASCII, half-width kana become full-width kana, ``U+3000`` becomes a space, and era ligatures
  such as ``㍼`` and ``㋿`` become ``昭和`` and ``令和``.
- ``text`` and ``name`` refuse control characters (Unicode category Cc) other than tab, line
  feed and carriage return, which are whitespace and collapse to a single space. Lone surrogates
  (which cannot be encoded as UTF-8) are refused in every kind as ``bad_character``.
- ``none`` only strips; it refuses values of more than 1,000 characters and lone surrogates,
  and it accepts the empty string.
- Before any work, an input far longer than any normal form could be is refused as
  ``too_long`` (four times the limit for text kinds, 64 characters for phones, dates and My
  Numbers), so a huge input costs nothing to refuse.
- ``date``: era boundaries follow the day the era changed. The day of change belongs to both
  eras for 明治/大正 (1912-07-30) and 大正/昭和 (1926-12-25), where the new era began on the same
  day; 平成 began the day after 昭和 ended, 令和 the day after 平成 ended. 明治 is taken to start on
  1868-10-23 (the proclamation; the era was made retroactive to 1868-01-25 of the lunar
  calendar); dates before 1900-01-01 are refused anyway. A birth date in the future or more
  than 150 years ago is checked separately by :func:`validate_birth_date`.
- ``phone``: the result is E.164. Japanese numbers (national forms, ``+81`` with or without the
  trunk ``0``, ``+81 (0)…``, ``0081…``) are checked for length by prefix: 020/050/060/070/080/090
  (this includes 0800 free-dial) have 11 digits, every other national number 10 (this includes
  0120 free-dial). ``00…`` other than ``0081`` and ``010…`` (Japan's international call prefix)
  are refused. Other countries must be given with ``+``: 8 to 15 digits, not starting with 0.
- ``email``: the whole address is lower-cased so that the blind index matches however the
  person typed it (providers treat the local part case-insensitively in practice). The local
  part must be ASCII (RFC 5322 ``atext`` and dots); dots are not checked for position because
  Japanese mobile carriers issued addresses such as ``taro..yamada.@docomo.ne.jp``. A
  non-ASCII domain is converted with Python's ``idna`` codec and kept in ASCII (``xn--``) form;
  the ideographic full stop ``。`` separates labels there.
- ``token``: no NFKC and no case change (FCM tokens are case-sensitive), except that a token of
  hex digits only (APNs) or a UUID (advertising IDs) is lower-cased.
- ``my_number``: 12 digits with the check digit of the 個人番号 (see :func:`is_my_number`).

Speed: each kind's full function (``_norm_*``) is the definition. Most kinds also have a fast
lane (``_fast_*``) for values that are already clean (ASCII e-mail addresses, phone numbers
and ISO dates, printable text and names, tokens): it returns only a result the full function
would return for the same value, and hands every other value, every error included, to the
full function. A property test compares the two on generated values.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Callable
from typing import Final, Literal, NoReturn

from mamori.policy.model import Normaliser

__all__ = [
    "EMAIL_MAX",
    "NAME_MAX",
    "TEXT_MAX",
    "TOKEN_MAX",
    "InvalidValue",
    "Reason",
    "is_my_number",
    "normalise",
    "normaliser_function",
    "validate_birth_date",
]

Reason = Literal[
    "wrong_type",  # not a str (or, for dates, not a str or datetime.date)
    "empty",  # nothing left after stripping
    "too_long",  # over the kind's length limit
    "control_character",  # a C0/C1 control character other than tab, LF, CR
    "bad_character",  # a character this kind does not allow (or a lone surrogate)
    "whitespace",  # whitespace inside a token
    "no_letter",  # a name without any letter
    "not_a_date",  # not in any accepted date form
    "impossible_date",  # a form that names no real day (2001-02-29, month 13)
    "outside_era",  # an era year/day outside that era (平成31年5月1日)
    "before_1900",  # earlier than 1900-01-01
    "in_future",  # birth date after today
    "too_old",  # birth date more than 150 years ago
    "bad_prefix",  # a phone number starting in a way no valid number does
    "bad_length",  # a phone or My Number with the wrong number of digits
    "missing_at",  # email without "@"
    "multiple_at",  # email with more than one "@"
    "empty_local",  # email with nothing before "@"
    "local_too_long",  # email local part over 64 characters
    "bad_local",  # email local part with a character outside ASCII atext and "."
    "bad_domain",  # email domain that is not a valid host name
    "domain_without_dot",  # email domain without a dot
    "bad_check_digit",  # My Number whose check digit does not match
]

TEXT_MAX: Final = 1000
NAME_MAX: Final = 200
TOKEN_MAX: Final = 4096
EMAIL_MAX: Final = 254
_LOCAL_MAX: Final = 64
_DOMAIN_MAX: Final = 253
_SHORT_RAW_MAX: Final = 64  # raw input cap for phone, date and My Number
_RAW_FACTOR: Final = 4  # raw input cap for text kinds, as a multiple of the limit
_BIRTH_MAX_AGE: Final = 150
_EARLIEST: Final = _dt.date(1900, 1, 1)


class InvalidValue(ValueError):
    """A value that cannot be normalised for its kind.

    ``kind`` is the normaliser, ``reason`` a stable short code (see :data:`Reason`) and
    ``type_name`` the Python type's name when ``reason`` is ``"wrong_type"``. The message is
    built from these alone and never contains the value.
    """

    kind: Normaliser
    reason: Reason
    type_name: str | None

    def __init__(self, kind: Normaliser, reason: Reason, type_name: str | None = None) -> None:
        self.kind = kind
        self.reason = reason
        self.type_name = type_name
        message = f"invalid {kind.value} value: {reason}"
        if type_name is not None:
            message += f" (got {type_name})"
        super().__init__(message)

    def __reduce__(self) -> tuple[type[InvalidValue], tuple[Normaliser, Reason, str | None]]:
        return (type(self), (self.kind, self.reason, self.type_name))


def _fail(kind: Normaliser, reason: Reason) -> NoReturn:
    raise InvalidValue(kind, reason)


def _require_str(kind: Normaliser, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidValue(kind, "wrong_type", type(value).__name__)
    return value


# C0 and C1 controls except tab, LF, CR; lone surrogates.
_FORBIDDEN: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")


def _check_characters(kind: Normaliser, s: str) -> None:
    found = _FORBIDDEN.search(s)
    if found is not None:
        _fail(kind, "bad_character" if found.group() >= "\ud800" else "control_character")


def _nfkc(s: str) -> str:
    return s if s.isascii() else unicodedata.normalize("NFKC", s)


def _clean_text(kind: Normaliser, value: object, limit: int) -> str:
    s = _require_str(kind, value)
    if len(s) > limit * _RAW_FACTOR:
        _fail(kind, "too_long")
    _check_characters(kind, s)
    s = " ".join(_nfkc(s).split())
    if not s:
        _fail(kind, "empty")
    if len(s) > limit:
        _fail(kind, "too_long")
    return s


def _norm_none(value: object) -> str:
    kind = Normaliser.none
    s = _require_str(kind, value)
    if len(s) > TEXT_MAX * _RAW_FACTOR:
        _fail(kind, "too_long")
    s = s.strip()
    if len(s) > TEXT_MAX:
        _fail(kind, "too_long")
    if not s.isascii() and _SURROGATE.search(s) is not None:
        _fail(kind, "bad_character")
    return s


def _norm_text(value: object) -> str:
    return _clean_text(Normaliser.text, value, TEXT_MAX)


def _norm_name(value: object) -> str:
    s = _clean_text(Normaliser.name, value, NAME_MAX)
    if not any(ch.isalpha() for ch in s):  # isalpha() is exactly Unicode category L
        _fail(Normaliser.name, "no_letter")
    return s


# ---------------------------------------------------------------------------------- dates

# Kanji name -> (first Gregorian year, first day, last day), both days inclusive.
_ERAS: Final[dict[str, tuple[int, _dt.date, _dt.date]]] = {
    "明治": (1868, _dt.date(1868, 10, 23), _dt.date(1912, 7, 30)),
    "大正": (1912, _dt.date(1912, 7, 30), _dt.date(1926, 12, 25)),
    "昭和": (1926, _dt.date(1926, 12, 25), _dt.date(1989, 1, 7)),
    "平成": (1989, _dt.date(1989, 1, 8), _dt.date(2019, 4, 30)),
    "令和": (2019, _dt.date(2019, 5, 1), _dt.date.max),
}
_ERA_LETTERS: Final = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_ERA: Final = r"(明治|大正|昭和|平成|令和|[MTSHRmtshr])(元|[0-9]{1,2})"
_DATE_FORMS: Final = (
    # (pattern, era?) — groups are (era, year, month, day) or (year, month, day)
    (re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"), False),
    (re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"), False),
    (re.compile(r"([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2})"), False),
    (re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})"), False),
    (re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日"), False),
    (re.compile(_ERA + r"年([0-9]{1,2})月([0-9]{1,2})日"), True),
    (re.compile(_ERA + r"-([0-9]{1,2})-([0-9]{1,2})"), True),
    (re.compile(_ERA + r"/([0-9]{1,2})/([0-9]{1,2})"), True),
    (re.compile(_ERA + r"\.([0-9]{1,2})\.([0-9]{1,2})"), True),
)
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Dash variants (after NFKC) that people type between date or number parts.
_DASHES: Final = "-‐‑‒–—―−ー"
_TO_HYPHEN: Final = str.maketrans(dict.fromkeys(_DASHES, "-"))


def _parse_date_string(s: str) -> _dt.date:
    kind = Normaliser.date
    if len(s) > _SHORT_RAW_MAX:
        _fail(kind, "too_long")
    _check_characters(kind, s)
    if _ISO_DATE.fullmatch(s) is None:  # fast path for the normal form
        s = "".join(_nfkc(s).split()).translate(_TO_HYPHEN)
    if not s:
        _fail(kind, "empty")
    for pattern, is_era in _DATE_FORMS:
        match = pattern.fullmatch(s)
        if match is None:
            continue
        if not is_era:
            return _make_date(int(match[1]), int(match[2]), int(match[3]))
        era = _ERA_LETTERS.get(match[1].upper(), match[1])
        first_year, first_day, last_day = _ERAS[era]
        era_year = 1 if match[2] == "元" else int(match[2])
        day = _make_date(first_year + era_year - 1, int(match[3]), int(match[4]))
        if era_year < 1 or not first_day <= day <= last_day:
            _fail(kind, "outside_era")
        return day
    _fail(kind, "not_a_date")


def _make_date(year: int, month: int, day: int) -> _dt.date:
    try:
        result = _dt.date(year, month, day)
    except ValueError:
        pass  # raised below, outside the handler, so no exception is chained
    else:
        return result
    _fail(Normaliser.date, "impossible_date")


def _norm_date(value: object) -> str:
    kind = Normaliser.date
    if isinstance(value, _dt.datetime) or not isinstance(value, str | _dt.date):
        raise InvalidValue(kind, "wrong_type", type(value).__name__)
    day = value if isinstance(value, _dt.date) else _parse_date_string(value)
    if day < _EARLIEST:
        _fail(kind, "before_1900")
    return day.isoformat()


def validate_birth_date(iso: str, today: _dt.date) -> str:
    """Check a normalised date (``YYYY-MM-DD``) as a birth date on ``today``.

    Refuses a day after ``today`` (``in_future``) and an age over 150 (``too_old``); returns
    ``iso`` unchanged. ``iso`` must be the normal form :func:`normalise` gives (``not_a_date``).
    """
    kind = Normaliser.date
    if not isinstance(iso, str):
        raise InvalidValue(kind, "wrong_type", type(iso).__name__)
    if _ISO_DATE.fullmatch(iso) is None:
        _fail(kind, "not_a_date")
    born = _make_date(int(iso[:4]), int(iso[5:7]), int(iso[8:]))
    if born > today:
        _fail(kind, "in_future")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age > _BIRTH_MAX_AGE:
        _fail(kind, "too_old")
    return iso


# --------------------------------------------------------------------------------- phones

_PHONE_DROP: Final = str.maketrans("", "", " \t" + _DASHES + ".()")
_PHONE_CHARS: Final = re.compile(r"\+?[0-9]*")
_JP_ELEVEN_DIGITS: Final = frozenset({"020", "050", "060", "070", "080", "090"})


def _jp_national(national: str) -> str:
    """E.164 for a Japanese national number (ASCII digits starting with the trunk 0)."""
    kind = Normaliser.phone
    if national.startswith(("00", "010")):
        _fail(kind, "bad_prefix")
    expected = 11 if national[:3] in _JP_ELEVEN_DIGITS else 10
    if len(national) != expected:
        _fail(kind, "bad_length")
    return "+81" + national[1:]


def _norm_phone(value: object) -> str:
    kind = Normaliser.phone
    s = _require_str(kind, value)
    if len(s) > _SHORT_RAW_MAX:
        _fail(kind, "too_long")
    _check_characters(kind, s)
    s = _nfkc(s).strip().translate(_PHONE_DROP)
    if not s:
        _fail(kind, "empty")
    if _PHONE_CHARS.fullmatch(s) is None:
        _fail(kind, "bad_character")
    return _phone_e164(s)


def _phone_e164(s: str) -> str:
    """E.164 for a non-empty "+"/ASCII-digits string with separators already dropped."""
    kind = Normaliser.phone
    if s[0] == "+":
        digits = s[1:]
        if digits.startswith("81"):
            rest = digits[2:]
            return _jp_national(rest if rest.startswith("0") else "0" + rest)
        if digits.startswith("0"):
            _fail(kind, "bad_prefix")
        if not 8 <= len(digits) <= 15:
            _fail(kind, "bad_length")
        return s
    if s.startswith("0081"):
        rest = s[4:]
        return _jp_national(rest if rest.startswith("0") else "0" + rest)
    if s[0] != "0":
        _fail(kind, "bad_prefix")
    return _jp_national(s)


# --------------------------------------------------------------------------------- emails

_LOCAL: Final = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN: Final = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")


def _idna(domain: str) -> str | None:
    try:
        encoded = domain.encode("idna")
    except UnicodeError:
        return None
    return encoded.decode("ascii").lower()


def _norm_email(value: object) -> str:
    kind = Normaliser.email
    s = _require_str(kind, value)
    if len(s) > EMAIL_MAX * _RAW_FACTOR:
        _fail(kind, "too_long")
    _check_characters(kind, s)
    s = _nfkc(s).strip().lower()
    if not s:
        _fail(kind, "empty")
    at = s.count("@")
    if at != 1:
        _fail(kind, "missing_at" if at == 0 else "multiple_at")
    local, domain = s.split("@")
    if not local:
        _fail(kind, "empty_local")
    if len(local) > _LOCAL_MAX:
        _fail(kind, "local_too_long")
    if _LOCAL.fullmatch(local) is None:
        _fail(kind, "bad_local")
    if not domain:
        _fail(kind, "bad_domain")
    if not domain.isascii():
        ascii_domain = _idna(domain)
        if ascii_domain is None:
            _fail(kind, "bad_domain")
        domain = ascii_domain
    if "." not in domain:
        _fail(kind, "domain_without_dot")
    if (
        len(domain) > _DOMAIN_MAX
        or _DOMAIN.fullmatch(domain) is None
        or domain.rpartition(".")[2].isdigit()
    ):
        _fail(kind, "bad_domain")
    result = f"{local}@{domain}"
    if len(result) > EMAIL_MAX:
        _fail(kind, "too_long")
    return result


# --------------------------------------------------------------------------------- tokens

_WHITESPACE: Final = re.compile(r"\s")
_HEX: Final = re.compile(r"[0-9a-fA-F]+")
_UUID: Final = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def _norm_token(value: object) -> str:
    kind = Normaliser.token
    s = _require_str(kind, value)
    if len(s) > TOKEN_MAX * _RAW_FACTOR:
        _fail(kind, "too_long")
    s = s.strip()
    if not s:
        _fail(kind, "empty")
    if len(s) > TOKEN_MAX:
        _fail(kind, "too_long")
    if _WHITESPACE.search(s) is not None:
        _fail(kind, "whitespace")
    _check_characters(kind, s)
    if _HEX.fullmatch(s) is not None or _UUID.fullmatch(s) is not None:
        return s.lower()
    return s


# ----------------------------------------------------------------------------- My Number

_MY_NUMBER_DROP: Final = str.maketrans("", "", " \t" + _DASHES)
_MY_NUMBER_START: Final = frozenset("0123456789" + _DASHES)
_DIGITS: Final = re.compile(r"[0-9]*")
# Weights Q_n for the 11 base digits, left to right (n = 11 … 1 counted from the right).
_MY_NUMBER_WEIGHTS: Final = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _my_number_check_digit(base: str) -> int:
    r = sum(int(d) * q for d, q in zip(base, _MY_NUMBER_WEIGHTS, strict=True)) % 11
    return 0 if r <= 1 else 11 - r


def _clean_my_number(s: str) -> tuple[str, Reason | None]:
    """The cleaned digits and why they are not a My Number (``None`` when they are)."""
    if len(s) > _SHORT_RAW_MAX:
        return "", "too_long"
    if _FORBIDDEN.search(s) is not None:
        return "", "bad_character"
    s = _nfkc(s).strip().translate(_MY_NUMBER_DROP)
    if not s:
        return s, "empty"
    if _DIGITS.fullmatch(s) is None:
        return s, "bad_character"
    if len(s) != 12:
        return s, "bad_length"
    if _my_number_check_digit(s[:11]) != int(s[11]):
        return s, "bad_check_digit"
    return s, None


def _norm_my_number(value: object) -> str:
    kind = Normaliser.my_number
    s = _require_str(kind, value)
    digits, reason = _clean_my_number(s)
    if reason is not None:
        _fail(kind, reason)
    return digits


def is_my_number(value: str) -> bool:
    """Whether ``value`` is a My Number (個人番号) once NFKC'd and stripped of spaces/hyphens.

    Used to refuse My Numbers hidden in other items. Never raises; a non-str gives False.
    """
    if not isinstance(value, str):
        return False
    if value.isascii():
        if len(value) < 12:
            return False  # NFKC leaves ASCII alone and cleaning only drops characters
        s = value.strip()
        if " " not in s and "\t" not in s and "-" not in s:
            # Cleaning would drop nothing more (the other dashes are not ASCII), so the
            # stripped value itself must be the twelve digits.
            return (
                len(s) == 12
                and s.isdigit()
                and len(value) <= _SHORT_RAW_MAX
                and _FORBIDDEN.search(value) is None
                and _my_number_check_digit(s[:11]) == int(s[11])
            )
        first = s[:1]
    else:
        first = _nfkc(value).lstrip()[:1]
    # Cleaning strips the ends and drops spaces and dashes, so the cleaned value starts
    # with the first character left after stripping unless that is a dash: a value that
    # starts with anything else (a letter, "+", "@") cannot be twelve digits.
    if not first or first not in _MY_NUMBER_START:
        return False
    return _clean_my_number(value)[1] is None


# ----------------------------------------------------------------------------- fast lanes
#
# Each ``_fast_*`` returns what the full ``_norm_*`` function returns for a value it can
# vouch for cheaply, and otherwise calls the full function, which raises the same error it
# always did. ``type(value) is str`` keeps str subclasses (which may override methods) on
# the full path. The reasoning for each lane is written beside it.


def _fast_text(value: object) -> str:
    # Printable (no category C or Z except the ASCII space) implies no control character
    # and no lone surrogate, so _check_characters would pass; the rest is _clean_text.
    if (
        type(value) is str
        and len(value) <= TEXT_MAX * _RAW_FACTOR
        and (value.isprintable() or _FORBIDDEN.search(value) is None)
    ):
        s = " ".join(_nfkc(value).split())
        if s and len(s) <= TEXT_MAX:
            return s
    return _norm_text(value)


def _fast_name(value: object) -> str:
    # As _fast_text; a first character that is a letter settles "no_letter" at once.
    if (
        type(value) is str
        and len(value) <= NAME_MAX * _RAW_FACTOR
        and (value.isprintable() or _FORBIDDEN.search(value) is None)
    ):
        s = " ".join(_nfkc(value).split())
        if s and len(s) <= NAME_MAX and (s[0].isalpha() or any(c.isalpha() for c in s)):
            return s
    return _norm_name(value)


def _fast_date(value: object) -> str:
    # A str already in the normal form YYYY-MM-DD that names a real day from 1900 on is
    # its own normal form (date.isoformat() writes the same four-digit year, and the
    # month and day with two digits). Anything else, errors included, takes the full path.
    if type(value) is str and len(value) == 10 and _ISO_DATE.fullmatch(value) is not None:
        try:
            day = _dt.date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError:
            pass  # no such day: the full path raises, outside this handler
        else:
            if day >= _EARLIEST:
                return value
    return _norm_date(value)


_PHONE_CLEAN: Final = re.compile(r"\+?[0-9]+")


def _fast_phone(value: object) -> str:
    # An ASCII value at most 64 long that is "+"/digits once spaces, tabs, dashes, dots and
    # parentheses are dropped holds no control character, and stripping it drops nothing
    # that the translation does not drop too: the full path reaches _phone_e164 with the
    # same digits, and _phone_e164 raises the same errors there.
    # When hyphens are the only separators, removing them is the same as the translation.
    if type(value) is str and len(value) <= _SHORT_RAW_MAX and value.isascii():
        s = value.replace("-", "")
        if s.isdigit() or (s[:1] == "+" and s[1:].isdigit()):
            return _phone_e164(s)
        s = value.translate(_PHONE_DROP)
        if _PHONE_CLEAN.fullmatch(s) is not None:
            return _phone_e164(s)
    return _norm_phone(value)


_EMAIL_CLEAN: Final = re.compile(
    rf"[a-z0-9!#$%&'*+/=?^_`{{|}}~.-]{{1,{_LOCAL_MAX}}}@{_DOMAIN.pattern}"
)


def _fast_email(value: object) -> str:
    # For ASCII, NFKC changes nothing and lower() only maps A-Z. A lower-cased value that is
    # a local part of 1-64 allowed characters, one "@" and a valid dotted host name has no
    # control character or whitespace (strip() changes nothing) and passes every check of
    # the full path, whose result is then the lower-cased value itself (at most 254 long,
    # so the domain is at most 252). The last label being all digits is checked as there.
    if type(value) is str and len(value) <= EMAIL_MAX and value.isascii():
        s = value.lower()
        if _EMAIL_CLEAN.fullmatch(s) is not None and not s.rpartition(".")[2].isdigit():
            return s
    return _norm_email(value)


def _fast_token(value: object) -> str:
    # ASCII and printable with no space: no whitespace at all (every other ASCII whitespace
    # character is non-printable) and no control character, so strip() changes nothing;
    # 1 to TOKEN_MAX long passes the empty and length checks.
    if (
        type(value) is str
        and 0 < len(value) <= TOKEN_MAX
        and value.isascii()
        and value.isprintable()
        and " " not in value
    ):
        if _HEX.fullmatch(value) is not None or _UUID.fullmatch(value) is not None:
            return value.lower()
        return value
    return _norm_token(value)


# ------------------------------------------------------------------------------ dispatch

# The full functions: the definition of each normal form (and what the fast lanes are
# tested against).
_FULL: Final[dict[str, Callable[[object], str]]] = {
    Normaliser.none.value: _norm_none,
    Normaliser.text.value: _norm_text,
    Normaliser.name.value: _norm_name,
    Normaliser.date.value: _norm_date,
    Normaliser.phone.value: _norm_phone,
    Normaliser.email.value: _norm_email,
    Normaliser.token.value: _norm_token,
    Normaliser.my_number.value: _norm_my_number,
}

_NORMALISERS: Final[dict[str, Callable[[object], str]]] = {
    **_FULL,
    Normaliser.text.value: _fast_text,
    Normaliser.name.value: _fast_name,
    Normaliser.date.value: _fast_date,
    Normaliser.phone.value: _fast_phone,
    Normaliser.email.value: _fast_email,
    Normaliser.token.value: _fast_token,
}


def normaliser_function(kind: Normaliser | str) -> Callable[[object], str]:
    """The function that :func:`normalise` applies for ``kind``: look it up once for many
    values. ``normaliser_function(kind)(value) == normalise(kind, value)``, errors included;
    an unknown kind raises ValueError here."""
    if type(kind) is Normaliser:  # an enum cannot be subclassed: this is isinstance
        return _NORMALISERS[kind._value_]  # _value_: the plain str, without .value's cost
    function = _NORMALISERS.get(kind) if isinstance(kind, str) else None
    if function is None:
        raise ValueError(f"unknown normaliser; expected one of {', '.join(_NORMALISERS)}")
    return function


def normalise(kind: Normaliser | str, value: object) -> str:
    """The normal form of ``value`` for ``kind``; raises :class:`InvalidValue` if it has none.

    ``kind`` is a :class:`Normaliser` or its string value; an unknown kind raises ValueError.
    Values must be ``str`` (``date`` also takes a ``datetime.date`` that is not a datetime).
    """
    if type(kind) is Normaliser:
        return _NORMALISERS[kind._value_](value)
    return normaliser_function(kind)(value)

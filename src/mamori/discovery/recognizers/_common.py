"""Regular-expression pieces the recognizers share (on NFKC-normalised text)."""

from __future__ import annotations

#: A dash between digits: ``-`` (every dash variant is ``-`` after normalisation) or the
#: katakana long-vowel mark ``ー``, often typed for a dash in Japanese text.
DASH = "[-ー]"
#: An optional separator between digit groups: a dash or one space.
SEP = "(?:[-ー]| )?"
#: Not preceded by a digit (values glued to Japanese text still match).
NO_DIGIT_BEFORE = "(?<![0-9])"
#: Not followed by a digit, nor by a dash and a digit or letter (the value is not part of a
#: longer one), nor by hexadecimal letters (the digits are part of a hash or a UUID).
NO_DIGIT_AFTER = "(?![0-9]|[-ー][0-9A-Za-z]|[a-fA-F][0-9a-fA-F])"
#: Not preceded by a digit, nor by a digit or letter and a dash, nor by two hexadecimal
#: characters (a hash, a UUID); a label such as ``TEL`` glued before the digits is fine.
NO_DIGIT_OR_GROUP_BEFORE = "(?<![0-9])(?<![0-9A-Za-z][-ー])(?<![0-9a-fA-F]{2})"
#: Not preceded by an ASCII letter or digit.
NO_ALNUM_BEFORE = "(?<![0-9A-Za-z])"
#: Not followed by an ASCII letter or digit.
NO_ALNUM_AFTER = "(?![0-9A-Za-z])"


def lead(first: str, rest: str) -> str:
    """``first`` (one character class) then ``rest``, where ``first`` is not preceded by what
    :data:`NO_DIGIT_OR_GROUP_BEFORE` excludes. The checks come after the first character so
    the regular-expression engine can skip quickly to the characters that may start a match.
    """
    return first + "(?<![0-9].)(?<![0-9A-Za-z][-ー].)(?<![0-9a-fA-F]{2}.)" + rest


def digits(value: str) -> str:
    """The ASCII digits of ``value``, in order."""
    return "".join(c for c in value if "0" <= c <= "9")

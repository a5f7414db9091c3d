"""The fast lanes of normalise and is_my_number agree with the full functions on every value:
the same normal form, or the same error (reason and type name), never a chained exception.
Also: ``normaliser_function`` hands back what ``normalise`` applies."""

from __future__ import annotations

import datetime as dt
import string
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.policy.model import Normaliser
from mamori.vault import normalise as module
from mamori.vault.normalise import (
    NAME_MAX,
    TEXT_MAX,
    TOKEN_MAX,
    InvalidValue,
    is_my_number,
    normalise,
    normaliser_function,
)

N = Normaliser
Outcome = tuple[str, object]


def outcome(function: object, value: object) -> Outcome:
    """("ok", the normal form) or ("error", (reason, type name)); checks no chaining."""
    assert callable(function)
    try:
        return "ok", function(value)
    except InvalidValue as exc:
        assert exc.__cause__ is None and exc.__context__ is None
        return "error", (exc.kind, exc.reason, exc.type_name, str(exc))


def agree(kind: Normaliser, value: object) -> None:
    full = outcome(module._FULL[kind.value], value)
    assert outcome(module._NORMALISERS[kind.value], value) == full
    assert outcome(lambda v: normalise(kind, v), value) == full
    assert outcome(lambda v: normalise(kind.value, v), value) == full
    assert outcome(normaliser_function(kind), value) == full


# Characters each fast lane tests for, and those that must send a value to the full path.
TRICKY = " \t\n\r\x0b\x0c\x1c\x1f\x00\x7f\x85\xa0\u3000\u2028\ud800\udfff"
ASCII = string.printable + "\x00\x01\x7f"
JAPANESE = "山田太郎花子ヤマダﾔﾏﾀﾞ㈱①Ａａ０９－ー。＠"
ANY_TEXT = st.text(
    st.characters(codec=None, exclude_categories=()) | st.sampled_from(TRICKY), max_size=40
)


def mixed(alphabet: str, max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet + TRICKY, max_size=max_size)


def padded(core: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A value with optional whitespace or a stray character around it."""
    edge = st.sampled_from(["", "", "", " ", "\t", "\n", "\u3000", "\x00", "\x0b", "\x1c", "-"])
    return st.builds(lambda a, c, b: a + c + b, edge, core, edge)


def repeated(piece: str, near: int) -> st.SearchStrategy[str]:
    """``piece`` repeated to just under, at and just over ``near`` characters."""
    return st.integers(near - 3, near + 3).map(lambda n: (piece * n)[: max(n, 0)])


def spaced(near: int) -> st.SearchStrategy[str]:
    """A short value padded with spaces to just under, at and just over ``near``."""
    return st.integers(near - 3, near + 3).map(lambda n: "x".ljust(n))


WRONG_TYPES = st.sampled_from(
    [None, 1, 1.5, b"bytes", ["x"], dt.date(2001, 2, 3), dt.datetime(2001, 2, 3, 4, 5)]
)


class Sub(str):
    """A str subclass: the fast lanes leave it to the full path."""


LABEL = st.text(alphabet="abzAZ09-", min_size=1, max_size=8)
EMAIL_LIKE = st.builds(
    "{}@{}{}".format,
    st.text(alphabet="abcXYZ019._+-'!#@ \u00e9", min_size=0, max_size=70),
    st.lists(LABEL, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["", ".jp", ".COM", ".123", ".", "-", ".例え", "。jp", ".x" * 130]),
)
PHONE_LIKE = st.text(alphabet="0123456789+-(). \t\n81０－", max_size=24)
DATE_LIKE = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
    st.text(alphabet="0123456789-", min_size=8, max_size=12),
    st.builds(
        "{:04d}-{:02d}-{:02d}".format,
        st.integers(0, 9999),
        st.integers(0, 99),
        st.integers(0, 99),
    ),
    st.dates(),
    st.datetimes(),
)
TOKEN_LIKE = st.one_of(
    st.text(alphabet="0123456789abcdefABCDEF", min_size=1, max_size=80),
    st.uuids().map(str).map(str.upper),
    st.uuids().map(uuid.UUID.__str__),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60),
    mixed("aB0:_-"),
)

VALUES = {
    N.text: st.one_of(
        ANY_TEXT,
        mixed(ASCII),
        mixed(JAPANESE + " "),
        repeated("x", TEXT_MAX),
        repeated("x ", TEXT_MAX),
        repeated("x", TEXT_MAX * 4),
        spaced(TEXT_MAX * 4),
        repeated("㍼", TEXT_MAX // 2),
    ),
    N.name: st.one_of(
        ANY_TEXT,
        mixed(ASCII),
        mixed(JAPANESE + " "),
        mixed("0123 ・.-'"),
        repeated("山", NAME_MAX),
        repeated(" ", NAME_MAX * 4),
        spaced(NAME_MAX * 4),
        repeated("ﷺ", NAME_MAX // 10),
    ),
    N.date: st.one_of(ANY_TEXT, padded(DATE_LIKE.filter(lambda v: isinstance(v, str))), DATE_LIKE),
    N.phone: st.one_of(ANY_TEXT, PHONE_LIKE, padded(PHONE_LIKE), repeated("0", 64)),
    N.email: st.one_of(ANY_TEXT, mixed(ASCII), EMAIL_LIKE, padded(EMAIL_LIKE)),
    N.token: st.one_of(
        ANY_TEXT, TOKEN_LIKE, padded(TOKEN_LIKE), repeated("a", TOKEN_MAX), repeated("ab", 64)
    ),
}


@pytest.mark.parametrize("kind", list(VALUES))
@settings(max_examples=400)
@given(data=st.data())
def test_fast_lane_agrees_with_the_full_function(kind: Normaliser, data: st.DataObject) -> None:
    value = data.draw(VALUES[kind])
    agree(kind, value)
    if isinstance(value, str):
        agree(kind, Sub(value))
        agree(kind, value.upper())


@pytest.mark.parametrize("kind", list(Normaliser))
@given(value=WRONG_TYPES)
def test_wrong_types_get_the_same_error(kind: Normaliser, value: object) -> None:
    agree(kind, value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (N.text, "iPhone15,6 iOS 18.0"),
        (N.name, "山田 太郎"),
        (N.name, "Taro Yamada"),
        (N.name, "12 3"),  # no letter
        (N.date, "1995-07-16"),
        (N.date, "1899-12-31"),  # before_1900
        (N.date, "2001-02-29"),  # impossible_date
        (N.date, "0000-01-01"),
        (N.phone, "09012345678"),
        (N.phone, "090-1234-5678"),
        (N.phone, "+81-90-1234-5678"),
        (N.phone, "+819012345678"),
        (N.phone, "(03) 1234.5678"),
        (N.phone, "+"),
        (N.phone, "-"),
        (N.phone, "0120-123-456"),
        (N.phone, "010-1234-5678"),  # bad_prefix
        (N.phone, "12345"),
        (N.email, "user12345@example.jp"),
        (N.email, "Taro.Yamada@Example.CO.JP"),
        (N.email, "taro..yamada.@docomo.ne.jp"),
        (N.email, "a@b.123"),  # bad_domain: numeric last label
        (N.email, "a" * 64 + "@example.jp"),
        (N.email, "a" * 65 + "@example.jp"),  # local_too_long
        (N.email, "a@" + "b" * 63 + ".jp"),
        (N.email, "a@" + "b" * 64 + ".jp"),
        (N.email, "a@" + ("b" * 60 + ".") * 4 + "jp"),  # over EMAIL_MAX
        (N.email, "a" * 60 + "@" + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + ".jp"),
        (N.token, "0" * 64),
        (N.token, "ABCDEF" * 10),
        (N.token, str(uuid.UUID(int=7)).upper()),
        (N.token, "fcm:APA91b-Token_x"),
        (N.token, "a" * TOKEN_MAX),
        (N.token, "a" * (TOKEN_MAX + 1)),
    ],
)
def test_fast_lane_examples(kind: Normaliser, value: str) -> None:
    agree(kind, value)


# ------------------------------------------------------------------------- is_my_number


def my_number(base: str) -> str:
    r = sum(int(d) * q for d, q in zip(base, (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    return base + str(0 if r <= 1 else 11 - r)


MY_NUMBERS = st.text(alphabet="0123456789", min_size=11, max_size=11).map(my_number)
SPELLED = st.builds(
    lambda n, sep: sep.join([n[:4], n[4:8], n[8:]]),
    MY_NUMBERS,
    st.sampled_from(["", "-", " ", "\t", "ー", "\u3000", "--", "+"]),
)
NEAR = "0123456789 -\t\n\r\x0b\x1c\x00\x85+a０\u3000ー"


@settings(max_examples=500)
@given(
    st.one_of(
        MY_NUMBERS,
        SPELLED,
        padded(MY_NUMBERS),
        padded(SPELLED),
        st.text(alphabet=NEAR, max_size=20),
        st.builds(str.__add__, MY_NUMBERS, st.text(alphabet=NEAR, max_size=3)),
        st.builds(str.__add__, st.text(alphabet=" \t\n", min_size=40, max_size=60), MY_NUMBERS),
        ANY_TEXT,
    )
)
def test_is_my_number_agrees_with_the_full_check(value: str) -> None:
    assert is_my_number(value) is (module._clean_my_number(value)[1] is None)


VALID = my_number("12345678901")


@pytest.mark.parametrize(
    "value",
    [
        VALID,
        f" {VALID}\n",
        f"\x0b{VALID}",  # stripped, but a control character: not a My Number
        f"{VALID}\x1c",
        f"{VALID}\x00",
        " " * 52 + VALID,  # 64 characters
        " " * 53 + VALID,  # 65: too long to be one
        VALID[:-1] + str((int(VALID[-1]) + 1) % 10),
        f"{VALID[:4]}-{VALID[4:8]}-{VALID[8:]}",
        VALID + "0",
        "0" * 64,
    ],
)
def test_is_my_number_examples(value: str) -> None:
    assert is_my_number(value) is (module._clean_my_number(value)[1] is None)


# ------------------------------------------------------------------- normaliser_function


def test_normaliser_function_is_what_normalise_applies() -> None:
    for kind in Normaliser:
        function = normaliser_function(kind)
        assert normaliser_function(kind.value) is function
        assert function is module._NORMALISERS[kind.value]


@pytest.mark.parametrize("kind", ["unknown", "", "EMAIL", 3, None, b"email"])
def test_normaliser_function_refuses_unknown_kinds_as_normalise_does(kind: object) -> None:
    with pytest.raises(ValueError, match="unknown normaliser") as looked_up:
        normaliser_function(kind)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown normaliser") as applied:
        normalise(kind, "x")  # type: ignore[arg-type]
    assert str(looked_up.value) == str(applied.value)

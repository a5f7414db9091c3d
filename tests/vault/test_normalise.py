"""Normal forms of collected values: accepted spellings, refusals with reason codes, era
boundaries, the My Number check digit, no value in any error, and idempotence."""

from __future__ import annotations

import datetime as dt
import pickle
import typing
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mamori.policy.model import Normaliser
from mamori.vault.normalise import InvalidValue, Reason, is_my_number, normalise
from mamori.vault.normalise import validate_birth_date as birth

REASONS = frozenset(typing.get_args(Reason))
N = Normaliser


def refused(kind: Normaliser, value: object) -> InvalidValue:
    with pytest.raises(InvalidValue) as info:
        normalise(kind, value)
    return info.value


# --------------------------------------------------------------------------- accepted

ACCEPTED: list[tuple[Normaliser, object, str]] = [
    # none: strip only
    (N.none, "  Abc  ", "Abc"),
    (N.none, "ＡＢＣ", "ＡＢＣ"),
    (N.none, "a  b", "a  b"),
    (N.none, "", ""),
    (N.none, "x" * 1000, "x" * 1000),
    (N.none, " " * 3000 + "x", "x"),
    # text
    (N.text, "東京都千代田区千代田1-1", "東京都千代田区千代田1-1"),
    (N.text, "東京都　千代田区", "東京都 千代田区"),
    (N.text, "ＡＢＣ１２３", "ABC123"),
    (N.text, "  a\t\tb\r\n\nc  ", "a b c"),
    (N.text, "ｶﾞｯｺｳ", "ガッコウ"),
    (N.text, "㈱メタ", "(株)メタ"),
    (N.text, "①", "1"),
    (N.text, "12345", "12345"),
    (N.text, "Jose\u0301", "José"),
    (N.text, "a\u00a0\u2003b", "a b"),
    (N.text, "x" * 1000, "x" * 1000),
    (N.text, "x" * 1000 + " " * 2000, "x" * 1000),
    # name
    (N.name, "山田 太郎", "山田 太郎"),
    (N.name, "山田\u3000太郎", "山田 太郎"),
    (N.name, "山田\u3000\u3000 太郎", "山田 太郎"),
    (N.name, "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
    (N.name, "ﾔﾏﾀﾞ\u3000ﾀﾛｳ", "ヤマダ タロウ"),
    (N.name, "Ｔａｒｏ　Ｙａｍａｄａ", "Taro Yamada"),
    (N.name, "  Taro   Yamada  ", "Taro Yamada"),
    (N.name, "O'Brien", "O'Brien"),
    (N.name, "田中\n一郎", "田中 一郎"),
    (N.name, "X Æ A-12", "X Æ A-12"),
    (N.name, "ｶﾞｯﾂ石松", "ガッツ石松"),
    (N.name, "あ" * 200, "あ" * 200),
    # date
    (N.date, dt.date(2000, 1, 2), "2000-01-02"),
    (N.date, dt.date(1900, 1, 1), "1900-01-01"),
    (N.date, "2000-01-02", "2000-01-02"),
    (N.date, "2000-1-2", "2000-01-02"),
    (N.date, "2000/1/2", "2000-01-02"),
    (N.date, "2000/01/02", "2000-01-02"),
    (N.date, "2000.1.2", "2000-01-02"),
    (N.date, "20000102", "2000-01-02"),
    (N.date, "2000年1月2日", "2000-01-02"),
    (N.date, "２０００年１月２日", "2000-01-02"),
    (N.date, " 2000 年 1 月 2 日 ", "2000-01-02"),
    (N.date, "２０００／０１／０２", "2000-01-02"),
    (N.date, "2000ー01ー02", "2000-01-02"),
    (N.date, "2000－01－02", "2000-01-02"),
    (N.date, "2000‐01‐02", "2000-01-02"),
    (N.date, "2000-02-29", "2000-02-29"),
    (N.date, "昭和60年1月2日", "1985-01-02"),
    (N.date, "昭和６０年１月２日", "1985-01-02"),
    (N.date, "昭和 60 年 1 月 2 日", "1985-01-02"),
    (N.date, "㍼60年1月2日", "1985-01-02"),
    (N.date, "昭和60.1.2", "1985-01-02"),
    (N.date, "S60.1.2", "1985-01-02"),
    (N.date, "s60.1.2", "1985-01-02"),
    (N.date, "Ｓ６０．１．２", "1985-01-02"),
    (N.date, "S60/01/02", "1985-01-02"),
    (N.date, "S60-1-2", "1985-01-02"),
    (N.date, "S60年1月2日", "1985-01-02"),
    (N.date, "平成元年5月1日", "1989-05-01"),
    (N.date, "平成1年5月1日", "1989-05-01"),
    (N.date, "㍻元年5月1日", "1989-05-01"),
    (N.date, "H1.5.1", "1989-05-01"),
    (N.date, "H元.5.1", "1989-05-01"),
    (N.date, "令和元年5月1日", "2019-05-01"),
    (N.date, "㋿元年5月1日", "2019-05-01"),
    (N.date, "R1/5/1", "2019-05-01"),
    (N.date, "R7.6.15", "2025-06-15"),
    (N.date, "大正3年4月5日", "1914-04-05"),
    (N.date, "T3.4.5", "1914-04-05"),
    (N.date, "明治33年1月1日", "1900-01-01"),
    (N.date, "M45.7.30", "1912-07-30"),
    # phone: one mobile number in every accepted spelling
    *(
        (N.phone, spelling, "+819012345678")
        for spelling in [
            "090-1234-5678",
            "09012345678",
            "090 1234 5678",
            " 090-1234-5678 ",
            "(090)1234-5678",
            "090(1234)5678",
            "090.1234.5678",
            "０９０－１２３４－５６７８",
            "０９０ー１２３４ー５６７８",
            "ｰ090ｰ1234ｰ5678",
            "090‐1234‐5678",
            "090‑1234‑5678",
            "090–1234—5678",
            "090―1234―5678",
            "090−1234−5678",
            "090\u30001234\u30005678",
            "+81 90 1234 5678",
            "+81-90-1234-5678",
            "+81 (0)90-1234-5678",
            "+81(0)9012345678",
            "+81 090 1234 5678",
            "+819012345678",
            "＋８１　９０　１２３４　５６７８",
            "0081 90 1234 5678",
            "0081-090-1234-5678",
        ]
    ),
    (N.phone, "070-1234-5678", "+817012345678"),
    (N.phone, "080-1234-5678", "+818012345678"),
    (N.phone, "050-1234-5678", "+815012345678"),
    (N.phone, "060-1234-5678", "+816012345678"),
    (N.phone, "020-1234-5678", "+812012345678"),
    (N.phone, "03-1234-5678", "+81312345678"),
    (N.phone, "06-1234-5678", "+81612345678"),
    (N.phone, "011-123-4567", "+81111234567"),
    (N.phone, "0123-45-6789", "+81123456789"),
    (N.phone, "01456-7-8901", "+81145678901"),
    (N.phone, "(03)1234-5678", "+81312345678"),
    (N.phone, "+81 3 1234 5678", "+81312345678"),
    (N.phone, "+81 (0)3-1234-5678", "+81312345678"),
    (N.phone, "0120-123-456", "+81120123456"),
    (N.phone, "０１２０－１２３－４５６", "+81120123456"),
    (N.phone, "0800-123-4567", "+818001234567"),
    (N.phone, "0570-123-456", "+81570123456"),
    (N.phone, "+1 212 555 1234", "+12125551234"),
    (N.phone, "+1 (212) 555-1234", "+12125551234"),
    (N.phone, "+44 20 7946 0958", "+442079460958"),
    (N.phone, "+33 1 23 45 67 89", "+33123456789"),
    (N.phone, "+86 138 1234 5678", "+8613812345678"),
    (N.phone, "+12345678", "+12345678"),
    (N.phone, "+123456789012345", "+123456789012345"),
    # email
    (N.email, "taro@example.com", "taro@example.com"),
    (N.email, "Taro.Yamada@Example.COM", "taro.yamada@example.com"),
    (N.email, "  taro@example.com\n", "taro@example.com"),
    (N.email, "Ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "taro@example.com"),
    (N.email, "taro+tag@mail.example.co.jp", "taro+tag@mail.example.co.jp"),
    (N.email, "taro..yamada.@docomo.ne.jp", "taro..yamada.@docomo.ne.jp"),
    (N.email, "o'brien_1{x}@example.ie", "o'brien_1{x}@example.ie"),
    (N.email, "a@b.co", "a@b.co"),
    (N.email, "user@sub-domain.example.com", "user@sub-domain.example.com"),
    (N.email, "user@例え.jp", "user@xn--r8jz45g.jp"),
    (N.email, "user@例え。jp", "user@xn--r8jz45g.jp"),
    (N.email, "user@例え．ｊｐ", "user@xn--r8jz45g.jp"),
    (N.email, "user@xn--r8jz45g.jp", "user@xn--r8jz45g.jp"),
    (N.email, "user@münchen.de", "user@xn--mnchen-3ya.de"),
    (N.email, "USER@MÜNCHEN.DE", "user@xn--mnchen-3ya.de"),
    (N.email, "a" * 64 + "@example.com", "a" * 64 + "@example.com"),
    (N.email, "a@" + "b" * 63 + ".com", "a@" + "b" * 63 + ".com"),
    # token
    (N.token, "A" * 64, "a" * 64),
    (N.token, "0123456789ABCDEFabcdef", "0123456789abcdefabcdef"),
    (N.token, "  deadbeef\n", "deadbeef"),
    (N.token, "6D92078A-8246-4BA4-AE5B-76104861E7DC", "6d92078a-8246-4ba4-ae5b-76104861e7dc"),
    (
        N.token,
        "dGhpcyBp:APA91bHun4MxP5eg-KMwt2KZ_FBaFUH",
        "dGhpcyBp:APA91bHun4MxP5eg-KMwt2KZ_FBaFUH",
    ),
    (N.token, "XyZ", "XyZ"),
    (N.token, "ＡＢ", "ＡＢ"),
    (N.token, "x" * 4096, "x" * 4096),
    # my_number
    (N.my_number, "123456789018", "123456789018"),
    (N.my_number, "621498320257", "621498320257"),
    (N.my_number, "1234 5678 9018", "123456789018"),
    (N.my_number, "1234-5678-9018", "123456789018"),
    (N.my_number, " 1234-5678-9018\n", "123456789018"),
    (N.my_number, "１２３４－５６７８－９０１８", "123456789018"),
    (N.my_number, "1234ー5678ー9018", "123456789018"),
    (N.my_number, "1234\u30005678\u30009018", "123456789018"),
]


@pytest.mark.parametrize(("kind", "value", "expected"), ACCEPTED)
def test_accepted(kind: Normaliser, value: object, expected: str) -> None:
    assert normalise(kind, value) == expected
    assert normalise(kind.value, value) == expected
    assert normalise(kind, expected) == expected  # the normal form is a fixed point


# ---------------------------------------------------------------------------- refused

REFUSED: list[tuple[Normaliser, object, Reason]] = [
    # wrong Python types, for every kind
    *((kind, 5, "wrong_type") for kind in Normaliser),
    *((kind, None, "wrong_type") for kind in Normaliser),
    *((kind, b"abc", "wrong_type") for kind in Normaliser),
    (N.phone, 9012345678, "wrong_type"),
    (N.my_number, 123456789018, "wrong_type"),
    (N.date, dt.datetime(2000, 1, 2, 3, 4), "wrong_type"),
    (N.date, 20000102, "wrong_type"),
    (N.text, dt.date(2000, 1, 2), "wrong_type"),
    (N.phone, True, "wrong_type"),
    # none
    (N.none, "x" * 1001, "too_long"),
    (N.none, "x" * 5000, "too_long"),
    (N.none, "a\ud800b", "bad_character"),
    # text
    (N.text, "", "empty"),
    (N.text, " \n\t\u3000 ", "empty"),
    (N.text, "a\x00b", "control_character"),
    (N.text, "a\x07", "control_character"),
    (N.text, "a\x1b[31m", "control_character"),
    (N.text, "a\x7fb", "control_character"),
    (N.text, "a\x85b", "control_character"),
    (N.text, "a\x0bb", "control_character"),
    (N.text, "a\x1fb", "control_character"),
    (N.text, "a\ud800b", "bad_character"),
    (N.text, "x" * 1001, "too_long"),
    (N.text, "x" * 4001, "too_long"),
    (N.text, "㍿" * 300, "too_long"),  # NFKC expands ㍿ to 株式会社
    # name
    (N.name, "", "empty"),
    (N.name, "\u3000", "empty"),
    (N.name, "12345", "no_letter"),
    (N.name, "・・・", "no_letter"),
    (N.name, "- _ .", "no_letter"),
    (N.name, "山田\x00", "control_character"),
    (N.name, "山田\udc80", "bad_character"),
    (N.name, "あ" * 201, "too_long"),
    # date
    (N.date, "", "empty"),
    (N.date, "   ", "empty"),
    (N.date, "2000-01-02T00:00:00", "not_a_date"),
    (N.date, "01/02/2000", "not_a_date"),
    (N.date, "2000/01-02", "not_a_date"),
    (N.date, "2000-001-02", "not_a_date"),
    (N.date, "X60.1.2", "not_a_date"),
    (N.date, "昭和60年", "not_a_date"),
    (N.date, "昭和60年1月", "not_a_date"),
    (N.date, "昭和六十年一月二日", "not_a_date"),
    (N.date, "S60.1/2", "not_a_date"),
    (N.date, "tomorrow", "not_a_date"),
    (N.date, "2001-02-29", "impossible_date"),
    (N.date, "2000-13-01", "impossible_date"),
    (N.date, "2000-00-10", "impossible_date"),
    (N.date, "2000-04-31", "impossible_date"),
    (N.date, "平成2年2月30日", "impossible_date"),
    (N.date, "R1.13.1", "impossible_date"),
    (N.date, "平成31年5月1日", "outside_era"),
    (N.date, "1899-12-31", "before_1900"),
    (N.date, "0999-01-01", "before_1900"),
    (N.date, dt.date(1899, 12, 31), "before_1900"),
    (N.date, "明治32年12月31日", "before_1900"),
    (N.date, "2000\x00-01-02", "control_character"),
    (N.date, "2" * 65, "too_long"),
    # phone
    (N.phone, "", "empty"),
    (N.phone, "   ", "empty"),
    (N.phone, "---", "empty"),
    (N.phone, "090-1234-567", "bad_length"),
    (N.phone, "090-1234-56789", "bad_length"),
    (N.phone, "0901234567", "bad_length"),  # 090 numbers have 11 digits
    (N.phone, "050-1234-567", "bad_length"),
    (N.phone, "03-1234-567", "bad_length"),
    (N.phone, "03-1234-56789", "bad_length"),
    (N.phone, "0120-123-4567", "bad_length"),
    (N.phone, "0800-123-456", "bad_length"),
    (N.phone, "+81 90 1234 567", "bad_length"),
    (N.phone, "+81", "bad_length"),
    (N.phone, "0", "bad_length"),
    (N.phone, "+1234567", "bad_length"),
    (N.phone, "+1234567890123456", "bad_length"),
    (N.phone, "+", "bad_length"),
    (N.phone, "9012345678", "bad_prefix"),
    (N.phone, "81 90 1234 5678", "bad_prefix"),
    (N.phone, "00-1234-5678", "bad_prefix"),
    (N.phone, "0044 20 7946 0958", "bad_prefix"),
    (N.phone, "010-1-212-555-1234", "bad_prefix"),
    (N.phone, "010-123-4567", "bad_prefix"),
    (N.phone, "+0 123 456 789", "bad_prefix"),
    (N.phone, "+81 00 1234 5678", "bad_prefix"),
    (N.phone, "0081 0 0 1234 5678", "bad_prefix"),
    (N.phone, "090-1234-567a", "bad_character"),
    (N.phone, "tel:090-1234-5678", "bad_character"),
    (N.phone, "+81+9012345678", "bad_character"),
    (N.phone, "090/1234/5678", "bad_character"),
    (N.phone, "090_1234_5678", "bad_character"),
    (N.phone, "٠٩٠١٢٣٤٥٦٧٨", "bad_character"),  # Arabic-Indic digits
    (N.phone, "090-1234-5678 内線12", "bad_character"),
    (N.phone, "090\x001234\x005678", "control_character"),
    (N.phone, "0" * 65, "too_long"),
    # email
    (N.email, "", "empty"),
    (N.email, "  ", "empty"),
    (N.email, "taro.example.com", "missing_at"),
    (N.email, "a@b@example.com", "multiple_at"),
    (N.email, "@example.com", "empty_local"),
    (N.email, "a" * 65 + "@example.com", "local_too_long"),
    (N.email, "ta ro@example.com", "bad_local"),
    (N.email, "山田@example.com", "bad_local"),
    (N.email, '"taro"@example.com', "bad_local"),
    (N.email, "taro(x)@example.com", "bad_local"),
    (N.email, "taro@", "bad_domain"),
    (N.email, "taro@localhost", "domain_without_dot"),
    (N.email, "taro@例え", "domain_without_dot"),
    (N.email, "taro@exa mple.com", "bad_domain"),
    (N.email, "taro@example..com", "bad_domain"),
    (N.email, "taro@-example.com", "bad_domain"),
    (N.email, "taro@example-.com", "bad_domain"),
    (N.email, "taro@example.com.", "bad_domain"),
    (N.email, "taro@.example.com", "bad_domain"),
    (N.email, "taro@exa_mple.com", "bad_domain"),
    (N.email, "taro@1.2.3.4", "bad_domain"),
    (N.email, "taro@[1.2.3.4]", "bad_domain"),
    (N.email, "taro@" + "b" * 64 + ".com", "bad_domain"),
    (N.email, "taro@例え..jp", "bad_domain"),
    (N.email, "taro@a_b.例え.jp", "bad_domain"),
    (N.email, "a@" + ("b" * 63 + ".") * 4 + "com", "bad_domain"),  # domain over 253
    (N.email, "a" * 64 + "@" + ("b" * 63 + ".") * 3 + "com", "too_long"),
    (N.email, "a" * 1020 + "@example.com", "too_long"),
    (N.email, "taro\x00@example.com", "control_character"),
    # token
    (N.token, "", "empty"),
    (N.token, " \n", "empty"),
    (N.token, "ab cd", "whitespace"),
    (N.token, "ab\tcd", "whitespace"),
    (N.token, "ab\u3000cd", "whitespace"),
    (N.token, "ab\x0bcd", "whitespace"),
    (N.token, "ab\x00cd", "control_character"),
    (N.token, "ab\x7fcd", "control_character"),
    (N.token, "ab\ud800cd", "bad_character"),
    (N.token, "x" * 4097, "too_long"),
    (N.token, "x" * 20000, "too_long"),
    # my_number
    (N.my_number, "", "empty"),
    (N.my_number, " - ", "empty"),
    (N.my_number, "12345678901", "bad_length"),
    (N.my_number, "1234567890180", "bad_length"),
    (N.my_number, "123456789012", "bad_check_digit"),
    (N.my_number, "621498320258", "bad_check_digit"),
    (N.my_number, "12345678901a", "bad_character"),
    (N.my_number, "1234/5678/9018", "bad_character"),
    (N.my_number, "1234.5678.9018", "bad_character"),
    (N.my_number, "1234\x005678\x009018", "bad_character"),
    (N.my_number, "1" * 65, "too_long"),
]


@pytest.mark.parametrize(("kind", "value", "reason"), REFUSED)
def test_refused(kind: Normaliser, value: object, reason: Reason) -> None:
    assert reason in REASONS
    exc = refused(kind, value)
    assert (exc.kind, exc.reason) == (kind, reason)
    expected = f"invalid {kind.value} value: {reason}"
    if reason == "wrong_type":
        assert exc.type_name == type(value).__name__
        expected += f" (got {type(value).__name__})"
    assert str(exc) == expected
    assert exc.__cause__ is None and exc.__context__ is None


def test_every_reason_is_exercised() -> None:
    used = {reason for _, _, reason in REFUSED} | {"in_future", "too_old"}
    assert used == REASONS


def test_invalid_value_is_a_value_error_and_pickles() -> None:
    exc = refused(N.phone, 9012345678)
    assert isinstance(exc, ValueError)
    copy = pickle.loads(pickle.dumps(exc))
    assert (copy.kind, copy.reason, copy.type_name, str(copy)) == (
        N.phone,
        "wrong_type",
        "int",
        str(exc),
    )


@pytest.mark.parametrize("kind", ["bogus", "", "Phone", 3])
def test_unknown_kind(kind: str) -> None:
    with pytest.raises(ValueError, match="unknown normaliser") as info:
        normalise(kind, "x")
    assert not isinstance(info.value, InvalidValue)


# ------------------------------------------------------------------------ era bounds

ERA_BOUNDARIES: list[tuple[str, str | None]] = [
    ("明治45年7月30日", "1912-07-30"),  # the day of change belongs to both eras
    ("明治45年7月31日", None),
    ("大正元年7月29日", None),
    ("大正元年7月30日", "1912-07-30"),
    ("大正15年12月25日", "1926-12-25"),  # likewise
    ("大正15年12月26日", None),
    ("昭和元年12月24日", None),
    ("昭和元年12月25日", "1926-12-25"),
    ("昭和64年1月7日", "1989-01-07"),
    ("昭和64年1月8日", None),
    ("S64.1.8", None),
    ("平成元年1月7日", None),
    ("平成元年1月8日", "1989-01-08"),
    ("H1.1.8", "1989-01-08"),
    ("平成31年4月30日", "2019-04-30"),
    ("平成31年5月1日", None),
    ("H31.5.1", None),
    ("令和元年4月30日", None),
    ("R1.4.30", None),
    ("令和元年5月1日", "2019-05-01"),
    ("令和0年5月1日", None),
    ("H0.1.8", None),
    ("昭和99年1月1日", None),
    ("大正16年1月1日", None),
]


@pytest.mark.parametrize(("value", "expected"), ERA_BOUNDARIES)
def test_era_boundaries(value: str, expected: str | None) -> None:
    if expected is None:
        assert refused(N.date, value).reason == "outside_era"
    else:
        assert normalise(N.date, value) == expected


TODAY = dt.date(2025, 6, 15)


@pytest.mark.parametrize(
    ("iso", "reason"),
    [
        ("2025-06-15", None),
        ("2000-01-02", None),
        ("1875-06-15", None),  # exactly 150
        ("1874-06-16", None),  # 150, turning 151 tomorrow
        ("1874-06-15", "too_old"),
        ("1800-01-01", "too_old"),
        ("2025-06-16", "in_future"),
        ("2100-01-01", "in_future"),
        ("2000/01/02", "not_a_date"),
        ("20000102", "not_a_date"),
        ("昭和60年1月2日", "not_a_date"),
        ("2001-02-29", "impossible_date"),
    ],
)
def test_validate_birth_date(iso: str, reason: Reason | None) -> None:
    if reason is None:
        assert birth(iso, TODAY) == iso
    else:
        with pytest.raises(InvalidValue) as info:
            birth(iso, TODAY)
        assert (info.value.kind, info.value.reason) == (N.date, reason)
        assert iso not in str(info.value)


def test_birth_date_leap_day() -> None:
    assert birth("1876-02-29", dt.date(2026, 2, 28)) == "1876-02-29"  # still 149
    assert birth("1876-02-29", dt.date(2026, 3, 1)) == "1876-02-29"  # 150
    with pytest.raises(InvalidValue):
        birth("1876-02-29", dt.date(2027, 3, 1))  # 151


# ------------------------------------------------------------------------- My Number

WEIGHTS = {n: n + 1 if n <= 6 else n - 5 for n in range(1, 12)}


def check_digit(base: str) -> int:
    """APPI.md's formula, written out independently of the module."""
    r = sum(int(base[-n]) * WEIGHTS[n] for n in range(1, 12)) % 11
    return 0 if r <= 1 else 11 - r


@pytest.mark.parametrize("number", ["123456789018", "621498320257"])
def test_my_number_examples(number: str) -> None:
    assert check_digit(number[:11]) == int(number[11])
    assert is_my_number(number)
    assert normalise(N.my_number, number) == number


CORRUPTIONS = [
    "123456789018"[:i] + d + "123456789018"[i + 1 :]
    for i in range(12)
    for d in "0123456789"
    if d != "123456789018"[i]
]


@pytest.mark.parametrize("corrupted", CORRUPTIONS)
def test_my_number_single_digit_corruptions(corrupted: str) -> None:
    assert not is_my_number(corrupted)
    assert refused(N.my_number, corrupted).reason == "bad_check_digit"


def test_corruptions_cover_every_position() -> None:
    assert len(CORRUPTIONS) == 12 * 9


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("123456789018", True),
        ("1234-5678-9018", True),
        ("１２３４ ５６７８ ９０１８", True),
        ("123456789012", False),
        ("12345678901", False),
        ("abc", False),
        ("", False),
        ("1" * 1000, False),
        (123456789018, False),
        (None, False),
    ],
)
def test_is_my_number(value: str, expected: bool) -> None:
    assert is_my_number(value) is expected


# -------------------------------------------------------- no value in any error message

NEAR_MISSES = {
    N.none: st.builds(str.__mul__, st.sampled_from(["ab", "名前"]), st.integers(501, 600)),
    N.text: st.text(alphabet="ab\x00\x07 \u3000", min_size=4),
    N.name: st.text(alphabet="0123 ・\x1b\u3000", min_size=4),
    N.date: st.text(alphabet="0123456789-/.年月日昭和平成令和SHR元", min_size=4, max_size=14),
    N.phone: st.text(alphabet="0123456789+-() 8１", min_size=4, max_size=18),
    N.email: st.text(alphabet="abAB@.-_ 例。", min_size=4, max_size=24),
    N.token: st.text(alphabet="aB0 \t\x00", min_size=4),
    N.my_number: st.text(alphabet="0123456789- ", min_size=4, max_size=16),
}


@pytest.mark.parametrize("kind", list(Normaliser))
@given(data=st.data())
def test_errors_never_contain_the_value(kind: Normaliser, data: st.DataObject) -> None:
    value = data.draw(st.one_of(st.text(min_size=4), NEAR_MISSES[kind]))
    try:
        normalise(kind, value)
    except InvalidValue as exc:
        template = f"invalid {kind.value} value: {exc.reason}"
        # The message is built from the kind and the reason code alone ...
        assert str(exc) == template and exc.args == (template,)
        assert exc.__cause__ is None and exc.__context__ is None
        # ... so it can contain the value only if the value is a piece of that template.
        if value not in template:
            assert value not in str(exc) and value not in repr(exc)


# ----------------------------------------------------------------------- idempotence

SEPARATORS = st.sampled_from(["-", " ", "", "ー", "－", "‐", "\u3000", "."])
FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


ELEVEN_DIGITS = frozenset({"020", "050", "060", "070", "080", "090"})
LANDLINE_STARTS = [
    start
    for start in (f"0{a}{b}" for a in "123456789" for b in "0123456789")
    if start not in ELEVEN_DIGITS and start != "010"
]


@st.composite
def jp_phone(draw: st.DrawFn) -> tuple[str, str]:
    """A Japanese number in some spelling, with its E.164 form."""
    mobile = st.builds(str.__add__, st.sampled_from(sorted(ELEVEN_DIGITS)), digits(8))
    landline = st.builds(str.__add__, st.sampled_from(LANDLINE_STARTS), digits(7))
    national = draw(st.one_of(mobile, landline))
    cut1 = draw(st.integers(2, 5))
    cut2 = draw(st.integers(cut1 + 1, len(national) - 1))
    sep = draw(SEPARATORS)
    spelled = sep.join([national[:cut1], national[cut1:cut2], national[cut2:]])
    prefix = draw(st.sampled_from(["", "+81 ", "+81 (0)", "0081-", "+81"]))
    if prefix and not prefix.endswith("(0)"):
        spelled = spelled[1:] if draw(st.booleans()) else spelled  # with or without trunk 0
    elif prefix:
        spelled = spelled[1:]
    spelled = prefix + spelled
    if draw(st.booleans()):
        spelled = spelled.translate(FULL_WIDTH)
    return spelled, "+81" + national[1:]


@given(jp_phone())
def test_phone_spellings(case: tuple[str, str]) -> None:
    spelled, e164 = case
    assert normalise(N.phone, spelled) == e164
    assert normalise(N.phone, e164) == e164


ERAS = [  # newest first: the day of change is written in the new era
    ("令和", "R", dt.date(2019, 5, 1)),
    ("平成", "H", dt.date(1989, 1, 8)),
    ("昭和", "S", dt.date(1926, 12, 25)),
    ("大正", "T", dt.date(1912, 7, 30)),
    ("明治", "M", dt.date(1868, 10, 23)),
]


def era_spelling(day: dt.date, template: str) -> str:
    """``day`` in an era form; ``template`` uses {era}, {letter}, {year}, {month}, {day}."""
    for kanji, letter, start in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return template.format(
                era=kanji, letter=letter, year=year, month=day.month, day=day.day
            )
    raise AssertionError(day)


DATE_FORMATS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month:02}.{d.day:02}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year}ー{d.month}ー{d.day}".translate(FULL_WIDTH),
    lambda d: era_spelling(d, "{era}{year}年{month}月{day}日"),
    lambda d: era_spelling(d, "{era}{year}年{month}月{day}日").replace("和1年", "和元年"),
    lambda d: era_spelling(d, "{letter}{year}.{month}.{day}"),
    lambda d: era_spelling(d, "{letter}{year}/{month:02}/{day:02}").translate(FULL_WIDTH),
    lambda d: era_spelling(d, "{era} {year} 年 {month} 月 {day} 日"),
]


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.sampled_from(DATE_FORMATS),
)
def test_date_spellings(day: dt.date, spell: typing.Callable[[dt.date], str]) -> None:
    assert normalise(N.date, spell(day)) == day.isoformat()
    assert normalise(N.date, day) == day.isoformat()


@st.composite
def my_numbers(draw: st.DrawFn) -> tuple[str, str]:
    base = draw(digits(11))
    number = base + str(check_digit(base))
    sep = draw(SEPARATORS.filter(lambda s: s != "."))
    spelled = sep.join([number[:4], number[4:8], number[8:]])
    if draw(st.booleans()):
        spelled = spelled.translate(FULL_WIDTH)
    return spelled, number


@given(my_numbers())
def test_my_number_spellings(case: tuple[str, str]) -> None:
    spelled, number = case
    assert normalise(N.my_number, spelled) == number
    assert is_my_number(spelled)


# Characters that NFKC, stripping and dropping separators can turn into a My Number's
# digits, or that sit next to them: the quick refusal in is_my_number must agree with the
# full check on every mix of them.
NEAR_DIGITS = "0123456789０１２３４５６７８９①⑫⒓¹ \t\u3000-‐ー−—+a山@.\x0b"


@given(
    st.one_of(
        st.text(alphabet=NEAR_DIGITS, max_size=20),
        my_numbers().map(lambda case: case[0]),
        my_numbers().map(lambda case: "\u3000" + case[0] + " "),
        st.text(max_size=20),
    )
)
def test_is_my_number_agrees_with_the_my_number_normaliser(value: str) -> None:
    try:
        normalise(N.my_number, value)
    except InvalidValue:
        assert not is_my_number(value)
    else:
        assert is_my_number(value)


ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LABEL = st.one_of(
    st.text(alphabet=ALNUM, min_size=1, max_size=10),
    st.builds(
        "{}-{}".format,
        st.text(alphabet=ALNUM, min_size=1, max_size=5),
        st.text(alphabet=ALNUM, min_size=1, max_size=5),
    ),
)
EMAILS = st.builds(
    "{}@{}.{}{}".format,
    st.text(alphabet="abcXYZ019._+-'", min_size=1, max_size=20),
    st.one_of(LABEL, st.text(alphabet="あいう例え", min_size=1, max_size=5)),
    st.lists(LABEL.map("{}.".format), max_size=2).map("".join),
    st.text(alphabet=ALNUM[:52], min_size=2, max_size=6),
)
TOKENS = st.one_of(
    st.text(alphabet="0123456789abcdefABCDEF", min_size=64, max_size=64),
    st.uuids().map(str).map(str.upper),
    st.uuids().map(uuid.UUID.__str__),
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1),
)
IDEMPOTENCE = {
    N.none: st.text(),
    N.text: st.text(),
    N.name: st.text(),
    N.date: st.one_of(
        st.text(),
        st.builds(
            lambda d, f: f(d),
            st.dates(min_value=dt.date(1900, 1, 1)),
            st.sampled_from(DATE_FORMATS),
        ),
    ),
    N.phone: st.one_of(st.text(), jp_phone().map(lambda c: c[0])),
    N.email: st.one_of(st.text(), EMAILS),
    N.token: st.one_of(st.text(), TOKENS),
    N.my_number: st.one_of(st.text(), my_numbers().map(lambda c: c[0])),
}


@pytest.mark.parametrize("kind", list(Normaliser))
@given(data=st.data())
def test_idempotent(kind: Normaliser, data: st.DataObject) -> None:
    value = data.draw(IDEMPOTENCE[kind])
    try:
        once = normalise(kind, value)
    except InvalidValue:
        return
    assert normalise(kind, once) == once


@given(EMAILS)
def test_generated_emails_are_accepted(email: str) -> None:
    once = normalise(N.email, email)
    assert once == once.lower() and once.isascii()


@given(TOKENS)
def test_generated_tokens_are_accepted(token: str) -> None:
    assert normalise(N.token, token) in {token, token.lower()}

"""Check digits against known valid and invalid numbers."""

from __future__ import annotations

import pytest

from mamori.discovery.recognizers.credit_card import brand, luhn_ok, validate_credit_card
from mamori.discovery.recognizers.health_insurer_number import (
    insurer_check_digit,
    validate_insurer_number,
)
from mamori.discovery.recognizers.my_number import my_number_check_digit, validate_my_number


@pytest.mark.parametrize("number", ["123456789018", "621498320257", "1234-5678-9018"])
def test_my_number_valid(number: str) -> None:
    assert validate_my_number(number)


@pytest.mark.parametrize(
    "number", ["123456789010", "123456789019", "621498320258", "12345678901", "1234567890180"]
)
def test_my_number_invalid(number: str) -> None:
    assert not validate_my_number(number)


def test_my_number_check_digit_formula() -> None:
    # r <= 1 gives 0: base 00000000001 has r = 2*1 = 2 -> 9; base 00000000000 -> 0
    assert my_number_check_digit("00000000000") == 0
    assert my_number_check_digit("00000000001") == 9
    # weights 7 -> Q = 2 (n - 5): the 7th digit from the right
    assert my_number_check_digit("00001000000") == 11 - (2 % 11)
    with pytest.raises(ValueError):
        my_number_check_digit("123")


@pytest.mark.parametrize("number", ["33120015", "06130017", "138057"])
def test_insurer_valid(number: str) -> None:
    assert validate_insurer_number(number)


@pytest.mark.parametrize("number", ["33120016", "33990019", "1380570", "139057", "06130013"])
def test_insurer_invalid(number: str) -> None:
    assert not validate_insurer_number(number)


def test_insurer_check_digit_method() -> None:
    # 3312001: from the right 1*2, 0*1, 0*2, 2*1, 1*2, 3*1, 3*2 -> 2+0+0+2+2+3+6 = 15 -> 5
    assert insurer_check_digit("3312001") == 5
    # a product of two digits is summed digit by digit: 9*2 = 18 -> 1 + 8
    assert insurer_check_digit("9") == (10 - 9) % 10


def test_luhn_and_brands() -> None:
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert brand("4111111111111111") == "visa"
    assert brand("5500000000000004") == "mastercard"
    assert brand("2221000000000009") == "mastercard"
    assert brand("378282246310005") == "amex"
    assert brand("3530111333300000") == "jcb"
    assert brand("30569309025904") == "diners"
    assert brand("6011111111111117") == "discover"
    assert brand("1234567812345670") is None
    assert validate_credit_card("3566-0020-2036-0505")
    assert not validate_credit_card("3500-0020-2036-0505")  # 3500 is not a JCB range

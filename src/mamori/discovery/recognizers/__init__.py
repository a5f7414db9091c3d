"""The built-in recognizers, one per module."""

from __future__ import annotations

from mamori.discovery.recognizer import Recognizer
from mamori.discovery.recognizers.advertising_id import ADVERTISING_ID
from mamori.discovery.recognizers.basic_pension_number import BASIC_PENSION_NUMBER
from mamori.discovery.recognizers.cookie_id import COOKIE_ID
from mamori.discovery.recognizers.credit_card import CREDIT_CARD
from mamori.discovery.recognizers.date_of_birth import DATE_OF_BIRTH
from mamori.discovery.recognizers.device_token import DEVICE_TOKEN
from mamori.discovery.recognizers.drivers_license import DRIVERS_LICENSE
from mamori.discovery.recognizers.email import EMAIL
from mamori.discovery.recognizers.health_insurer_number import HEALTH_INSURER_NUMBER
from mamori.discovery.recognizers.ip_address import IP_ADDRESS
from mamori.discovery.recognizers.jp_address import JP_ADDRESS, JP_ADDRESS_MUNICIPAL
from mamori.discovery.recognizers.jp_phone import JP_PHONE
from mamori.discovery.recognizers.my_number import MY_NUMBER
from mamori.discovery.recognizers.passport import PASSPORT
from mamori.discovery.recognizers.person_name import PERSON_NAME
from mamori.discovery.recognizers.postal_code import POSTAL_CODE
from mamori.discovery.recognizers.residence_card import RESIDENCE_CARD

__all__ = ["builtin"]


def builtin() -> list[Recognizer]:
    """Every built-in recognizer (shared, immutable instances)."""
    return [
        MY_NUMBER,
        JP_PHONE,
        POSTAL_CODE,
        JP_ADDRESS,
        JP_ADDRESS_MUNICIPAL,
        PERSON_NAME,
        EMAIL,
        CREDIT_CARD,
        IP_ADDRESS,
        DATE_OF_BIRTH,
        PASSPORT,
        RESIDENCE_CARD,
        DRIVERS_LICENSE,
        BASIC_PENSION_NUMBER,
        HEALTH_INSURER_NUMBER,
        DEVICE_TOKEN,
        ADVERTISING_ID,
        COOKIE_ID,
    ]

"""The built-in recognizers, one per module."""

from __future__ import annotations

from mamori.discovery.recognizer import Recognizer
from mamori.discovery.recognizers.email import EMAIL
from mamori.discovery.recognizers.jp_phone import JP_PHONE
from mamori.discovery.recognizers.my_number import MY_NUMBER

__all__ = ["builtin"]


def builtin() -> list[Recognizer]:
    """Every built-in recognizer (shared, immutable instances)."""
    return [MY_NUMBER, JP_PHONE, EMAIL]

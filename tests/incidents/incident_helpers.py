"""Helpers of the incident tests: the policy with special-care and financial items, times
in Tokyo, subjects made in bulk."""

from __future__ import annotations

import datetime as dt

from mamori.access import Actor
from mamori.core import Mamori
from mamori.vault.results import Collected

JST = dt.timezone(dt.timedelta(hours=9))


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    """A time in Tokyo."""
    return dt.datetime(year, month, day, hour, tzinfo=JST)


OFFICER = Actor("officer-1", "officer")
KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


def incident_policy(example_text: str) -> str:
    """The example with 病歴 (special care) and a card number (financial) declared."""
    text = example_text.replace(
        "  cookie_id:\n"
        "    label: {ja: Cookie ID, en: Cookie ID}\n"
        "    personally_referable: true\n"
        "    normaliser: token\n",
        "  cookie_id:\n"
        "    label: {ja: Cookie ID, en: Cookie ID}\n"
        "    personally_referable: true\n"
        "    normaliser: token\n"
        "  medical_history:\n"
        "    label: {ja: 病歴, en: Medical history}\n"
        "    class: special_care\n"
        "  card_number:\n"
        "    label: {ja: クレジットカード番号, en: Credit card number}\n"
        "    class: financial\n"
        "    normaliser: token\n",
    )
    text = text.replace(
        "    items: [name, birth_date, email, phone]\n",
        "    items: [name, birth_date, email, phone, medical_history, card_number]\n"
        "    consent_required: true\n",
        1,
    )
    assert "medical_history" in text and "consent_required: true" in text
    return text


def people(core: Mamori, count: int, *, email: bool = True, start: int = 0) -> list[str]:
    """``count`` subjects collected for account administration (with an email or not)."""
    rows = [
        (None, {"name": f"利用者{n}", **({"email": f"u{n}@example.jp"} if email else {})})
        for n in range(start, start + count)
    ]
    made = []
    for result in core.vault.collect_many(rows, "account_admin", OFFICER, "t"):
        assert isinstance(result, Collected)
        made.append(result.subject)
    return made

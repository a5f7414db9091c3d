"""Which item of the policy holds data of a found entity.

A small table says what each entity looks like in a policy (the normaliser its item would
use, its item class, words its label or id would contain); the policy's own ``detectors``
on an item win over the table; each of the words found adds to an item's score (住所 and
"address" both speak for a postal address item, "address" alone also for "Email address").
The best-scoring item is suggested, ties going to the item declared first; an entity no
item resembles (a class alone is not enough) gets no suggestion.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from mamori.policy.model import Item, ItemClass, Normaliser

__all__ = ["ENTITY_HINTS", "EntityHint", "suggest_item"]


@dataclass(frozen=True)
class EntityHint:
    normaliser: Normaliser | None = None
    item_class: ItemClass | None = None
    words: tuple[str, ...] = ()  # lower case; ASCII words match whole words of id or label


_ID = ItemClass.identification_code
ENTITY_HINTS: Mapping[str, EntityHint] = {
    "my_number": EntityHint(Normaliser.my_number, _ID, ("マイナンバー", "個人番号", "my number",
                                                        "my_number", "mynumber")),
    "jp_phone": EntityHint(Normaliser.phone, None, ("電話", "phone", "tel")),
    "postal_code": EntityHint(None, None, ("郵便番号", "住所", "postal", "zip", "address")),
    "jp_address": EntityHint(None, None, ("住所", "所在地", "address")),
    "person_name": EntityHint(Normaliser.name, None, ("氏名", "名前", "name")),
    "email": EntityHint(Normaliser.email, None, ("メール", "email", "mail")),
    "credit_card": EntityHint(None, ItemClass.financial, ("クレジットカード", "カード番号",
                                                          "card")),
    "ip_address": EntityHint(None, None, ("ipアドレス", "ip")),
    "date_of_birth": EntityHint(Normaliser.date, None, ("生年月日", "誕生日", "birth")),
    "passport": EntityHint(None, _ID, ("旅券", "パスポート", "passport")),
    "residence_card": EntityHint(None, _ID, ("在留カード", "residence")),
    "drivers_license": EntityHint(None, _ID, ("運転免許", "license", "licence")),
    "basic_pension_number": EntityHint(None, _ID, ("基礎年金", "年金", "pension")),
    "health_insurer_number": EntityHint(None, _ID, ("保険者", "保険証", "insurance",
                                                    "insurer")),
    "device_token": EntityHint(Normaliser.token, None, ("デバイストークン", "device", "token")),
    "advertising_id": EntityHint(Normaliser.token, None, ("広告", "advertising", "ad")),
    "cookie_id": EntityHint(Normaliser.token, None, ("cookie",)),
}  # fmt: skip

_DETECTOR, _WORD, _NORMALISER, _CLASS = 100, 3, 2, 1


def _texts(item_id: str, item: Item) -> tuple[str, set[str]]:
    """The item's labels (lower case) and the ASCII words of its id and labels."""
    labels = " ".join(x for x in (item.label.ja, item.label.en or "") if x).lower()
    words = set(item_id.split("_")) | set(re.findall(r"[a-z0-9]+", labels))
    return labels, words


def _matches(word: str, labels: str, words: set[str]) -> bool:
    if word.isascii():
        parts = re.findall(r"[a-z0-9]+", word)
        return word in labels or all(p in words for p in parts)
    return word in labels


def suggest_item(entity: str | None, items: Mapping[str, Item]) -> str | None:
    """The id of the policy item that best holds ``entity``'s data, or None."""
    if entity is None:
        return None
    hint = ENTITY_HINTS.get(entity, EntityHint())
    best: tuple[int, str] | None = None
    for item_id, item in items.items():
        score = _DETECTOR if entity in item.detectors else 0
        labels, words = _texts(item_id, item)
        score += _WORD * sum(1 for w in hint.words if _matches(w, labels, words))
        if hint.normaliser is not None and item.normaliser is hint.normaliser:
            score += _NORMALISER
        if hint.item_class is not None and item.class_ is hint.item_class:
            score += _CLASS
        if score >= _NORMALISER and (best is None or score > best[0]):
            best = (score, item_id)
    return None if best is None else best[1]

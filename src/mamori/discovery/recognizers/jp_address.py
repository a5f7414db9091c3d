"""Japanese addresses: a prefecture, a municipality, a district and block numbers
(``3丁目5番8号``, ``三丁目5-8``, ``1-2-3``), with a building and room when one follows.
Without a prefecture an address is recognised only after context such as 住所."""

from __future__ import annotations

from mamori.discovery.recognizer import Pattern, PatternRecognizer

__all__ = ["JP_ADDRESS", "JP_ADDRESS_MUNICIPAL", "PREFECTURES"]

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)  # fmt: skip

_PREF = "(?:" + "|".join(PREFECTURES) + ")"
_KANJI = "一-龥々〆ヶ"
_WORD = f"[{_KANJI}ぁ-んァ-ヶー]"
_NUM = "[0-9一二三四五六七八九十〇百]"
_MUNICIPALITY = f"(?:{_WORD}{{1,6}}?郡)?{_WORD}{{1,6}}?[市区町村](?:{_WORD}{{1,5}}?区)?"
_DISTRICT = f"(?:{_WORD}|[0-9]){{0,12}}?"
# 3丁目5番8号 / 三丁目5-8 / 3丁目 / 5番地8 / 12番3号 / 1-2-3 (a dash may be the long-vowel mark)
_BLOCK = (
    f"(?:{_NUM}+丁目(?:{_NUM}+(?:番地?|[-ー]|の){_NUM}+号?|{_NUM}+番地?)?"
    f"|{_NUM}+番地?(?:の?{_NUM}+号?)?"
    "|[0-9]+(?:[-ー][0-9]+){1,3})"
    # the block ends the address proper: not followed by more of a word or number
    f"(?![0-9{_KANJI}])"
)
_NOT_LABEL = "(?!電話|携帯|tel|TEL|Tel|fax|FAX|〒|メール|mail|E-mail)"
# a building: a name with katakana in it (ハイツ, コーポ, レジデンス) and a room number
_BUILDING = (
    f"(?: ?{_NOT_LABEL}(?=[^ ]{{0,16}}?[ァ-ヺ])(?:{_WORD}|[A-Za-z]){{1,16}}?[0-9]{{1,4}}"
    "(?:号室)?(?![0-9]))?"
)

JP_ADDRESS = PatternRecognizer(
    name="jp_address",
    entity="jp_address",
    trigger="[都道府県]",
    patterns=(Pattern("prefecture", _PREF + _MUNICIPALITY + _DISTRICT + _BLOCK + _BUILDING, 0.85),),
    context=("住所", "所在地", "address", "届け先", "送付先", "居所", "本籍"),
    context_boost=0.15,
)

JP_ADDRESS_MUNICIPAL = PatternRecognizer(
    name="jp_address_municipal",
    entity="jp_address",
    patterns=(
        Pattern(
            "municipality",
            "(?<![一-龥々ぁ-んァ-ヶー])" + _MUNICIPALITY + _DISTRICT + _BLOCK + _BUILDING,
            0.5,
        ),
    ),
    context=("住所", "所在地", "address", "届け先", "送付先", "居所", "本籍"),
    requires_context=True,
)

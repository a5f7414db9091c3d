"""Every recognizer, table-driven: positives, negatives, boundaries, full-width forms, values
glued to Japanese text, dash variants; offsets always point into the text as given."""

from __future__ import annotations

import pytest

from mamori.discovery import ENTITIES, Finding, Registry, scan_text

DASHES = ["-", "‐", "–", "—", "−", "ー", "ｰ", "―", "－"]


def wide(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def found(text: str, entity: str, **kw: object) -> list[str]:
    """The values of ``entity`` found in ``text``, cut from the ORIGINAL text."""
    return [text[f.start : f.end] for f in scan_text(text, **kw) if f.entity == entity]  # type: ignore[arg-type]


# (entity, text, expected values) -- an empty list means "nothing of this entity"
CASES: list[tuple[str, str, list[str]]] = [
    # My Number: check digit, groups, glued, full-width, context, hard negatives
    ("my_number", "マイナンバーは123456789018です", ["123456789018"]),
    ("my_number", "個人番号:6214-9832-0257", ["6214-9832-0257"]),
    ("my_number", "個人番号１２３４５６７８９０１８を提出", ["１２３４５６７８９０１８"]),
    ("my_number", "個人番号 1234 5678 9018", ["1234 5678 9018"]),
    ("my_number", "マイナンバー123456789011", []),  # wrong check digit
    ("my_number", "注文番号123456789018", []),  # valid digit, but an order number
    ("my_number", "番号1234567890189", []),  # 13 digits
    ("my_number", "No123456789018", ["123456789018"]),  # a letter label is fine
    ("my_number", "ff123456789018", []),  # inside a hex string
    # phones
    ("jp_phone", "電話090-1234-5678まで", ["090-1234-5678"]),
    ("jp_phone", "携帯０８０ー１２３４ー５６７８", ["０８０ー１２３４ー５６７８"]),
    ("jp_phone", "TEL03-1234-5678（代表）", ["03-1234-5678"]),
    ("jp_phone", "045-123-4567に電話", ["045-123-4567"]),
    ("jp_phone", "0466-12-3456", ["0466-12-3456"]),
    ("jp_phone", "01267-2-3456", ["01267-2-3456"]),
    ("jp_phone", "フリーダイヤル0120-123-456", ["0120-123-456"]),
    ("jp_phone", "0800-123-4567", ["0800-123-4567"]),
    ("jp_phone", "+81-90-1234-5678", ["+81-90-1234-5678"]),
    ("jp_phone", "+81 3 1234 5678", ["+81 3 1234 5678"]),
    ("jp_phone", "03(1234)5678", ["03(1234)5678"]),
    ("jp_phone", "電話09012345678", ["09012345678"]),
    ("jp_phone", "090-1234-56789", []),  # too long
    ("jp_phone", "090-123-5678", []),  # a mobile needs 11 digits
    ("jp_phone", "注文番号 0312345678", []),
    # postal codes
    ("postal_code", "〒100-0001東京都", ["100-0001"]),
    ("postal_code", "〒１００－０００１", ["１００－０００１"]),
    ("postal_code", "郵便番号1000001", ["1000001"]),
    ("postal_code", "1000001", []),  # seven plain digits without context
    ("postal_code", "品番 123-4567", []),
    ("postal_code", "03-123-4567", []),  # part of a phone number
    # addresses
    ("jp_address", "住所は東京都千代田区千代田1-1-1です", ["東京都千代田区千代田1-1-1"]),
    ("jp_address", "大阪府大阪市北区梅田三丁目1番3号に移転", ["大阪府大阪市北区梅田三丁目1番3号"]),
    ("jp_address", "北海道札幌市中央区北1条西2丁目", ["北海道札幌市中央区北1条西2丁目"]),
    (
        "jp_address",
        "神奈川県横浜市西区みなとみらい2ー3ー1",
        ["神奈川県横浜市西区みなとみらい2ー3ー1"],
    ),
    (
        "jp_address",
        "東京都港区芝公園4丁目2番8号 芝公園ハイツ101 電話03-1234-5678",
        ["東京都港区芝公園4丁目2番8号 芝公園ハイツ101"],
    ),
    ("jp_address", "住所：港区芝公園4-2-8", ["港区芝公園4-2-8"]),
    ("jp_address", "東京都の天気は晴れ", []),
    ("jp_address", "港区芝公園4-2-8", []),  # no prefecture and no context
    # names
    ("person_name", "担当の山田太郎様に連絡", ["山田太郎"]),
    ("person_name", "氏名：佐藤 花子", ["佐藤 花子"]),
    ("person_name", "鈴木さんから電話", ["鈴木"]),
    ("person_name", "昨日田中太郎と会った", ["田中太郎"]),
    ("person_name", "お名前 ヤマダ タロウ", ["ヤマダ タロウ"]),
    ("person_name", "Name: Taro Yamada", ["Taro Yamada"]),
    ("person_name", "氏名：山田　太郎", ["山田　太郎"]),
    ("person_name", "お客様各位、いつもありがとうございます", []),
    ("person_name", "株式会社山田の決算", []),
    # email
    ("email", "メールはtaro.yamada@example.co.jpまで", ["taro.yamada@example.co.jp"]),
    ("email", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ宛", ["ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"]),
    ("email", "user@localhost", []),
    ("email", "a..b@example.com", []),
    # cards
    ("credit_card", "カード4111-1111-1111-1111で", ["4111-1111-1111-1111"]),
    ("credit_card", "3530111333300000", ["3530111333300000"]),
    ("credit_card", "AMEX 3782 822463 10005", ["3782 822463 10005"]),
    ("credit_card", "4111-1111-1111-1112", []),  # Luhn fails
    ("credit_card", "1234567812345670", []),  # Luhn passes, no brand
    # IP
    ("ip_address", "接続元192.168.0.1から", ["192.168.0.1"]),
    ("ip_address", "IP：２００１：ｄｂ８：：１", ["２００１：ｄｂ８：：１"]),
    ("ip_address", "fe80::1ff:fe23:4567:890a%", ["fe80::1ff:fe23:4567:890a"]),
    ("ip_address", "256.1.1.1", []),
    ("ip_address", "バージョン1.2.3.4をリリース", []),
    ("ip_address", "12:30:45に開始", []),
    # dates of birth
    ("date_of_birth", "生年月日：昭和60年1月2日", ["昭和60年1月2日"]),
    ("date_of_birth", "平成元年5月10日生まれ", ["平成元年5月10日"]),
    ("date_of_birth", "誕生日は令和二年三月四日", ["令和二年三月四日"]),
    ("date_of_birth", "生年月日 S60.1.2", ["S60.1.2"]),
    ("date_of_birth", "DOB: 1985/01/02", ["1985/01/02"]),
    ("date_of_birth", "生年月日１９８５年１月２日", ["１９８５年１月２日"]),
    ("date_of_birth", "1985年1月2日（39歳）", ["1985年1月2日"]),
    ("date_of_birth", "2024年3月15日に発送しました", []),
    ("date_of_birth", "生年月日：昭和65年1月2日", []),  # Showa ended in its 64th year
    ("date_of_birth", "生年月日1985年2月30日", []),
    ("date_of_birth", "生年月日：平成3年4月5日、ご注文日：2024年5月6日", ["平成3年4月5日"]),
    # passport, residence card, licence, pension, insurer
    ("passport", "旅券番号TK1234567", ["TK1234567"]),
    ("passport", "型番TK1234567", []),
    ("residence_card", "在留カードAB12345678CD", ["AB12345678CD"]),
    ("residence_card", "AB12345678CDE", []),
    ("drivers_license", "運転免許証番号：301234567890", ["301234567890"]),
    ("drivers_license", "免許証番号991234567890", []),  # no commission 99
    ("drivers_license", "番号301234567890", []),
    ("basic_pension_number", "基礎年金番号1234-567890", ["1234-567890"]),
    ("basic_pension_number", "1234-567890", []),
    ("health_insurer_number", "保険者番号33120015", ["33120015"]),
    ("health_insurer_number", "保険者番号33120016", []),
    ("health_insurer_number", "番号33120015", []),
    # device, advertising, cookie identifiers
    ("device_token", "deviceToken=" + "a1" * 32, ["a1" * 32]),
    ("device_token", "SHA-256: " + "a1" * 32, []),
    ("device_token", "fcm " + "d" * 22 + ":APA91b" + "x" * 140, ["d" * 22 + ":APA91b" + "x" * 140]),
    (
        "advertising_id",
        "IDFA：6D92078A-8246-4BA4-AE5B-76104861E7DC",
        ["6D92078A-8246-4BA4-AE5B-76104861E7DC"],
    ),
    ("advertising_id", "IDFA 00000000-0000-0000-0000-000000000000", []),
    ("advertising_id", "リクエストID 6D92078A-8246-4BA4-AE5B-76104861E7DC", []),
    ("cookie_id", "Cookie: _ga=GA1.2.1234567890.1234567890", ["GA1.2.1234567890.1234567890"]),
    (
        "cookie_id",
        "sessionid=3f9c2a7b1e4d5f6a7b8c9d0e1f2a3b4c; path=/",
        ["3f9c2a7b1e4d5f6a7b8c9d0e1f2a3b4c"],
    ),
    ("cookie_id", "sessionid=aaaaaaaaaaaaaaaaaaaa", []),
]


@pytest.mark.parametrize(("entity", "text", "expected"), CASES)
def test_recognizer_table(entity: str, text: str, expected: list[str]) -> None:
    assert found(text, entity) == expected


def test_every_entity_has_cases() -> None:
    assert {c[0] for c in CASES} == set(ENTITIES)


@pytest.mark.parametrize("dash", DASHES)
def test_every_dash_variant_between_digits(dash: str) -> None:
    phone = dash.join(["090", "1234", "5678"])
    postal = "〒150" + dash + "0002"
    number = dash.join(["6214", "9832", "0257"])
    text = f"電話{phone}、{postal}、個人番号{number}"
    assert found(text, "jp_phone") == [phone]
    assert found(text, "postal_code") == ["150" + dash + "0002"]
    assert found(text, "my_number") == [number]


def test_full_width_values_map_back_to_the_original() -> None:
    text = (
        "氏名：山田　太郎　電話：" + wide("090-1234-5678") + "　メール：" + wide("taro@example.com")
    )
    values = {f.entity: text[f.start : f.end] for f in scan_text(text)}
    assert values["jp_phone"] == wide("090-1234-5678")
    assert values["email"] == wide("taro@example.com")
    assert values["person_name"] == "山田　太郎"


def test_offsets_survive_characters_that_change_length() -> None:
    # ㍻ becomes 平成 and ｶﾞ becomes ガ: later offsets still point into the original
    text = "㍻元年ｶﾞ、生年月日：平成元年1月8日、電話090-1234-5678"
    fs = scan_text(text)
    values = {f.entity: text[f.start : f.end] for f in fs}
    assert values["date_of_birth"] == "平成元年1月8日"
    assert values["jp_phone"] == "090-1234-5678"


def test_era_ligature_counts_as_an_era() -> None:
    text = "生年月日：㍼60年1月2日"
    assert found(text, "date_of_birth") == ["㍼60年1月2日"]


def test_findings_are_ordered_and_typed() -> None:
    text = "電話090-1234-5678、メールa@example.com、〒100-0001"
    fs = scan_text(text)
    assert [f.start for f in fs] == sorted(f.start for f in fs)
    assert all(isinstance(f, Finding) and 0 < f.score <= 1 for f in fs)
    assert {f.recognizer for f in fs} == {"jp_phone", "email", "postal_code"}


def test_caller_context_raises_score_and_satisfies_required_context() -> None:
    plain = scan_text("0312345678")
    with_col = scan_text("0312345678", context=["電話番号"])
    assert plain and with_col
    assert with_col[0].score > plain[0].score
    assert found("301234567890", "drivers_license") == []
    assert [f.entity for f in scan_text("301234567890", context=["運転免許証番号"])] == [
        "drivers_license"
    ]
    assert [f.entity for f in scan_text("山田太郎", context=["氏名"])] == ["person_name"]


def test_licence_context_wins_over_my_number() -> None:
    # 301234567896 has a valid My Number check digit; the context says licence
    assert found("マイナンバー301234567896", "my_number") == ["301234567896"]
    assert found("運転免許証番号301234567896", "drivers_license") == ["301234567896"]
    assert found("運転免許証番号301234567896", "my_number") == []


def test_entities_filter() -> None:
    text = "電話090-1234-5678、メールa@example.com"
    assert {f.entity for f in scan_text(text, entities=["email"])} == {"email"}
    assert scan_text(text, entities=[]) == []


def test_default_registry_reports_every_entity() -> None:
    assert set(Registry.default().entities) == set(ENTITIES)


def test_empty_and_plain_text() -> None:
    assert scan_text("") == []
    assert scan_text("今日は良い天気です。") == []

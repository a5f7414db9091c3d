"""Labelled Japanese sentences and records for the discovery benchmark (fixed seed).

Each record is ``{"text": str, "spans": [[start, end, entity], ...]}``. Values come from
Faker's ``ja_JP`` locale and from generators here (My Numbers with a valid check digit,
insurer numbers, licences, tokens); templates put them in sentences and form-like records,
glued to Japanese text without spaces, in full-width forms, with every dash variant, and in
era dates. Hard negatives carry no span: order numbers, product codes, dates that are not
births, 12-digit numbers failing the My Number check, hashes, request IDs, versions.

    python bench/discovery_data/generate.py [--records N] [--seed S] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import string
import uuid
from collections.abc import Callable
from pathlib import Path

from faker import Faker

DASHES = ["-", "-", "-", "‐", "–", "—", "−", "ー", "ｰ", "―", "－"]
ERAS = [("明治", 1868), ("大正", 1912), ("昭和", 1926), ("平成", 1989), ("令和", 2019)]
KANJI = "〇一二三四五六七八九"

Part = str | tuple[str, str]


def full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def kanji_number(n: int) -> str:
    if n < 10:
        return KANJI[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else KANJI[tens]) + "十" + (KANJI[ones] if ones else "")


class Values:
    """Random values of each entity, and hard negatives."""

    def __init__(self, rng: random.Random, fake: Faker) -> None:
        self.r = rng
        self.f = fake

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def dash(self) -> str:
        return self.r.choice(DASHES)

    def group(self, parts: list[str], spaced: bool = True) -> str:
        style = self.r.random()
        if style < 0.45:
            d = self.dash()
            return d.join(parts)
        if style < 0.6 and spaced:
            return " ".join(parts)
        return "".join(parts)

    # -- entities -------------------------------------------------------------------
    def my_number(self, valid: bool = True) -> str:
        base = self.digits(11)
        total = sum(int(c) * (n + 1 if n <= 6 else n - 5) for n, c in enumerate(reversed(base), 1))
        r = total % 11
        check = 0 if r <= 1 else 11 - r
        if not valid:
            check = (check + self.r.randint(1, 9)) % 10
        d = base + str(check)
        return self.group([d[:4], d[4:8], d[8:]])

    def phone(self) -> str:
        kind = self.r.random()
        if kind < 0.4:
            parts = [self.r.choice(["090", "080", "070", "050"]), self.digits(4), self.digits(4)]
        elif kind < 0.7:
            area = self.r.choice(["3", "6", "45", "52", "75", "92", "466", "554", "1234"])
            area = "0" + area
            rest = 9 - len(area) + 1
            mid = {2: 4, 3: 3, 4: 2, 5: 1}[len(area)]
            parts = [
                area,
                str(self.r.randint(1, 9)) + self.digits(mid - 1),
                self.digits(rest - mid),
            ]
        elif kind < 0.85:
            parts = self.r.choice(
                [["0120", self.digits(3), self.digits(3)], ["0800", self.digits(3), self.digits(4)]]
            )
        else:
            head = self.r.choice(["90", "80", "3", "6"])
            body = [str(self.r.randint(1, 9)) + self.digits(3), self.digits(4)]
            return (
                "+81-" + "-".join([head, *body])
                if self.r.random() < 0.5
                else "+81 " + " ".join([head, *body])
            )
        d = self.dash()
        return d.join(parts) if self.r.random() < 0.85 else "".join(parts)

    def postal(self) -> str:
        return self.digits(3) + self.dash() + self.digits(4)

    def address(self) -> str:
        a: str = self.f.address()
        roll = self.r.random()
        if roll < 0.25:  # 3丁目5番8号 -> 三丁目5番8号
            import re

            a = re.sub(r"([0-9]+)丁目", lambda m: kanji_number(int(m.group(1)) % 100) + "丁目", a)
        elif roll < 0.5:  # 3丁目5番8号 -> 3-5-8
            import re

            d = self.dash()
            a = re.sub(r"([0-9]+)丁目([0-9]+)番([0-9]+)号", rf"\1{d}\2{d}\3", a)
        return a

    def name(self) -> str:
        roll = self.r.random()
        if roll < 0.55:
            return self.f.last_name() + self.r.choice([" ", "　", ""]) + self.f.first_name()
        if roll < 0.7:
            return self.f.last_name()
        if roll < 0.85:
            return self.f.last_kana_name() + self.r.choice([" ", "　"]) + self.f.first_kana_name()
        return self.f.first_romanized_name() + " " + self.f.last_romanized_name()

    def email(self) -> str:
        return self.r.choice([self.f.email, self.f.free_email, self.f.company_email])()

    def card(self) -> str:
        prefix, length = self.r.choice(
            [
                ("4", 16),
                ("4", 16),
                ("5" + str(self.r.randint(1, 5)), 16),
                ("2221", 16),
                (str(self.r.randint(3528, 3589)), 16),
                ("3" + self.r.choice("47"), 15),
                ("36", 14),
                ("6011", 16),
            ]
        )
        body = prefix + self.digits(length - len(prefix) - 1)
        d = body + str(next(c for c in range(10) if luhn(body + str(c))))
        if len(d) == 16:
            return self.group([d[:4], d[4:8], d[8:12], d[12:]])
        if len(d) == 15:
            return self.group([d[:4], d[4:10], d[10:]])
        return self.group([d[:4], d[4:10], d[10:]]) if len(d) == 14 else d

    def ip(self) -> str:
        return self.f.ipv4() if self.r.random() < 0.7 else self.f.ipv6()

    def birth(self) -> str:
        d = self.f.date_of_birth(minimum_age=5, maximum_age=95)
        roll = self.r.random()
        if roll < 0.3:
            return f"{d.year}年{d.month}月{d.day}日"
        if roll < 0.45:
            sep = self.r.choice(["/", "-", "."])
            return f"{d.year}{sep}{d.month:02d}{sep}{d.day:02d}"
        era, first = next(
            e for e in reversed(ERAS) if d.year > e[1] or (d.year == e[1] and d.month >= 6)
        )
        y = d.year - first + 1
        if roll < 0.55:
            letter = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}[era]
            return f"{letter}{y}.{d.month}.{d.day}"
        if roll < 0.65:
            year = kanji_number(y) if y != 1 else "元"
            return f"{era}{year}年{kanji_number(d.month)}月{kanji_number(d.day)}日"
        return f"{era}{'元' if y == 1 else y}年{d.month}月{d.day}日"

    def passport(self) -> str:
        return self.r.choice(["TK", "TR", "TZ", "MU", "ME", "TH", "MZ", "TS"]) + self.digits(7)

    def residence(self) -> str:
        up = string.ascii_uppercase
        return (
            "".join(self.r.choice(up) for _ in range(2))
            + self.digits(8)
            + "".join(self.r.choice(up) for _ in range(2))
        )

    def licence(self) -> str:
        return f"{self.r.randint(10, 97)}{self.digits(10)}"

    def pension(self) -> str:
        return self.digits(4) + self.r.choice(["-", "", self.dash()]) + self.digits(6)

    def insurer(self) -> str:
        if self.r.random() < 0.75:
            base = self.r.choice(["01", "06", "31", "32", "33", "34", "39", "63", "67"])
            base += f"{self.r.randint(1, 47):02d}" + self.digits(3)
        else:
            base = f"{self.r.randint(1, 47):02d}" + self.digits(3)
        total = 0
        for i, c in enumerate(reversed(base)):
            p = int(c) * (2 if i % 2 == 0 else 1)
            total += p // 10 + p % 10
        return base + str((10 - total % 10) % 10)

    def hex(self, n: int) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def device_token(self) -> str:
        if self.r.random() < 0.75:
            return self.hex(64)
        alnum = string.ascii_letters + string.digits + "-_"
        return (
            "".join(self.r.choice(alnum) for _ in range(22))
            + ":APA91b"
            + "".join(self.r.choice(alnum) for _ in range(134))
        )

    def uuid(self) -> str:
        u = str(uuid.UUID(int=self.r.getrandbits(128), version=4))
        return u.upper() if self.r.random() < 0.5 else u

    def cookie(self) -> str:
        roll = self.r.random()
        if roll < 0.4:
            return f"GA1.2.{self.r.randint(10**8, 10**10)}.{self.r.randint(10**9, 2 * 10**9)}"
        if roll < 0.7:
            return self.hex(32)
        return self.uuid().lower()


def _templates(v: Values) -> dict[str, list[Callable[[], list[Part]]]]:
    """Per entity, functions returning text parts; a tuple part is a labelled value."""
    fw = v.r
    return {
        "my_number": [
            lambda: ["マイナンバー：", (v.my_number(), "my_number")],
            lambda: ["個人番号は", (v.my_number(), "my_number"), "です。"],
            lambda: ["お客様の個人番号(", (v.my_number(), "my_number"), ")を確認しました"],
            lambda: ["本人確認書類として", (v.my_number(), "my_number"), "の提出がありました。"],
            lambda: ["My Number: ", (v.my_number(), "my_number")],
        ],
        "jp_phone": [
            lambda: ["電話番号：", (v.phone(), "jp_phone")],
            lambda: ["お問い合わせは", (v.phone(), "jp_phone"), "までお電話ください。"],
            lambda: ["TEL", (v.phone(), "jp_phone"), "（平日9時〜18時）"],
            lambda: ["携帯", (v.phone(), "jp_phone"), "に折り返し連絡をお願いします"],
            lambda: ["連絡先は", (v.phone(), "jp_phone"), "です"],
            lambda: [(v.phone(), "jp_phone"), "から着信がありました。"],
        ],
        "postal_code": [
            lambda: ["〒", (v.postal(), "postal_code"), " ", (v.address(), "jp_address")],
            lambda: ["郵便番号", (v.postal(), "postal_code"), "の地域へ配送します"],
            lambda: ["〒", (v.postal(), "postal_code"), "宛てに書類を送付"],
        ],
        "jp_address": [
            lambda: ["住所：", (v.address(), "jp_address")],
            lambda: [(v.address(), "jp_address"), "に引っ越しました。"],
            lambda: ["お届け先は", (v.address(), "jp_address"), "です"],
            lambda: ["現住所", (v.address(), "jp_address"), "、電話", (v.phone(), "jp_phone")],
        ],
        "person_name": [
            lambda: ["氏名：", (v.name(), "person_name")],
            lambda: [(v.name(), "person_name"), "様、いつもご利用ありがとうございます。"],
            lambda: ["担当の", (v.name(), "person_name"), "さんから連絡がありました。"],
            lambda: ["お名前 ", (v.name(), "person_name"), "　ご予約日 2024年5月1日"],
            lambda: ["申込者：", (v.name(), "person_name"), "（", (v.phone(), "jp_phone"), "）"],
            lambda: [
                "昨日、",
                (v.f.last_name() + v.f.first_name(), "person_name"),
                "と打ち合わせをした。",
            ],
            lambda: [
                "Name: ",
                (v.f.first_romanized_name() + " " + v.f.last_romanized_name(), "person_name"),
            ],
        ],
        "email": [
            lambda: ["メール：", (v.email(), "email")],
            lambda: ["ご連絡は", (v.email(), "email"), "までお願いします。"],
            lambda: [(v.email(), "email"), "宛に請求書を送付しました"],
            lambda: ["E-mail ", (v.email(), "email"), " / 電話 ", (v.phone(), "jp_phone")],
        ],
        "credit_card": [
            lambda: ["カード番号：", (v.card(), "credit_card")],
            lambda: ["お支払いはクレジットカード(", (v.card(), "credit_card"), ")で完了しました"],
            lambda: [(v.card(), "credit_card"), "のカードで決済"],
            lambda: ["card no. ", (v.card(), "credit_card"), " exp 12/27"],
        ],
        "ip_address": [
            lambda: ["接続元IP：", (v.ip(), "ip_address")],
            lambda: ["アクセス元", (v.ip(), "ip_address"), "からのログインを検知しました。"],
            lambda: [(v.ip(), "ip_address"), "からの不正アクセスを遮断"],
            lambda: ["remote_addr=", (v.ip(), "ip_address"), " status=200"],
        ],
        "date_of_birth": [
            lambda: ["生年月日：", (v.birth(), "date_of_birth")],
            lambda: [(v.birth(), "date_of_birth"), "生まれの会員です"],
            lambda: ["誕生日は", (v.birth(), "date_of_birth"), "です。"],
            lambda: ["DOB: ", (v.birth(), "date_of_birth")],
            lambda: [
                "生年月日",
                (v.birth(), "date_of_birth"),
                "（",
                str(fw.randint(5, 90)),
                "歳）",
            ],
        ],
        "passport": [
            lambda: ["旅券番号：", (v.passport(), "passport")],
            lambda: ["パスポート番号は", (v.passport(), "passport"), "です"],
            lambda: ["passport no. ", (v.passport(), "passport")],
        ],
        "residence_card": [
            lambda: ["在留カード番号：", (v.residence(), "residence_card")],
            lambda: ["在留カード", (v.residence(), "residence_card"), "を確認済み"],
            lambda: [(v.residence(), "residence_card"), "の在留カードの写しを受領"],
        ],
        "drivers_license": [
            lambda: ["運転免許証番号：", (v.licence(), "drivers_license")],
            lambda: ["免許証番号", (v.licence(), "drivers_license"), "で本人確認しました"],
            lambda: ["driver's license ", (v.licence(), "drivers_license")],
        ],
        "basic_pension_number": [
            lambda: ["基礎年金番号：", (v.pension(), "basic_pension_number")],
            lambda: ["基礎年金番号は", (v.pension(), "basic_pension_number"), "です"],
            lambda: ["年金手帳の番号", (v.pension(), "basic_pension_number"), "を記入"],
        ],
        "health_insurer_number": [
            lambda: ["保険者番号：", (v.insurer(), "health_insurer_number")],
            lambda: ["保険証の保険者番号", (v.insurer(), "health_insurer_number"), "を登録"],
            lambda: ["insurer no. ", (v.insurer(), "health_insurer_number")],
        ],
        "device_token": [
            lambda: ["デバイストークン：", (v.device_token(), "device_token")],
            lambda: ["deviceToken=", (v.device_token(), "device_token")],
            lambda: ["プッシュ通知先", (v.device_token(), "device_token"), "を登録しました"],
        ],
        "advertising_id": [
            lambda: ["IDFA：", (v.uuid(), "advertising_id")],
            lambda: ["広告ID", (v.uuid(), "advertising_id"), "を取得"],
            lambda: ["aaid=", (v.uuid(), "advertising_id"), "&event=install"],
        ],
        "cookie_id": [
            lambda: ["Cookie: _ga=", (v.cookie(), "cookie_id")],
            lambda: ["セッションID：", (v.cookie(), "cookie_id")],
            lambda: ["クッキーID", (v.cookie(), "cookie_id"), "を保存しました"],
            lambda: ["sessionid=", (v.cookie(), "cookie_id"), "; path=/"],
        ],
    }


def _negatives(v: Values) -> list[Callable[[], list[Part]]]:
    """Hard negatives: values shaped like personal data that are not."""
    return [
        lambda: ["注文番号：", v.my_number(valid=False), "のご注文を承りました。"],
        lambda: ["お問い合わせ番号", v.my_number(valid=False), "でお調べください"],
        lambda: [v.my_number(valid=False), "件のアクセスがありました"],
        lambda: ["注文番号 ", f"{v.r.randint(2020, 2025)}-{v.digits(4)}-{v.digits(4)}"],
        lambda: [
            "型番",
            "".join(v.r.choice(string.ascii_uppercase) for _ in range(2)) + v.digits(7),
            "の在庫があります",
        ],
        lambda: ["商品コード", "SKU-" + v.digits(4) + "-" + v.digits(4), "は欠品中です"],
        lambda: [
            f"{v.r.randint(2020, 2025)}年{v.r.randint(1, 12)}月{v.r.randint(1, 28)}日"
            "に発送しました。"
        ],
        lambda: [
            f"令和{v.r.randint(2, 6)}年{v.r.randint(1, 12)}月{v.r.randint(1, 28)}日から施行します"
        ],
        lambda: [
            f"締切は{v.r.randint(2020, 2025)}/{v.r.randint(1, 12):02d}/{v.r.randint(1, 28):02d}です"
        ],
        lambda: [
            "バージョン",
            f"{v.r.randint(1, 9)}.{v.r.randint(0, 20)}.{v.r.randint(0, 9)}.{v.r.randint(0, 99)}",
            "をリリース",
        ],
        lambda: ["SHA-256: ", v.hex(64)],
        lambda: ["コミット", v.hex(40), "で修正"],
        lambda: ["リクエストID ", v.uuid(), " の処理に失敗しました"],
        lambda: ["合計", f"{v.r.randint(1, 999)},{v.r.randint(100, 999)}", "円（税込）"],
        lambda: [
            "開始時刻 ",
            f"{v.r.randint(0, 23):02d}:{v.r.randint(0, 59):02d}:{v.r.randint(0, 59):02d}",
        ],
        lambda: [
            "追跡番号",
            v.digits(4) + "-" + v.digits(4) + "-" + v.digits(4),
            "で配送状況を確認できます",
        ],
        lambda: [v.f.company(), "の決算説明会は東京都内で開催されます。"],
        lambda: [v.f.prefecture(), "の天気は晴れのち曇り。"],
        lambda: ["会員数は", str(v.r.randint(1000, 99999)), "人を突破しました"],
        lambda: [v.f.text(max_nb_chars=80)],
        lambda: ["お客様各位、いつもご利用ありがとうございます。"],
        lambda: [
            "第",
            str(v.r.randint(1, 20)),
            "章 ",
            str(v.r.randint(1, 9)),
            ".",
            str(v.r.randint(1, 9)),
            "節",
        ],
    ]


def _realise(parts: list[Part], v: Values) -> dict[str, object]:
    wide_all = v.r.random() < 0.12
    text = ""
    spans: list[list[object]] = []
    for p in parts:
        if isinstance(p, tuple):
            value, entity = p
            if wide_all or v.r.random() < 0.15:
                value = full_width(value)
            spans.append([len(text), len(text) + len(value), entity])
            text += value
        else:
            text += full_width(p) if wide_all else p
    return {"text": text, "spans": spans}


def _record(v: Values) -> list[Part]:
    """A form-like record with several fields."""
    parts: list[Part] = []
    fields: list[tuple[str, Callable[[], str], str]] = [
        ("氏名", v.name, "person_name"),
        ("電話", v.phone, "jp_phone"),
        ("メール", v.email, "email"),
        ("住所", v.address, "jp_address"),
        ("生年月日", v.birth, "date_of_birth"),
        ("会員番号", lambda: "M" + v.digits(8), ""),
        (
            "ご注文日",
            lambda: f"{v.r.randint(2021, 2025)}年{v.r.randint(1, 12)}月{v.r.randint(1, 28)}日",
            "",
        ),
    ]
    chosen = v.r.sample(fields, k=v.r.randint(3, len(fields)))
    sep = v.r.choice(["　", " / ", "\n", "、"])
    for i, (label, make, entity) in enumerate(chosen):
        if i:
            parts.append(sep)
        parts.append(label + v.r.choice(["：", ":", " ", ""]))
        value = make()
        parts.append((value, entity) if entity else value)
    return parts


def generate(records: int = 3600, seed: int = 20240401) -> list[dict[str, object]]:
    """``records`` labelled records: every entity's templates in turn, form records and
    hard negatives (about a fifth each)."""
    rng = random.Random(seed)
    fake = Faker("ja_JP")
    fake.seed_instance(seed)
    v = Values(rng, fake)
    templates = _templates(v)
    negatives = _negatives(v)
    entities = list(templates)
    out: list[dict[str, object]] = []
    i = 0
    while len(out) < records:
        roll = i % 10
        if roll < 6:
            entity = entities[i % len(entities)]
            parts = rng.choice(templates[entity])()
        elif roll < 8:
            parts = rng.choice(negatives)()
        else:
            parts = _record(v)
        out.append(_realise([p if isinstance(p, tuple) else str(p) for p in parts], v))
        i += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--records", type=int, default=3600)
    ap.add_argument("--seed", type=int, default=20240401)
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("corpus.jsonl"))
    args = ap.parse_args()
    data = generate(args.records, args.seed)
    with args.out.open("w", encoding="utf-8") as fh:
        for rec in data:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{len(data)} records -> {args.out}")


if __name__ == "__main__":
    main()

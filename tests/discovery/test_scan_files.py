"""File scans: CSV by column (UTF-8, with a byte order mark, Shift_JIS; commas, tabs,
semicolons), JSON Lines by key path, plain text in chunks with line numbers; bad files are
refused naming the file (and line) and store nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.discovery.scanners import ColumnReport, ScanInputError, suggest_item
from mamori.discovery.scanners.files import scan_plain
from mamori.policy.loader import load_policy
from mamori.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "meta-all-stars" / "policy.yaml"
KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

HEADER = ["氏名", "電話番号", "メールアドレス", "注文番号", "商品コード", "登録日"]
ROWS = [
    ["山田 太郎", "090-1234-5678", "taro@example.jp", "ORD-000101", "SKU-1001-A", "2024-05-01"],
    ["佐藤 花子", "080-2345-6789", "hanako@example.jp", "ORD-000102", "SKU-1002-B", "2024-05-02"],
    ["鈴木 一郎", "03-1234-5678", "ichiro@example.jp", "ORD-000103", "SKU-1003-C", "2024-05-03"],
]
PERSONAL = {"氏名": "person_name", "電話番号": "jp_phone", "メールアドレス": "email"}


@pytest.fixture
def core(tmp_path: Path, clock: FixedClock) -> Iterator[Mamori]:
    env = {
        "MAMORI_DATABASE_URL": f"sqlite:///{tmp_path / 'mamori.db'}",
        "MAMORI_POLICY": str(EXAMPLE),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.publish(core.load_policy(), effective=dt.date(2022, 3, 22))
        yield core


def by_column(columns: tuple[ColumnReport, ...]) -> dict[str, ColumnReport]:
    return {c.column: c for c in columns}


def write_csv(path: Path, delimiter: str, encoding: str) -> Path:
    lines = [delimiter.join(r) for r in [HEADER, *ROWS]]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.mark.parametrize(
    ("name", "delimiter", "encoding"),
    [
        ("people.csv", ",", "utf-8"),
        ("excel.csv", ",", "utf-8-sig"),
        ("sjis.csv", ",", "cp932"),
        ("people.tsv", "\t", "cp932"),
        ("export.csv", ";", "utf-8"),
    ],
)
def test_csv_by_column_in_each_encoding_and_delimiter(
    core: Mamori, tmp_path: Path, name: str, delimiter: str, encoding: str
) -> None:
    path = write_csv(tmp_path / name, delimiter, encoding)
    result = core.scans.file(path, actor="t").result
    assert result.format == "csv"
    columns = by_column(result.columns)
    assert list(columns) == HEADER  # the header, decoded, names the columns
    assert {c.column: c.entity for c in result.personal} == PERSONAL
    assert columns["電話番号"].suggested_item == "phone"
    assert columns["メールアドレス"].suggested_item == "email"
    assert columns["氏名"].suggested_item == "name"
    assert (columns["電話番号"].sampled, columns["電話番号"].matched) == (3, 3)
    for quiet in ("注文番号", "商品コード", "登録日"):
        assert columns[quiet].matched == 0 and not columns[quiet].personal
    shown = json.dumps(result.to_dict(), ensure_ascii=False)
    for row in ROWS:
        assert row[1] not in shown and row[2] not in shown and row[0] not in shown


def test_a_phone_column_that_lost_its_leading_zero_is_still_found(
    core: Mamori, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("tel,qty\n9012345678\n8023456789,3\n", encoding="utf-8")
    columns = by_column(core.scans.file(path, actor="t").result.columns)
    assert columns["tel"].entity == "jp_phone" and columns["tel"].matched == 2
    assert columns["qty"].sampled == 1 and not columns["qty"].personal


def test_jsonl_by_key_path(core: Mamori, tmp_path: Path) -> None:
    lines = [
        {"id": n, "customer": {"name": row[0], "phone": row[1]}, "orders": [
            {"no": row[3], "contact": row[2]}], "ok": True, "score": 1.5}
        for n, row in enumerate(ROWS)
    ]  # fmt: skip
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n")
    result = core.scans.file(path, actor="t").result
    assert result.format == "jsonl"
    columns = by_column(result.columns)
    assert set(columns) == {"id", "customer.name", "customer.phone", "orders[].no",
                            "orders[].contact"}  # fmt: skip
    assert {c.column: c.entity for c in result.personal} == {
        "customer.name": "person_name",
        "customer.phone": "jp_phone",
        "orders[].contact": "email",
    }
    assert columns["customer.phone"].suggested_item == "phone"
    assert columns["orders[].contact"].sampled == 3


def test_jsonl_is_recognised_by_its_first_line(core: Mamori, tmp_path: Path) -> None:
    path = tmp_path / "dump.data"
    path.write_text('{"email": "a@example.jp"}\n{"email": "b@example.jp"}\n')
    result = core.scans.file(path, actor="t").result
    assert result.format == "jsonl"
    assert [c.column for c in result.personal] == ["email"]


def test_text_findings_carry_line_numbers(core: Mamori, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    text = "お問い合わせ記録\n担当: 受付\n電話 090-1234-5678 から連絡\n\n返信先 taro@example.jp\n"
    path.write_text(text, encoding="cp932")
    result = core.scans.file(path, actor="t").result
    assert result.format == "text"
    found = by_column(result.columns)
    assert found["jp_phone"].lines == (3,)
    assert found["email"].lines == (5,)
    assert found["email"].examples == ("t***@*******.jp",)
    assert found["jp_phone"].sampled == 5  # lines


def test_a_large_text_is_streamed_with_the_right_lines(tmp_path: Path) -> None:
    filler = "特記事項なし。在庫の確認を行った。\n"
    want: dict[int, str] = {}
    chunks: list[str] = []
    line = 1
    for block in range(40):
        body = filler * 997
        chunks.append(body)
        line += 997
        email = f"user{block}@example.jp"
        chunks.append(f"連絡先 {email}\n")
        want[line] = email
        line += 1

    def pieces() -> Iterator[str]:  # cut at odd places, values split across chunks
        joined = "".join(chunks)
        for start in range(0, len(joined), 7919):
            yield joined[start : start + 7919]

    [email] = scan_plain(pieces(), None, {}, min_score=0.5)
    assert email.entities == {"email": 40}
    assert email.matched == 40
    assert email.lines == tuple(sorted(want))[:20]
    assert email.sampled == line - 1


def test_bad_files_are_refused_and_nothing_is_stored(core: Mamori, tmp_path: Path) -> None:
    with pytest.raises(ScanInputError, match=r"absent\.csv cannot be read"):
        core.scans.file(tmp_path / "absent.csv", actor="t")
    with pytest.raises(ScanInputError, match="is a folder"):
        core.scans.file(tmp_path, actor="t")
    binary = tmp_path / "photo.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    with pytest.raises(ScanInputError, match="unknown format"):
        core.scans.file(binary, actor="t")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"email": "a@example.jp"}\n{"email": "b@exam\n')
    with pytest.raises(ScanInputError, match=r"broken\.jsonl:2: not JSON") as caught:
        core.scans.file(broken, actor="t")
    assert "example" not in caught.value.message
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nJos\xe9 \xff\xfe\n".encode("latin-1"))
    with pytest.raises(ScanInputError, match="neither UTF-8 nor Shift_JIS"):
        core.scans.file(latin, actor="t")
    with pytest.raises(ScanInputError, match="unknown format 'xlsx'"):
        core.scans.file(write_csv(tmp_path / "p.csv", ",", "utf-8"), actor="t", format="xlsx")
    with pytest.raises(ScanInputError, match="encoding 'latin-1' is not supported"):
        core.scans.file(tmp_path / "p.csv", actor="t", encoding="latin-1")
    assert core.scans.list() == []


def test_limit_reads_only_the_first_rows(core: Mamori, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", ",", "utf-8")
    columns = by_column(core.scans.file(path, actor="t", limit=2).result.columns)
    assert columns["電話番号"].sampled == 2


def test_suggested_items_follow_the_policy() -> None:
    items = load_policy(EXAMPLE).policy.items
    assert suggest_item("jp_phone", items) == "phone"
    assert suggest_item("email", items) == "email"
    assert suggest_item("person_name", items) == "name"
    assert suggest_item("date_of_birth", items) == "birth_date"
    assert suggest_item("cookie_id", items) == "cookie_id"
    assert suggest_item("device_token", items) == "device_token"
    assert suggest_item("my_number", items) is None  # the example declares none
    assert suggest_item("passport", items) is None
    assert suggest_item(None, items) is None
    # an item's own detectors win over the table
    custom = items["device_info"].model_copy(update={"detectors": ("jp_phone",)})
    assert suggest_item("jp_phone", {**items, "device_info": custom}) == "device_info"


def test_memory_stays_bounded_on_large_files(tmp_path: Path) -> None:
    import tracemalloc

    from mamori.discovery.scanners.files import read_chunks, scan_csv
    from mamori.discovery.scanners.service import detector

    text = tmp_path / "big.log"
    with text.open("w", encoding="utf-8") as fh:
        for n in range(60_000):
            fh.write(f"2024-05-01 10:00:{n % 60:02d} job {n} finished without remarks\n")
            if n % 10_000 == 0:
                fh.write(f"reply to u{n}@example.jp\n")
    table = tmp_path / "big.csv"
    with table.open("w", encoding="utf-8") as fh:
        fh.write("id,contact\n")
        fh.writelines(f"{n},u{n}@example.jp\n" for n in range(3_000))
    assert text.stat().st_size > 3_000_000
    tracemalloc.start()
    try:
        [email] = scan_plain(read_chunks(text, "utf-8"), None, {}, min_score=0.5)
        columns = by_column(scan_csv(table, "utf-8", detector(None, 0.5), {}, min_share=0.1))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert email.entities == {"email": 6}
    assert email.lines[:2] == (2, 10_003)
    assert columns["contact"].matched == 3_000
    assert peak < 1_500_000, peak  # the text file alone is over 3 MB

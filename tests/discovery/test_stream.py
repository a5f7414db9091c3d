"""Streaming over chunks finds exactly what scanning the whole text finds, offsets global."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.discovery import scan_stream, scan_text

_PIECES = [
    "電話090-1234-5678",
    "携帯０８０－１２３４－５６７８",
    "〒100-0001",
    "東京都千代田区千代田1-1-1",
    "担当の山田太郎様",
    "メールtaro@example.com",
    "マイナンバー123456789018",
    "生年月日：昭和60年1月2日",
    "IP 192.168.0.1",
    "運転免許証番号301234567890",
    "注文番号123456789011",
    "今日は晴れです。",
    "、",
    "\n",
    " ",
    "12",
    "㍻",
    "ｶﾞ",
]


def _chunks(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    out, last = [], 0
    for p in points:
        out.append(text[last:p])
        last = p
    out.append(text[last:])
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=120).map("".join),
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
    st.integers(min_value=1, max_value=300),
)
def test_stream_equals_whole_text(text: str, cuts: list[int], window: int) -> None:
    whole = scan_text(text)
    streamed = list(scan_stream(_chunks(text, cuts), window=window))
    assert streamed == whole


def test_value_across_a_chunk_boundary_is_found_once() -> None:
    filler = "あ" * 3000
    text = filler + "電話090-1234-5678" + filler
    cut = len(filler) + 7  # inside the number
    chunks = [text[:cut], text[cut:]]
    found = list(scan_stream(chunks, window=1000))
    assert [(f.entity, text[f.start : f.end]) for f in found] == [("jp_phone", "090-1234-5678")]


def test_many_small_chunks_global_offsets() -> None:
    text = ("氏名：佐藤 花子、電話03-1234-5678。" + "いい天気。" * 50) * 20
    chunks = [text[i : i + 7] for i in range(0, len(text), 7)]
    found = list(scan_stream(chunks, window=200))
    assert found == scan_text(text)
    assert len([f for f in found if f.entity == "jp_phone"]) == 20

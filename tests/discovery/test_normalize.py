"""The NFKC offset map: every finding maps back to the original text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.discovery.normalize import DASHES, normalize

_DASH = str.maketrans(dict.fromkeys(DASHES, "-"))


def test_ascii_and_normalised_text_map_to_themselves() -> None:
    for text in ("abc 123", "日本語のテキスト", ""):
        n = normalize(text)
        assert n.identity and n.normalized == text
        assert n.original_span(0, len(text)) == (0, len(text))


def test_full_width_digits_keep_offsets() -> None:
    n = normalize("電話０９０－１２３４")
    assert n.normalized == "電話090-1234"
    assert n.identity  # every changed character kept its length
    assert n.original_span(2, 10) == (2, 10)


def test_dash_variants_become_hyphen_but_long_vowel_mark_stays() -> None:
    n = normalize("1‐2–3—4−5―6ー7ｰ8")
    assert n.normalized == "1-2-3-4-5-6ー7ー8"


def test_expanding_and_composing_clusters() -> None:
    text = "a㍻b ｶﾞc ①"
    n = normalize(text)
    assert n.normalized == "a平成b ガc 1"
    # 平成 (normalised 1..3) comes from ㍻ (original 1..2)
    assert n.original_span(1, 3) == (1, 2)
    assert n.original_span(1, 2) == (1, 2)  # half of the expansion covers the whole cluster
    # b after the expansion: normalised 3 -> original 2
    assert n.original_span(3, 4) == (2, 3)
    # ガ (normalised 5) comes from ｶﾞ (original 4..6); c follows at 6
    assert n.original_span(5, 6) == (4, 6)
    assert n.original_span(6, 7) == (6, 7)
    assert n.original_span(0, len(n.normalized)) == (0, len(text))


def test_combining_mark_composes_with_its_base() -> None:
    text = "か\u3099き"  # か + combining voiced mark -> が
    n = normalize(text)
    assert n.normalized == "がき"
    assert n.original_span(0, 1) == (0, 2)
    assert n.original_span(1, 2) == (2, 3)


_alphabet = st.sampled_from(
    [*"aZ09-@.: 山田タロウーｰ－‐—", "㍻", "ｶ", "ﾞ", "\u3099", "①", "ｱ", "１", "Ａ", "㈱", "〒", "ﬁ"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_alphabet, max_size=40).map("".join))
def test_every_normalised_span_maps_inside_the_original(text: str) -> None:
    n = normalize(text)
    norm = n.normalized
    # the normalised text is NFKC of the original, with dash variants as "-"
    assert norm == unicodedata.normalize("NFKC", text).translate(_DASH)
    assert n.original_span(0, len(norm)) == (0, len(text))
    last_start = 0
    for i in range(len(norm)):
        s, e = n.original_span(i, i + 1)
        assert 0 <= s < e <= len(text)
        assert s >= last_start  # monotonic
        last_start = s
        # the original cluster normalises to text containing this character
        piece = unicodedata.normalize("NFKC", text[s:e])
        assert norm[i] in piece or norm[i] == "-"

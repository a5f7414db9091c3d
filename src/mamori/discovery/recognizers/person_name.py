"""Person names, Japanese and Latin-script.

SudachiPy tags surnames (人名/姓), given names (人名/名) and other names (人名/一般). It runs
only on short segments, never on the whole text:

* before an honorific (``田中太郎様``, ``鈴木さん``, ``ヤマダ タロウ様``) and after a label
  (``氏名：山田 太郎``, ``担当 佐藤``, ``Name: Taro Yamada``): the name tokens next to the cue;
  a Latin-script or katakana name counts there too;
* on runs of kanji (``昨日田中太郎と``) and on two kanji words separated by a space (``山田 花子``,
  the usual way forms write names): a surname followed by a given name.

Context given by the caller (a column called 氏名 or name) makes a whole short value a
candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mamori.discovery.japanese import NameTag, tag_names
from mamori.discovery.recognizer import Candidate, Document, Recognizer, words_pattern

__all__ = ["PERSON_NAME", "PersonNameRecognizer"]

_SUFFIX = re.compile(
    "様|さま|さん|氏(?![名])|殿|君|くん|ちゃん|先生|選手|教授|社長|部長|課長|係長|医師|弁護士"
)
_LABELS = (
    "氏名",
    "お名前",
    "名前",
    "フリガナ",
    "ふりがな",
    "氏名カナ",
    "担当者",
    "担当",
    "顧客名",
    "契約者",
    "申込者",
    "利用者",
    "宛名",
    "差出人",
    "受取人",
    "依頼人",
    "患者",
    "保護者",
    "名義人",
    "名義",
    "代表者",
    "full name",
    "name",
    "customer",
    "contact",
    "recipient",
    "mr.",
    "ms.",
    "mrs.",
    "dr.",
    "mr ",
    "ms ",
)
_LABEL = words_pattern(_LABELS)
_KANJI = "一-龥々〆ヵヶ"
_RUN = re.compile(f"[{_KANJI}](?<![{_KANJI}].)[{_KANJI}]{{2,9}}(?![{_KANJI}])")
_KANA = "ぁ-ゖァ-ヺ"
_PAIR = re.compile(
    f"[{_KANJI}](?<![{_KANJI}{_KANA}].)[{_KANJI}]{{0,3}}"
    f" [{_KANJI}ぁ-ゖ]{{1,5}}(?![{_KANJI}{_KANA}])"
)
_SEPARATORS = re.compile(r"[\s:=：は「『(（\[]*(?:様|さん)?[\s:=：は「『(（\[]*")
_FIELDS = "電話|携帯|メール|住所|生年月日|会員|注文|TEL|Tel|tel|FAX|E-?mail|〒"
_STOP = re.compile(
    r"[\n\r\t、。,.;|/」』)）\]<>]|です|でした|さん|様|と|が|を|に|の|へ|から|まで|より|" + _FIELDS
)
_FIELD = re.compile(_FIELDS)
_LATIN = re.compile(r"[A-Z][A-Za-z'\-]+(?: [A-Z][A-Za-z'\-]+){1,2}(?![A-Za-z])")
_LATIN_BEFORE = re.compile(r"[A-Z][A-Za-z'\-]+(?: [A-Z][A-Za-z'\-]+){0,2} ?$")
_KATAKANA = re.compile(r"[ァ-ヺ][ァ-ヺー]{0,9}(?: [ァ-ヺ][ァ-ヺー]{0,9})?(?![ァ-ヺー])")
_KATAKANA_BEFORE = re.compile(r"[ァ-ヺ][ァ-ヺー]{0,9}(?: [ァ-ヺ][ァ-ヺー]{0,9})? ?$")
_KANJI_WORD = re.compile(f"[{_KANJI}]{{1,3}}")
_GIVEN_WORD = re.compile(f"[{_KANJI}ぁ-ゖ]{{1,4}}")

_NAME_TAGS = (NameTag.SURNAME, NameTag.GIVEN, NameTag.OTHER_NAME)

Tokens = list[tuple[int, int, int]]


class PersonNameRecognizer(Recognizer):
    """Person names from SudachiPy's name tags, near cues or as surname + given name."""

    def __init__(self) -> None:
        self.name = "person_name"
        self.entity = "person_name"
        self.context = _LABELS

    def find(self, doc: Document) -> Iterator[Candidate]:
        text = doc.text
        jobs: list[tuple[str, int, int]] = []  # (kind, cue position, window start/end)
        segments: list[tuple[int, str]] = []

        def add(kind: str, cue: int, start: int, end: int) -> None:
            if end > start:
                jobs.append((kind, cue, start))
                segments.append((start, text[start:end]))

        given = _LABEL is not None and _LABEL.search(doc.context) is not None
        if given and len(text) <= 80:
            add("label", 0, 0, len(text))
        for m in _SUFFIX.finditer(text):
            s = m.start()
            add("suffix", s, _segment_start(text, s, 16), s)
        if _LABEL is not None:
            for m in _LABEL.finditer(doc.lower):
                sep = _SEPARATORS.match(text, m.end())
                b = sep.end() if sep else m.end()
                add("label", b, b, _segment_end(text, b, 24))
        for m in _PAIR.finditer(text):
            add("pair", m.start(), m.start(), m.end())
        for m in _RUN.finditer(text):
            add("run", m.start(), m.start(), m.end())
        if not jobs:
            return
        found: list[tuple[int, int, float]] = []
        for (kind, cue, start), tokens, (_, seg) in zip(
            jobs, tag_names(segments), segments, strict=True
        ):
            if kind == "suffix":
                span = _before_cue(text, tokens, start, cue, seg)
                score = 0.85
            elif kind == "label":
                span = _after_cue(text, tokens, cue, seg)
                score = 0.85
            else:
                span = _surname_given(text, tokens, spaced=kind == "pair")
                score = 0.8 if kind == "pair" else 0.75
            if span is not None and span[1] > span[0]:
                found.append((span[0], span[1], score))
        for s, e, score in _merge(found):
            yield Candidate(self.entity, s, e, score, self.name)


def _segment_start(text: str, pos: int, limit: int) -> int:
    start = max(0, pos - limit)
    for i in range(pos - 1, start - 1, -1):
        if text[i] in "\n\r\t、。,;:：|「『(（":
            return i + 1
    return start


def _segment_end(text: str, pos: int, limit: int) -> int:
    m = _STOP.search(text, pos, min(len(text), pos + limit))
    return m.start() if m else min(len(text), pos + limit)


def _is_name(tag: int) -> bool:
    return tag in _NAME_TAGS


def _before_cue(
    text: str, tokens: Tokens, start: int, cue: int, seg: str
) -> tuple[int, int] | None:
    m = _LATIN_BEFORE.search(seg) or _KATAKANA_BEFORE.search(seg)
    if (
        m is not None
        and m.group().strip()
        and not _KANJI_WORD.search(m.group())
        and (m.group()[0].isupper() or _any_name(tokens, start + m.start(), cue))
    ):
        return start + m.start(), start + len(seg.rstrip())
    i = len(tokens) - 1
    while i >= 0 and tokens[i][2] == NameTag.SPACE:
        i -= 1
    end = tokens[i][1] if i >= 0 else cue
    first = None
    unknown_given = 0
    while i >= 0:
        s, e, tag = tokens[i]
        if _is_name(tag):
            first = i
        elif tag == NameTag.SPACE and first is not None and i > 0 and _is_name(tokens[i - 1][2]):
            pass
        elif (
            first is None
            and unknown_given == 0
            and _KANJI_WORD.fullmatch(text, s, e)
            and _surname_before(tokens, i)
        ):
            unknown_given = 1
        else:
            break
        i -= 1
    if first is None:
        return None
    return tokens[first][0], end


def _surname_before(tokens: Tokens, i: int) -> bool:
    j = i - 1
    if j >= 0 and tokens[j][2] == NameTag.SPACE:
        j -= 1
    return j >= 0 and tokens[j][2] == NameTag.SURNAME


def _any_name(tokens: Tokens, start: int, end: int) -> bool:
    return any(_is_name(t) for s, e, t in tokens if s >= start and e <= end)


def _after_cue(text: str, tokens: Tokens, cue: int, seg: str) -> tuple[int, int] | None:
    m = _LATIN.match(seg) or _KATAKANA.match(seg)
    if m is not None:
        return cue, cue + m.end()
    i = 0
    n = len(tokens)
    while i < n and tokens[i][2] == NameTag.SPACE:
        i += 1
    if i >= n or not _is_name(tokens[i][2]):
        return None
    start = tokens[i][0]
    end = tokens[i][1]
    surname_only = tokens[i][2] == NameTag.SURNAME
    i += 1
    while i < n:
        s, e, tag = tokens[i]
        if _is_name(tag):
            end = e
            surname_only = False
        elif tag == NameTag.SPACE and i + 1 < n:
            pass
        else:
            # a given name Sudachi does not know, right after the surname, closing the value
            if surname_only and i + 1 == n and _GIVEN_WORD.fullmatch(text, s, e):
                end = e
            break
        i += 1
    return start, end


def _surname_given(text: str, tokens: Tokens, *, spaced: bool) -> tuple[int, int] | None:
    n = len(tokens)
    for i in range(n - 1):
        if tokens[i][2] != NameTag.SURNAME:
            continue
        j = i + 1
        if spaced:
            if tokens[j][2] != NameTag.SPACE or j + 1 >= n:
                continue
            j += 1
        if tokens[j][2] in (NameTag.GIVEN, NameTag.OTHER_NAME) or (
            spaced and tokens[j][2] == NameTag.SURNAME
        ):
            return tokens[i][0], tokens[j][1]
        if spaced and j == n - 1 and not _FIELD.match(text, tokens[j][0]):
            # a given name Sudachi does not know, alone after the space (not a field label)
            return tokens[i][0], tokens[j][1]
    return None


def _merge(found: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Overlapping spans become one: the union, with the best score."""
    out: list[tuple[int, int, float]] = []
    for s, e, score in sorted(found):
        if out and s < out[-1][1]:
            ps, pe, pscore = out[-1]
            out[-1] = (ps, max(pe, e), max(pscore, score))
        else:
            out.append((s, e, score))
    return out


PERSON_NAME = PersonNameRecognizer()

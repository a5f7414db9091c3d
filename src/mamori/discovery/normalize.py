"""NFKC normalisation that remembers where every character came from.

Recognizers run on the normalised text (full-width digits and letters become ASCII, the
dash variants become ``-``, ``㍻`` becomes ``平成``); findings are mapped back to offsets in
the original text through :meth:`NormalizedText.original_span`.

Only characters that NFKC changes are touched, one *cluster* at a time (a character and the
combining marks after it, which NFKC may compose). A cluster that keeps its length maps
character for character; any other cluster becomes one piece: a finding that starts or ends
inside it covers the whole original cluster. Texts that are already normalised cost one
C-level check.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

__all__ = ["DASHES", "NormalizedText", "normalize"]

#: Dash-like characters written where ``-`` is meant (after NFKC: U+2010, U+2012–2015, U+2212,
#: and the wave/minus forms NFKC leaves alone). ``ー`` is NOT rewritten: it is the katakana
#: long-vowel mark in words; patterns accept it between digits instead.
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63"
_DASH_TABLE = str.maketrans(dict.fromkeys(DASHES, "-"))


@cache
def _unstable() -> re.Pattern[str]:
    """A pattern for one cluster that NFKC or the dash rule may change."""
    changing: list[str] = []
    marks: list[str] = []
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        if unicodedata.combining(c):
            marks.append(c)
        elif unicodedata.normalize("NFKC", c) != c:
            changing.append(c)
    changing.extend(DASHES)
    marks.extend("\uff9e\uff9f")  # half-width voiced marks compose like combining marks
    cls = "".join(re.escape(c) for c in sorted(set(changing)))
    mcls = "".join(re.escape(c) for c in sorted(set(marks)))
    astral = f"{chr(0x10000)}-{chr(sys.maxunicode)}"
    return re.compile(f"(?:[{cls}{astral}]|.(?=[{mcls}]))[{mcls}]*|[{mcls}]+", re.DOTALL)


@dataclass(frozen=True, slots=True)
class _Piece:
    norm_start: int
    norm_end: int
    orig_start: int
    orig_end: int


class NormalizedText:
    """A text, its normalised form and the map between their offsets."""

    __slots__ = ("_ends", "_pieces", "_starts", "normalized", "original")

    def __init__(self, original: str, normalized: str, pieces: list[_Piece]) -> None:
        self.original = original
        self.normalized = normalized
        self._pieces = pieces
        self._starts = [p.norm_start for p in pieces]
        self._ends = [p.norm_end for p in pieces]

    @property
    def identity(self) -> bool:
        """True when every offset maps to itself (no cluster changed length)."""
        return not self._pieces

    def original_start(self, pos: int) -> int:
        """Original offset of the character at normalised offset ``pos``."""
        if not self._pieces:
            return pos
        i = bisect_right(self._starts, pos) - 1
        if i >= 0:
            p = self._pieces[i]
            if pos < p.norm_end:
                return p.orig_start
            return pos + (p.orig_end - p.norm_end)
        return pos

    def original_end(self, pos: int) -> int:
        """Original offset just after the character before normalised offset ``pos``."""
        if not self._pieces or pos <= 0:
            return pos
        last = pos - 1
        i = bisect_right(self._starts, last) - 1
        if i >= 0:
            p = self._pieces[i]
            if last < p.norm_end:
                return p.orig_end
            return pos + (p.orig_end - p.norm_end)
        return pos

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span ``[start, end)`` to the original text."""
        return self.original_start(start), self.original_end(end)


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` (NFKC, dash variants to ``-``) keeping the offset map."""
    if text.isascii():
        return NormalizedText(text, text, [])
    if unicodedata.is_normalized("NFKC", text) and not any(d in text for d in DASHES):
        return NormalizedText(text, text, [])
    out: list[str] = []
    pieces: list[_Piece] = []
    last = 0
    npos = 0
    for m in _unstable().finditer(text):
        s, e = m.span()
        if s > last:
            out.append(text[last:s])
            npos += s - last
        cluster = m.group()
        norm = unicodedata.normalize("NFKC", cluster).translate(_DASH_TABLE)
        out.append(norm)
        if len(cluster) != 1 or len(norm) != 1:
            pieces.append(_Piece(npos, npos + len(norm), s, e))
        npos += len(norm)
        last = e
    out.append(text[last:])
    return NormalizedText(text, "".join(out), pieces)

"""Recognizers: what a kind of personal data looks like, and how sure a match is.

A :class:`PatternRecognizer` is data: regular expressions (run on the normalised text), context
words (Japanese and English, matched case-insensitively near the value), words that speak
against it, and a validator answering True (the checksum says yes), False (no) or None (no
opinion). Recognizers that need more than patterns (person names) subclass :class:`Recognizer`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from mamori.discovery.errors import RecognizerError

__all__ = [
    "Candidate",
    "Document",
    "Pattern",
    "PatternRecognizer",
    "Recognizer",
    "Validator",
    "words_pattern",
]

#: True: the value passes a check (checksum, calendar); False: it cannot be one; None: no opinion.
Validator = Callable[[str], "bool | None"]

#: How far (characters) to look for context words before and after a value.
BEFORE = 24
AFTER = 8
#: The longest value a pattern may match; windows and streaming overlap are sized from it.
MAX_MATCH = 160


def words_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any of ``words`` (longest first)."""
    if not words:
        return None
    alts = sorted({w.lower() for w in words}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in alts))


class Document:
    """The text being scanned, normalised, with what recognizers share about it."""

    __slots__ = ("context", "lower", "text")

    def __init__(self, text: str, context: str) -> None:
        self.text = text  #: the normalised text
        lower = text.lower()
        if len(lower) != len(text):  # a few letters lower-case to two characters
            lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        self.lower = lower  #: same length as ``text``
        self.context = context.lower()  #: the caller's context words, joined


@dataclass(frozen=True, slots=True)
class Candidate:
    """A finding in normalised offsets, before mapping back to the original text."""

    entity: str
    start: int
    end: int
    score: float
    recognizer: str


class Recognizer:
    """Base of every recognizer: a name, an entity, context words and ``find``."""

    name: str
    entity: str
    context: tuple[str, ...] = ()

    def find(self, doc: Document) -> Iterator[Candidate]:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Pattern:
    """One regular expression and the score of a match before context.

    If the expression has a group named ``v``, the finding is that group (so ``〒`` or a
    label can be matched without being reported).
    """

    name: str
    regex: str
    score: float
    needs_context: bool = False  #: a match without context is dropped

    def compile(self) -> re.Pattern[str]:
        try:
            return re.compile(self.regex)
        except re.error as exc:
            raise RecognizerError(f"pattern {self.name!r} does not compile: {exc}") from None


@dataclass(eq=False)
class PatternRecognizer(Recognizer):
    """A recognizer made of patterns, context words and a validator.

    Scoring: a match starts at its pattern's score; a context word within ``before``
    characters before it (or ``after`` after it), or in the caller's context, raises it by
    ``context_boost`` (capped at 1); a validator saying True raises it to at least
    ``valid_score``; False drops it. With ``requires_context`` a match without context is
    dropped; a ``negative_context`` word near a match without context drops it too.
    """

    name: str
    entity: str
    patterns: Sequence[Pattern]
    context: tuple[str, ...] = ()
    negative_context: tuple[str, ...] = ()
    validator: Validator | None = None
    requires_context: bool = False
    context_boost: float = 0.35
    valid_score: float = 0.0
    before: int = BEFORE
    after: int = AFTER
    after_context: tuple[str, ...] = ()  #: words that count only just after a value
    _compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False)
    _ctx: re.Pattern[str] | None = field(init=False, repr=False)
    _neg: re.Pattern[str] | None = field(init=False, repr=False)
    _after: re.Pattern[str] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.patterns:
            raise RecognizerError(f"recognizer {self.name!r} has no pattern")
        self.context = tuple(self.context)
        self.negative_context = tuple(self.negative_context)
        self._compiled = tuple(p.compile() for p in self.patterns)
        self._ctx = words_pattern(self.context)
        self._neg = words_pattern(self.negative_context)
        self._after = words_pattern(self.context + tuple(self.after_context))
        if self.requires_context and self._ctx is None:
            raise RecognizerError(f"recognizer {self.name!r} requires context but has none")

    def _has_context(self, doc: Document, start: int, end: int) -> bool:
        if self._ctx is None:
            return False
        lower = doc.lower
        if self._ctx.search(lower, max(0, start - self.before), start) is not None:
            return True
        return (
            self._after is not None and self._after.search(lower, end, end + self.after) is not None
        )

    def _has_negative(self, doc: Document, start: int, end: int) -> bool:
        if self._neg is None:
            return False
        lower = doc.lower
        return (
            self._neg.search(lower, max(0, start - self.before), start) is not None
            or self._neg.search(lower, end, end + self.after) is not None
        )

    def _windows(self, doc: Document) -> list[tuple[int, int]] | None:
        """Where matches may lie when context is required (None: the whole text)."""
        if not self.requires_context or self._ctx is None:
            return None
        if self._ctx.search(doc.context):
            return None
        spans: list[tuple[int, int]] = []
        assert self._after is not None
        for m in self._after.finditer(doc.lower):
            s = max(0, m.start() - self.after - MAX_MATCH)
            e = m.end() + self.before
            if spans and s <= spans[-1][1] + MAX_MATCH:
                spans[-1] = (spans[-1][0], max(e, spans[-1][1]))
            else:
                spans.append((s, e))
        return spans

    def find(self, doc: Document) -> Iterator[Candidate]:
        text = doc.text
        windows = self._windows(doc)
        given = self._ctx is not None and self._ctx.search(doc.context) is not None
        size = len(text)
        for regex, pattern in zip(self._compiled, self.patterns, strict=True):
            if windows is None:
                matches = regex.finditer(text)
                found: Iterator[re.Match[str]] = matches
            else:
                found = _in_windows(regex, text, windows, size)
            for m in found:
                if m.re.groupindex.get("v"):
                    start, end = m.span("v")
                else:
                    start, end = m.span()
                if start == end:
                    continue
                value = text[start:end]
                verdict = self.validator(value) if self.validator else None
                if verdict is False:
                    continue
                near = given or self._has_context(doc, start, end)
                if not near and (self.requires_context or self._has_negative(doc, start, end)):
                    continue
                score = pattern.score
                if near:
                    score = min(1.0, score + self.context_boost)
                if verdict is True:
                    score = max(score, self.valid_score)
                yield Candidate(self.entity, start, end, round(score, 3), self.name)


def _in_windows(
    regex: re.Pattern[str], text: str, windows: list[tuple[int, int]], size: int
) -> Iterator[re.Match[str]]:
    """Matches starting inside the windows, as a whole-text scan would find them."""
    for s, e in windows:
        endpos = min(size, e + MAX_MATCH)
        for m in regex.finditer(text, s, endpos):
            if m.start() >= e:
                break
            if m.end() == endpos and endpos < size:
                # the lookahead saw a cut end; rescan this one against the whole text
                full = regex.match(text, m.start())
                if full is not None:
                    yield full
                continue
            yield m

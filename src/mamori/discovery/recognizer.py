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

#: How far (characters) to look for context words before a value.
BEFORE = 24
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

    __slots__ = ("_seen", "context", "lower", "text")

    def __init__(self, text: str, context: str) -> None:
        self.text = text  #: the normalised text
        lower = text.lower()
        if len(lower) != len(text):  # a few letters lower-case to two characters
            lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        self.lower = lower  #: same length as ``text``
        self.context = context.lower()  #: the caller's context words, joined
        self._seen: dict[re.Pattern[str], bool] = {}

    def has(self, trigger: re.Pattern[str]) -> bool:
        """Whether ``trigger`` occurs in the text (asked once per text, then remembered)."""
        seen = self._seen.get(trigger)
        if seen is None:
            seen = self._seen[trigger] = trigger.search(self.text) is not None
        return seen


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
    characters before it, in the same clause and after any earlier value (or
    ``after_pattern`` matching right after it), or in the caller's context, raises it by
    ``context_boost`` (capped at 1); a validator saying True raises it to at least
    ``valid_score``; False drops it. With ``requires_context`` (or a pattern's
    ``needs_context``) a match without context is dropped; a ``negative_context`` word
    before a match without context drops it too.
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
    #: a pattern that, matching right after a value, counts as context (``生まれ``, ``（39歳）``)
    after_pattern: str | None = None
    #: words every ``after_pattern`` match contains (to find where such values may be)
    after_words: tuple[str, ...] = ()
    #: a pattern every text with a match contains (``[0-9]``): texts without it are skipped
    trigger: str | None = None
    _compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False)
    _ctx: re.Pattern[str] | None = field(init=False, repr=False)
    _neg: re.Pattern[str] | None = field(init=False, repr=False)
    _after: re.Pattern[str] | None = field(init=False, repr=False)
    _where: re.Pattern[str] | None = field(init=False, repr=False)
    _trigger: re.Pattern[str] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.patterns:
            raise RecognizerError(f"recognizer {self.name!r} has no pattern")
        self.context = tuple(self.context)
        self.negative_context = tuple(self.negative_context)
        self._compiled = tuple(p.compile() for p in self.patterns)
        self._ctx = words_pattern(self.context)
        self._neg = words_pattern(self.negative_context)
        self._after = re.compile(self.after_pattern) if self.after_pattern else None
        self._where = words_pattern(self.context + tuple(self.after_words))
        self._trigger = _shared(self.trigger) if self.trigger else None
        if self.requires_context and self._ctx is None:
            raise RecognizerError(f"recognizer {self.name!r} requires context but has none")

    def _has_context(self, doc: Document, lo: int, start: int, end: int) -> bool:
        if self._ctx is None:
            return False
        lower = doc.lower
        if self._ctx.search(lower, _clause_start(lower, lo, start), start) is not None:
            return True
        return self._after is not None and self._after.match(lower, end) is not None

    def _has_negative(self, doc: Document, start: int, end: int) -> bool:
        if self._neg is None:
            return False
        lower = doc.lower
        lo = _clause_start(lower, start - self.before, start)
        return self._neg.search(lower, lo, start) is not None

    def _windows(self, doc: Document) -> list[tuple[int, int]] | None:
        """Where matches may lie when context is required (None: the whole text)."""
        if not self.requires_context or self._ctx is None or self._where is None:
            return None
        if self._ctx.search(doc.context):
            return None
        spans: list[tuple[int, int]] = []
        for m in self._where.finditer(doc.lower):
            s = max(0, m.start() - MAX_MATCH)
            e = m.end() + self.before
            if spans and s <= spans[-1][1] + MAX_MATCH:
                spans[-1] = (spans[-1][0], max(e, spans[-1][1]))
            else:
                spans.append((s, e))
        return spans

    def find(self, doc: Document) -> Iterator[Candidate]:
        if self._trigger is not None and not doc.has(self._trigger):
            return
        text = doc.text
        windows = self._windows(doc)
        given = self._ctx is not None and self._ctx.search(doc.context) is not None
        size = len(text)
        matches: list[tuple[int, int, Pattern]] = []
        for regex, pattern in zip(self._compiled, self.patterns, strict=True):
            found = (
                regex.finditer(text) if windows is None else _in_windows(regex, text, windows, size)
            )
            for m in found:
                start, end = m.span("v") if "v" in m.re.groupindex else m.span()
                if start < end:
                    matches.append((start, end, pattern))
        if len(self._compiled) > 1:
            matches.sort(key=lambda x: (x[0], -x[1]))
        previous = 0  # a context word before an earlier value speaks for that value only
        for start, end, pattern in matches:
            verdict = self.validator(text[start:end]) if self.validator else None
            if verdict is False:
                continue
            near = given or self._has_context(doc, max(start - self.before, previous), start, end)
            previous = end
            if not near and (
                self.requires_context
                or pattern.needs_context
                or self._has_negative(doc, start, end)
            ):
                continue
            score = pattern.score
            if near:
                score = min(1.0, score + self.context_boost)
            if verdict is True:
                score = max(score, self.valid_score)
            yield Candidate(self.entity, start, end, round(score, 3), self.name)


_TRIGGERS: dict[str, re.Pattern[str]] = {}


def _shared(regex: str) -> re.Pattern[str]:
    """One compiled pattern per trigger text, so a document checks each trigger once."""
    pattern = _TRIGGERS.get(regex)
    if pattern is None:
        pattern = _TRIGGERS[regex] = re.compile(regex)
    return pattern


#: Where a clause ends: context words before it do not speak for a value after it.
_CLAUSE_ENDS = "\n\r\t、。/|;"


def _clause_start(lower: str, lo: int, start: int) -> int:
    """Start of the context window: from ``lo``, not past a clause end before ``start``."""
    lo = max(0, lo)
    for ch in _CLAUSE_ENDS:
        i = lower.rfind(ch, lo, start)
        if i >= lo:
            lo = i + 1
    i = lower.rfind("  ", lo, start)  # two spaces (a full-width one is one) separate fields
    return lo if i < lo else i + 2


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

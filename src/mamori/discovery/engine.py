"""Scanning: run the recognizers over a text or a stream and settle overlapping findings."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator, Sequence

from mamori.discovery.model import Finding
from mamori.discovery.normalize import normalize
from mamori.discovery.recognizer import BEFORE, MAX_MATCH, Candidate, Document
from mamori.discovery.registry import Registry, default_registry

__all__ = ["scan_stream", "scan_text"]

#: Characters kept from one window to the next when streaming: a value and the context
#: before it fit in it, so nothing near a boundary is missed or reported twice.
OVERLAP = 4 * (MAX_MATCH + BEFORE)
#: How much text a streaming scan gathers before scanning it.
WINDOW = 1 << 16


def scan_text(
    text: str,
    *,
    context: Sequence[str] = (),
    entities: Collection[str] | None = None,
    registry: Registry | None = None,
) -> list[Finding]:
    """Every value in ``text`` that looks like personal data, ordered by position.

    ``context`` gives words that describe the whole text (a column name such as
    ``電話番号`` or ``phone``): recognizers whose context words appear there score higher
    and those that need context find it. ``entities`` limits the scan to those entities.
    Offsets are into ``text`` as given.
    """
    reg = registry if registry is not None else default_registry()
    norm = normalize(text)
    doc = Document(norm.normalized, "\n".join(context))
    settled = _settle(c for r in reg.select(entities) for c in r.find(doc))
    if norm.identity:
        return [Finding(c.entity, c.start, c.end, c.score, c.recognizer) for c in settled]
    out = []
    for c in settled:
        s, e = norm.original_span(c.start, c.end)
        out.append(Finding(c.entity, s, e, c.score, c.recognizer))
    return out


def _settle(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Keep the best of overlapping findings: higher score, then longer, then earlier."""
    ranked = sorted(candidates, key=lambda c: (-c.score, c.start - c.end, c.start, c.entity))
    starts: list[int] = []  # kept spans never overlap, so sorted starts give sorted ends
    kept: list[Candidate] = []
    for c in ranked:
        i = bisect_right(starts, c.start)
        if i > 0 and kept[i - 1].end > c.start:
            continue
        if i < len(kept) and kept[i].start < c.end:
            continue
        starts.insert(i, c.start)
        kept.insert(i, c)
    return kept


def scan_stream(
    chunks: Iterable[str],
    *,
    context: Sequence[str] = (),
    entities: Collection[str] | None = None,
    registry: Registry | None = None,
    window: int = WINDOW,
) -> Iterator[Finding]:
    """Scan text arriving in chunks; offsets are global (as if the chunks were joined).

    Text is scanned in windows of about ``window`` characters that overlap, so a value
    across a chunk boundary is found once, with the context before it.
    """
    reg = registry if registry is not None else default_registry()
    buf = ""
    base = 0  # global offset of buf[0]
    done = 0  # global offset before which every finding has been reported
    for chunk in chunks:
        buf += chunk
        if len(buf) < window + 2 * OVERLAP:
            continue
        cut = len(buf) - OVERLAP
        for f in scan_text(buf, context=context, entities=entities, registry=reg):
            g = base + f.start
            if done <= g < base + cut:
                yield Finding(f.entity, g, base + f.end, f.score, f.recognizer)
        done = base + cut
        keep_from = cut - OVERLAP
        buf = buf[keep_from:]
        base += keep_from
    for f in scan_text(buf, context=context, entities=entities, registry=reg):
        g = base + f.start
        if g >= done:
            yield Finding(f.entity, g, base + f.end, f.score, f.recognizer)

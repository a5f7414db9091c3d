"""SudachiPy, loaded once and lazily, and what it says about person names."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["NameTag", "tag_names"]

#: Sudachi refuses inputs longer than this many UTF-8 bytes; batches stay below it.
_MAX_BYTES = 48_000

_lock = threading.Lock()
_state: dict[str, Any] = {}


class NameTag:
    """What a token is, for names: a surname, a given name, another name, or none."""

    SURNAME = 1
    GIVEN = 2
    OTHER_NAME = 3
    SPACE = 4
    NONE = 0


def _tokenizer() -> tuple[Any, dict[int, int]]:
    tok = _state.get("tok")
    if tok is None:
        with _lock:
            if "tok" not in _state:
                from sudachipy import dictionary, tokenizer  # type: ignore[import-untyped]

                d = dictionary.Dictionary(dict="core")
                _state["dict"] = d
                _state["tags"] = {}
                mode = tokenizer.Tokenizer.SplitMode.C
                # SudachiPy 0.7 names it tokenizer() (create() is deprecated); 0.6 has create().
                make = getattr(d, "tokenizer", None)
                _state["tok"] = make(mode=mode) if make is not None else d.create(mode)
            tok = _state["tok"]
    return tok, _state["tags"]


def _tag(pos_id: int, tags: dict[int, int]) -> int:
    tag = tags.get(pos_id)
    if tag is None:
        pos = _state["dict"].pos_of(pos_id)
        if pos[0] == "空白":
            tag = NameTag.SPACE
        elif pos[2] == "人名":
            tag = {"姓": NameTag.SURNAME, "名": NameTag.GIVEN}.get(pos[3], NameTag.OTHER_NAME)
        else:
            tag = NameTag.NONE
        tags[pos_id] = tag
    return tag


def tag_names(segments: list[tuple[int, str]]) -> Iterator[list[tuple[int, int, int]]]:
    """For each ``(offset, text)`` segment, its tokens as ``(start, end, tag)`` with offsets
    shifted by ``offset``. Segments are tokenised in batches joined by newlines."""
    tok, tags = _tokenizer()
    batch: list[tuple[int, str]] = []
    size = 0
    for seg in segments:
        n = len(seg[1].encode("utf-8")) + 1
        if batch and size + n > _MAX_BYTES:
            yield from _run(tok, tags, batch)
            batch, size = [], 0
        if n > _MAX_BYTES:  # a single overlong segment: cut it (names are short)
            seg = (seg[0], seg[1][: _MAX_BYTES // 4])
            n = len(seg[1].encode("utf-8")) + 1
        batch.append(seg)
        size += n
    if batch:
        yield from _run(tok, tags, batch)


def _run(
    tok: Any, tags: dict[int, int], batch: list[tuple[int, str]]
) -> Iterator[list[tuple[int, int, int]]]:
    joined = "\n".join(text for _, text in batch)
    morphemes = tok.tokenize(joined)
    starts = []
    pos = 0
    for _, text in batch:
        starts.append(pos)
        pos += len(text) + 1
    out: list[list[tuple[int, int, int]]] = [[] for _ in batch]
    i = 0
    for m in morphemes:
        b = m.begin()
        while i + 1 < len(starts) and b >= starts[i + 1]:
            i += 1
        local = b - starts[i]
        if local >= len(batch[i][1]):
            continue  # the joining newline
        off = batch[i][0] - starts[i]
        out[i].append((b + off, m.end() + off, _tag(m.part_of_speech_id(), tags)))
    yield from out

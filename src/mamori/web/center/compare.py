"""The difference between two policy versions as a person reads it: the texts line by
line, with what was removed in ``<del>`` and what was added in ``<ins>`` (a changed line
is compared character by character, which suits Japanese), and the classified changes of
:func:`mamori.policy.diff.diff`."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from markupsafe import Markup, escape

from mamori.policy.diff import PolicyDiff, diff
from mamori.policy.render import policy_document, render_markdown
from mamori.policy.versions import PolicyVersion

__all__ = ["Comparison", "Line", "compare"]

_CONTEXT = 2


@dataclass(frozen=True, slots=True)
class Line:
    kind: str  # same, del, ins, change, gap
    html: Markup


@dataclass(frozen=True, slots=True)
class Comparison:
    old: PolicyVersion
    new: PolicyVersion
    lines: tuple[Line, ...]
    changes: PolicyDiff

    @property
    def added(self) -> int:
        return sum(1 for line in self.lines if line.kind in ("ins", "change"))

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.kind in ("del", "change"))


def _inline(old: str, new: str) -> Markup:
    out = Markup("")
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            out += escape(old[a0:a1])
            continue
        if a1 > a0:
            out += Markup("<del>%s</del>") % old[a0:a1]
        if b1 > b0:
            out += Markup("<ins>%s</ins>") % new[b0:b1]
    return out


def _lines(old: list[str], new: list[str]) -> list[Line]:
    rows: list[Line] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            same = old[a0:a1]
            if len(same) > 2 * _CONTEXT + 1:
                head = [] if not rows else same[:_CONTEXT]
                tail = same[-_CONTEXT:]
                rows += [Line("same", escape(t)) for t in head]
                rows.append(Line("gap", Markup("…")))
                rows += [Line("same", escape(t)) for t in tail]
            else:
                rows += [Line("same", escape(t)) for t in same]
        elif op == "replace" and a1 - a0 == b1 - b0:
            for before, after in zip(old[a0:a1], new[b0:b1], strict=True):
                rows.append(Line("change", _inline(before, after)))
        else:
            rows += [Line("del", Markup("<del>%s</del>") % t) for t in old[a0:a1]]
            rows += [Line("ins", Markup("<ins>%s</ins>") % t) for t in new[b0:b1]]
    while rows and rows[-1].kind == "gap":
        rows.pop()
    return rows


def _text(version: PolicyVersion, lang: str) -> list[str]:
    doc = policy_document(version.policy, lang, effective=version.effective_on)
    return [line for line in render_markdown(doc).splitlines() if line.strip()]


def compare(old: PolicyVersion, new: PolicyVersion, lang: str) -> Comparison:
    """``old`` against ``new`` in ``lang``."""
    lines = _lines(_text(old, lang), _text(new, lang))
    return Comparison(old, new, tuple(lines), diff(old.policy, new.policy))

"""Counting what a column holds: values looked at, values that matched, findings per
entity and a few masked examples, in constant memory however many values pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from mamori.discovery import Finding, mask
from mamori.discovery.scanners.items import suggest_item
from mamori.discovery.scanners.results import ColumnReport
from mamori.policy.model import Item

__all__ = ["EXAMPLES", "NO_EXAMPLES", "Detect", "Tally", "lost_zero"]

#: Masked examples kept per column.
EXAMPLES = 3
#: Entities never shown, not even masked: a masked My Number still keeps three digits, and
#: the My Number Act limits its handling to the lawful uses.
NO_EXAMPLES = frozenset({"my_number"})

#: ``detect(value, context)``: the findings in one value, the column's words as context.
Detect = Callable[[str, Sequence[str]], Sequence[Finding]]


def lost_zero(digits: str) -> str | None:
    """A number of 9 or 10 digits may be a phone number stored as a number, which lost its
    leading zero (``9011112222``): that reading, or None."""
    if 9 <= len(digits) <= 10 and digits.isdigit() and digits.isascii() and digits[0] != "0":
        return "0" + digits
    return None


class Tally:
    """The running summary of one column (or JSON key)."""

    def __init__(self, column: str, table: str | None, context: Sequence[str]) -> None:
        self.column = column
        self.table = table
        self.context = tuple(context)
        self.sampled = 0
        self.matched = 0
        self.findings: Counter[str] = Counter()  # entity -> findings
        self.values: Counter[str] = Counter()  # entity -> values holding it
        self.examples: list[str] = []
        self.skipped: str | None = None

    def add(self, value: str, detect: Detect, *, alternative: str | None = None) -> None:
        """Look at one value. ``alternative`` is another reading of it (a number that lost
        its leading zero), tried when the value itself holds nothing."""
        if not value.strip():
            return
        self.sampled += 1
        found = detect(value, self.context)
        if not found and alternative is not None:
            found, value = detect(alternative, self.context), alternative
        if not found:
            return
        self.matched += 1
        self.findings.update(f.entity for f in found)
        self.values.update({f.entity for f in found})
        best = max(found, key=lambda f: f.score)
        if len(self.examples) < EXAMPLES and best.entity not in NO_EXAMPLES:
            shown = mask(value[best.start : best.end])
            if shown not in self.examples:
                self.examples.append(shown)

    def count_only(self) -> None:
        """A value that was looked at but cannot hold personal data (a short number)."""
        self.sampled += 1

    def report(self, items: Mapping[str, Item], min_share: float) -> ColumnReport:
        entity = None
        if self.values:
            entity = sorted(self.values.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        share = self.matched / self.sampled if self.sampled else 0.0
        return ColumnReport(
            column=self.column,
            table=self.table,
            sampled=self.sampled,
            matched=self.matched,
            entity=entity,
            entities=dict(sorted(self.findings.items())),
            examples=tuple(self.examples),
            suggested_item=suggest_item(entity, items),
            personal=self.matched > 0 and share >= min_share,
            skipped=self.skipped,
        )

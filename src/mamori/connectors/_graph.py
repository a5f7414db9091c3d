"""The reference graph of a dataset: traversal order, reachability, cycles, erase order.

An edge ``T -> R`` is a reference declared on table ``T`` to table ``R`` (``T`` holds
``R``'s key: ``T`` is the child). Every function here keeps the map's declaration order, so
plans are the same on every run.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass
from typing import Literal

from mamori.policy.checks import Loc
from mamori.policy.loader import format_path
from mamori.policy.model import Dataset, Erasure, Table

__all__ = [
    "Ref",
    "action_of",
    "broken_refs",
    "children_first",
    "cycles",
    "declared",
    "reachable",
    "references",
    "starts",
    "traversal",
]


@dataclass(frozen=True)
class Ref:
    """Reference number ``index`` of ``table``: its ``columns`` hold ``target``'s ``to``."""

    table: str
    index: int
    columns: tuple[str, ...]
    target: str
    to: tuple[str, ...]

    def loc(self, dataset_id: str) -> Loc:
        return ("datasets", dataset_id, "tables", self.table, "references", self.index)

    def path(self, dataset_id: str) -> str:
        return format_path(self.loc(dataset_id))


def references(dataset: Dataset) -> list[Ref]:
    """Every reference of the dataset, in declaration order."""
    return [
        Ref(name, i, ref.columns, ref.table, ref.to)
        for name, table in dataset.tables.items()
        for i, ref in enumerate(table.references)
    ]


def declared(table: Table) -> tuple[str, ...]:
    """The columns the map names: keys, identity, subject key, mapped and reference columns."""
    names = [
        *table.primary_key,
        *table.identity,
        *([table.subject_key] if table.subject_key else []),
        *table.columns,
        *(c for ref in table.references for c in ref.columns),
    ]
    return tuple(dict.fromkeys(names))


def action_of(table: Table) -> Literal["delete", "update", "keep"]:
    """What erasure does to the table's rows."""
    erasures = {table.column(c).erase for c in table.columns}
    if Erasure.delete_row in erasures:
        return "delete"
    if erasures & {Erasure.null, Erasure.mask}:
        return "update"
    return "keep"


def starts(dataset: Dataset) -> list[str]:
    """The tables where the person is found: with ``identity`` or ``subject_key``."""
    return [n for n, t in dataset.tables.items() if t.identity or t.subject_key]


def _neighbours(table: str, refs: list[Ref]) -> list[str]:
    parents = [r.target for r in refs if r.table == table]
    children = [r.table for r in refs if r.target == table]
    return list(dict.fromkeys(parents + children))


def traversal(dataset: Dataset, refs: list[Ref]) -> list[tuple[str, int]]:
    """Tables with their level, breadth first from the start tables."""
    first = starts(dataset)
    seen = set(first)
    queue = deque((t, 0) for t in first)
    out: list[tuple[str, int]] = []
    while queue:
        table, level = queue.popleft()
        out.append((table, level))
        for other in _neighbours(table, refs):
            if other not in seen:
                seen.add(other)
                queue.append((other, level + 1))
    return out


def reachable(dataset: Dataset, refs: list[Ref]) -> set[str]:
    return {t for t, _ in traversal(dataset, refs)}


def cycles(tables: list[str], refs: list[Ref]) -> list[list[str]]:
    """The strongly connected components that hold a cycle (two tables or more, or a table
    that refers to itself), each in declaration order (Tarjan's algorithm)."""
    parents: dict[str, list[str]] = {t: [] for t in tables}
    for r in refs:
        if r.table in parents and r.target in parents:
            parents[r.table].append(r.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in parents[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in parents[node]:
                found.append(sorted(component, key=tables.index))

    for table in tables:
        if table not in index:
            visit(table)
    return found


def broken_refs(order: list[str], refs: list[Ref]) -> set[Ref]:
    """The references to leave out so that the rest has no cycle: self-references, and the
    back edges of a depth-first walk from parents to children in traversal order."""
    children: dict[str, list[Ref]] = {t: [] for t in order}
    for r in refs:
        if r.target in children and r.table in children:
            children[r.target].append(r)
    state: dict[str, int] = {}  # 1: on the walk's path, 2: done
    broken: set[Ref] = set()

    def visit(node: str) -> None:
        state[node] = 1
        for r in children[node]:
            child = r.table
            if child == node or state.get(child) == 1:
                broken.add(r)
            elif child not in state:
                visit(child)
        state[node] = 2

    for table in order:
        if table not in state:
            visit(table)
    return broken


def children_first(order: list[str], refs: list[Ref], broken: set[Ref]) -> list[str]:
    """Tables so that each comes before every table it refers to (except through a broken
    reference); among those free to go, the earliest in ``order`` first."""
    position = {t: n for n, t in enumerate(order)}
    waiting = {t: 0 for t in order}  # how many tables must come before
    after: dict[str, list[str]] = {t: [] for t in order}
    for r in refs:
        if r in broken or r.table == r.target or r.table not in position:
            continue
        if r.target in position:
            waiting[r.target] += 1
            after[r.table].append(r.target)
    ready = [(position[t], t) for t, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        _, table = heapq.heappop(ready)
        out.append(table)
        for parent in after[table]:
            waiting[parent] -= 1
            if waiting[parent] == 0:
                heapq.heappush(ready, (position[parent], parent))
    return out

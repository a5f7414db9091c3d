"""The plan of a dataset: where the person is found, how every other table is reached, and
the order erasure works in.

Traversal. The tables with ``identity`` or ``subject_key`` come first, in the order the map
declares them; then the others, breadth first along references followed in both directions.
Each table is read once: its rows are those its own identity columns and subject key match,
and those linked to the rows already read of an earlier table: child rows whose columns hold
a found row's key, parent rows whose key a found row holds. A reference back to a table
already read (or to the table itself) adds no rows to it, so the traversal always ends, and
a table shared by many people, reached as a parent, does not lead on to everyone's rows.

Erasure. A table's rows are deleted when one of its columns says ``delete_row``; otherwise
its ``null`` and ``mask`` columns are updated; a table of ``keep`` columns is left alone.
Everything happens in one transaction: first the updates, including references set to NULL
("detach") where a kept row refers to a deleted one, or where deleted tables refer to each
other in a cycle; then the deletes, children before parents. A cycle is broken at the
reference that leads back to a table found earlier (``customers.default_address_id`` in a
customers/addresses cycle), so that column must accept NULL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mamori.connectors._graph import (
    Ref,
    action_of,
    broken_refs,
    children_first,
    declared,
    references,
    traversal,
)
from mamori.connectors.checks import dataset_findings
from mamori.errors import Issue, NotFound, PolicyError
from mamori.policy.checks import Finding
from mamori.policy.loader import format_path
from mamori.policy.model import Dataset, Policy

__all__ = [
    "Action",
    "Detach",
    "Direction",
    "Link",
    "Plan",
    "Step",
    "build_plan",
    "check_datasets",
    "plan_dataset",
]

Direction = Literal["child", "parent"]
Action = Literal["delete", "update", "keep"]


@dataclass(frozen=True)
class Link:
    """Rows of a step's table found from the rows of an earlier table ``source``.

    ``child``: this table's ``columns`` hold ``source``'s ``source_columns`` (it refers to
    ``source``); ``parent``: ``source``'s ``source_columns`` hold this table's ``columns``.
    """

    source: str
    source_columns: tuple[str, ...]
    columns: tuple[str, ...]
    direction: Direction
    reference: str  # where the reference is declared: datasets.shop.tables.orders.references[0]

    def describe(self, table: str) -> str:
        pairs = ", ".join(
            f"{table}.{c} = {self.source}.{s}"
            for c, s in zip(self.columns, self.source_columns, strict=True)
        )
        return f"{self.direction} of {self.source} ({pairs})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "direction": self.direction,
            "columns": list(self.columns),
            "from_columns": list(self.source_columns),
            "reference": self.reference,
        }


@dataclass(frozen=True)
class Step:
    """One table of the traversal: how its rows are found and what erasure does to them."""

    table: str
    level: int
    identity: tuple[tuple[str, str], ...]  # (column, item)
    subject_key: str | None
    links: tuple[Link, ...]
    primary_key: tuple[str, ...]
    read: tuple[str, ...]  # the columns read: keys and mapped columns, nothing else
    action: Action
    nulls: tuple[str, ...]  # set to NULL when the rows are kept
    masks: tuple[str, ...]  # masked when the rows are kept
    kept: tuple[str, ...]
    correctable: tuple[tuple[str, str], ...]  # (column, item)

    def found_by(self) -> list[str]:
        out = [f"identity {c} ({item})" for c, item in self.identity]
        if self.subject_key:
            out.append(f"subject key {self.subject_key}")
        return out + [link.describe(self.table) for link in self.links]

    def erasure(self) -> str:
        if self.action == "delete":
            return "delete rows"
        parts = []
        if self.nulls:
            parts.append("null " + ", ".join(self.nulls))
        if self.masks:
            parts.append("mask " + ", ".join(self.masks))
        return "; ".join(parts) or "keep"

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "level": self.level,
            "identity": dict(self.identity),
            "subject_key": self.subject_key,
            "links": [link.to_dict() for link in self.links],
            "primary_key": list(self.primary_key),
            "read": list(self.read),
            "action": self.action,
            "null": list(self.nulls),
            "mask": list(self.masks),
            "keep": list(self.kept),
            "correct": dict(self.correctable),
        }


@dataclass(frozen=True)
class Detach:
    """Before the deletes: set ``table.columns`` to NULL on the found rows that refer to
    deleted rows of ``target``, because the rows are kept (``kept_rows``) or to break a
    cycle of deleted tables (``cycle``)."""

    table: str
    columns: tuple[str, ...]
    target: str
    to: tuple[str, ...]
    reason: Literal["kept_rows", "cycle"]
    reference: str

    def describe(self) -> str:
        cols = ", ".join(f"{self.table}.{c}" for c in self.columns)
        why = "rows kept" if self.reason == "kept_rows" else "breaks a cycle"
        return f"set {cols} to NULL where it refers to a deleted {self.target} row ({why})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "columns": list(self.columns),
            "target": self.target,
            "to": list(self.to),
            "reason": self.reason,
            "reference": self.reference,
        }


@dataclass(frozen=True)
class Plan:
    """The traversal of a dataset and the order of its erasure."""

    dataset_id: str
    system: str
    steps: tuple[Step, ...]
    detach: tuple[Detach, ...]
    erase_order: tuple[str, ...]  # every table, children before parents

    def step(self, table: str) -> Step:
        for step in self.steps:
            if step.table == table:
                return step
        raise KeyError(table)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset_id,
            "system": self.system,
            "traversal": [s.to_dict() for s in self.steps],
            "erase": {
                "detach": [d.to_dict() for d in self.detach],
                "order": [
                    {"table": t, "action": self.step(t).action, "does": self.step(t).erasure()}
                    for t in self.erase_order
                ],
            },
        }

    def describe(self) -> list[str]:
        """The plan as lines of text for people."""
        lines = [f"dataset {self.dataset_id} ({self.system})", "traversal:"]
        for n, step in enumerate(self.steps, 1):
            lines.append(f"  {n}. {step.table} (level {step.level})")
            lines.extend(f"       found by {how}" for how in step.found_by())
        lines.append("erasure, in one transaction:")
        for n, d in enumerate(self.detach, 1):
            lines.append(f"  {n}. {d.describe()}")
        start = len(self.detach) + 1
        for n, table in enumerate(self.erase_order, start):
            lines.append(f"  {n}. {table}: {self.step(table).erasure()}")
        return lines


def check_datasets(policy: Policy) -> list[Finding]:
    """Every problem of every dataset's map, located by path (``datasets.shop.tables...``)."""
    out: list[Finding] = []
    for dataset_id, dataset in policy.datasets.items():
        out.extend(dataset_findings(dataset_id, dataset))
    return out


def build_plan(policy: Policy, dataset_id: str) -> Plan:
    """The plan of one dataset of ``policy``; :class:`PolicyError` if its map is invalid."""
    dataset = policy.datasets.get(dataset_id)
    if dataset is None:
        known = ", ".join(sorted(policy.datasets)) or "none"
        raise NotFound(f"no dataset '{dataset_id}' in the policy (datasets: {known})")
    return plan_dataset(dataset_id, dataset)


def plan_dataset(dataset_id: str, dataset: Dataset) -> Plan:
    """The plan of ``dataset``; :class:`PolicyError` listing its errors if it is invalid."""
    errors = [f for f in dataset_findings(dataset_id, dataset) if f.severity == "error"]
    if errors:
        raise PolicyError(
            [Issue(f.severity, f.code, format_path(f.loc), f.message) for f in errors]
        )
    refs = references(dataset)
    order = traversal(dataset, refs)
    tables = [t for t, _ in order]
    actions = {t: action_of(dataset.tables[t]) for t in tables}
    steps = tuple(
        _step(dataset_id, dataset, table, level, tables[:n], refs, actions[table])
        for n, (table, level) in enumerate(order)
    )
    broken = broken_refs(tables, refs)
    detach = tuple(_detach(dataset_id, refs, actions, broken))
    erase_order = tuple(children_first(tables, refs, broken))
    return Plan(dataset_id, dataset.system, steps, detach, erase_order)


def _step(
    did: str,
    dataset: Dataset,
    name: str,
    level: int,
    earlier: list[str],
    refs: list[Ref],
    action: Action,
) -> Step:
    table = dataset.tables[name]
    links: list[Link] = []
    for ref in refs:
        if ref.table == name and ref.target in earlier and ref.target != name:
            links.append(Link(ref.target, ref.to, ref.columns, "child", ref.path(did)))
        elif ref.target == name and ref.table in earlier and ref.table != name:
            links.append(Link(ref.table, ref.columns, ref.to, "parent", ref.path(did)))
    erasures = {c: table.column(c).erase.value for c in table.columns}
    deleted = action == "delete"
    correctable = tuple((c, table.column(c).item) for c in table.columns if table.column(c).correct)
    return Step(
        table=name,
        level=level,
        identity=tuple(table.identity.items()),
        subject_key=table.subject_key,
        links=tuple(links),
        primary_key=table.primary_key,
        read=declared(table),
        action=action,
        nulls=() if deleted else tuple(c for c, e in erasures.items() if e == "null"),
        masks=() if deleted else tuple(c for c, e in erasures.items() if e == "mask"),
        kept=tuple(c for c, e in erasures.items() if e == "keep"),
        correctable=correctable,
    )


def _detach(
    did: str, refs: list[Ref], actions: dict[str, Action], broken: set[Ref]
) -> list[Detach]:
    out = []
    for ref in refs:
        if actions[ref.target] != "delete":
            continue
        if actions[ref.table] != "delete":
            out.append(
                Detach(ref.table, ref.columns, ref.target, ref.to, "kept_rows", ref.path(did))
            )
        elif ref in broken:
            out.append(Detach(ref.table, ref.columns, ref.target, ref.to, "cycle", ref.path(did)))
    return out

"""The rules a dataset's map must follow before a connector may run it.

Each finding is located by path (``datasets.shop.tables.orders.references[0]``) so the CLI
can turn it into ``policy.yaml:42``. Codes:

- ``unknown_table``: a reference names a table the dataset does not map;
- ``reference_mismatch``: a reference has a different number of ``columns`` and ``to``;
- ``unknown_column``: a reference's ``to`` column is not declared in the other table (in
  its ``columns``, ``primary_key``, ``identity`` or ``subject_key``);
- ``no_start_table``: no table has ``identity`` or ``subject_key``;
- ``unreachable_table``: a table cannot be reached from one where the person is found;
- ``primary_key_missing``: a table whose rows erasure or correction changes has no key;
- ``cycle_without_key``: a table without a key is part of a cycle of references;
- ``key_changed``: erasure or correction would change a key other rows rely on;
- ``identity_not_mapped`` (warning): an identity column is not in ``columns``, so erasure
  keeps it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from mamori.connectors._graph import Ref, action_of, cycles, reachable, references, starts
from mamori.policy.checks import Finding, Loc
from mamori.policy.model import Dataset, Erasure, Table

__all__ = ["dataset_findings"]


def _error(code: str, loc: Loc, message: str) -> Finding:
    return Finding("error", code, loc, message)


def dataset_findings(dataset_id: str, dataset: Dataset) -> list[Finding]:
    """Every problem of one dataset's map."""
    base: Loc = ("datasets", dataset_id)
    out: list[Finding] = []
    valid: list[Ref] = []
    for ref in references(dataset):
        problems = list(_reference(dataset_id, dataset, ref))
        out.extend(problems)
        if not problems:
            valid.append(ref)
    tables = list(dataset.tables)
    first = starts(dataset)
    if tables and not first:
        out.append(
            _error(
                "no_start_table",
                (*base, "tables"),
                "no table has 'identity' or 'subject_key': the person cannot be found",
            )
        )
    else:
        found = reachable(dataset, valid)
        for name in tables:
            if name not in found:
                out.append(
                    _error(
                        "unreachable_table",
                        (*base, "tables", name),
                        f"table '{name}' cannot be reached through references from a table "
                        f"with identity or subject_key ({', '.join(first)})",
                    )
                )
    actions = {n: action_of(t) for n, t in dataset.tables.items()}
    for name, table in dataset.tables.items():
        need = _why_key(name, table, valid, actions)
        if need and not table.primary_key:
            out.append(
                _error(
                    "primary_key_missing",
                    (*base, "tables", name),
                    f"table '{name}' has no primary_key, needed to {need}",
                )
            )
    for component in cycles(tables, valid):
        for name in component:
            if not dataset.tables[name].primary_key:
                out.append(
                    _error(
                        "cycle_without_key",
                        (*base, "tables", name),
                        f"table '{name}' has no primary_key but is in a cycle of references "
                        f"({' -> '.join([*component, component[0]])})",
                    )
                )
    out.extend(_key_changes(dataset_id, dataset, valid, actions))
    for name, table in dataset.tables.items():
        for column in table.identity:
            if column not in table.columns:
                out.append(
                    Finding(
                        "warning",
                        "identity_not_mapped",
                        (*base, "tables", name, "identity", column),
                        f"identity column '{column}' is not in columns: erasure keeps it",
                    )
                )
    return out


def _reference(did: str, dataset: Dataset, ref: Ref) -> Iterator[Finding]:
    loc = ref.loc(did)
    target = dataset.tables.get(ref.target)
    if target is None:
        yield _error("unknown_table", (*loc, "table"), f"no table '{ref.target}' in {did}")
    if len(ref.columns) != len(ref.to):
        yield _error(
            "reference_mismatch", loc, f"{len(ref.columns)} columns refer to {len(ref.to)} columns"
        )
    if target is None:
        return
    known = {*target.columns, *target.primary_key, *target.identity, target.subject_key}
    for j, column in enumerate(ref.to):
        if column not in known:
            yield _error(
                "unknown_column",
                (*loc, "to", j),
                f"column '{column}' is not declared in table '{ref.target}' "
                "(not in its columns or primary_key)",
            )


def _why_key(name: str, table: Table, refs: list[Ref], actions: Mapping[str, str]) -> str:
    action = actions[name]
    if action != "keep":
        return "delete its rows" if action == "delete" else "null or mask its columns"
    if any(table.column(c).correct for c in table.columns):
        return "correct its rows"
    for ref in refs:
        if ref.table == name and ref.target != name and actions[ref.target] == "delete":
            return f"set its reference to '{ref.target}' to NULL when those rows are deleted"
    return ""


def _key_changes(
    did: str, dataset: Dataset, refs: list[Ref], actions: Mapping[str, str]
) -> Iterator[Finding]:
    """Erasure may change a key only on rows it deletes; correction never changes one."""
    for name, table in dataset.tables.items():
        base: Loc = ("datasets", did, "tables", name)
        kept = actions[name] != "delete"
        keys = {*table.primary_key, *(c for r in refs if r.target == name for c in r.to)}
        links = {c for r in refs if r.table == name for c in r.columns}
        for column in table.columns:
            spec = table.column(column)
            loc = (*base, "columns", column)
            if column in keys | links and spec.correct:
                yield _error("key_changed", loc, f"'{column}' is a key: it cannot be corrected")
            elif kept and column in keys and spec.erase in (Erasure.null, Erasure.mask):
                yield _error(
                    "key_changed",
                    loc,
                    f"'{column}' is a key of table '{name}', whose rows are kept: "
                    f"erase: {spec.erase.value} would break the rows that refer to it "
                    "(use erase: keep)",
                )
            elif kept and column in links and spec.erase is Erasure.mask:
                yield _error(
                    "key_changed",
                    loc,
                    f"'{column}' refers to another table: a mask would break the reference "
                    "(use erase: null)",
                )
        for ref in refs:
            if ref.table != name or not kept or actions[ref.target] != "delete":
                continue
            if set(ref.columns) & set(table.primary_key):
                yield _error(
                    "key_changed",
                    ref.loc(did),
                    f"rows of '{ref.target}' are deleted but '{name}' keeps rows whose "
                    f"primary key refers to them: delete them too (erase: delete_row)",
                )

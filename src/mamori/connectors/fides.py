"""Convert a Fides dataset (fideslang YAML) into mamori ``datasets``.

A Fides document holds ``dataset: [{fides_key, name, collections: [{name, fields: [...]}]}]``;
each field has ``data_categories`` and ``fides_meta`` (older files: ``fidesops_meta``) with
``primary_key``, ``identity`` and ``references: [{dataset, field: "collection.field",
direction}]``. Each collection becomes a table, each field whose category the map gives an
item becomes a mapped column, and each reference a mamori reference (the direction does not
matter: mamori follows references both ways).

The map is a YAML mapping of categories to item ids. A category also covers its
sub-categories (``user.contact`` covers ``user.contact.email``) unless one is mapped on its
own; ``null`` leaves a category out on purpose. A Fides identity (``identity: email``) is
matched through its field's category, or through a ``identity.<name>`` entry of the map.
Nothing is dropped silently: unmapped categories and everything left out are reported.
Key columns are imported with ``erase: keep``, other columns with the default (``null``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from mamori.policy.model import Dataset

__all__ = ["FidesImport", "import_fides"]

_ID_BAD = re.compile(r"[^a-z0-9_]+")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


@dataclass
class FidesImport:
    """The datasets (plain data, ready for YAML) and what did not carry over."""

    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    unmapped: dict[str, list[str]] = field(default_factory=dict)  # category -> fields
    ignored: dict[str, list[str]] = field(default_factory=dict)  # mapped to null on purpose
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "datasets": self.datasets,
            "unmapped": self.unmapped,
            "ignored": self.ignored,
            "notes": self.notes,
        }


def _dataset_id(key: str) -> str:
    out = _ID_BAD.sub("_", key.lower()).strip("_")[:63]
    return out if out[:1].isalpha() else ("d_" + out)[:63]


def _lookup(mapping: Mapping[str, str | None], category: str) -> tuple[bool, str | None]:
    """(found, item) for the longest mapped prefix of ``category``."""
    parts = category.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in mapping:
            return True, mapping[prefix]
    return False, None


def _meta(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = spec.get("fides_meta") or spec.get("fidesops_meta") or {}
    return meta if isinstance(meta, Mapping) else {}


def import_fides(document: Any, mapping: Mapping[str, str | None]) -> FidesImport:
    """Convert a parsed Fides document with a category -> item map."""
    result = FidesImport()
    datasets = document.get("dataset") if isinstance(document, Mapping) else None
    if not isinstance(datasets, list):
        raise ValueError("not a Fides dataset file: no top-level 'dataset' list")
    for spec in datasets:
        if not isinstance(spec, Mapping) or not isinstance(spec.get("fides_key"), str):
            result.notes.append("a dataset without fides_key was left out")
            continue
        _dataset(spec, mapping, result)
    return result


def _dataset(spec: Mapping[str, Any], mapping: Mapping[str, str | None], out: FidesImport) -> None:
    key = spec["fides_key"]
    did = _dataset_id(key)
    if did != key:
        out.notes.append(f"dataset '{key}' is imported as '{did}' (mamori ids are a-z0-9_)")
    tables: dict[str, dict[str, Any]] = {}
    for coll in spec.get("collections") or []:
        name = coll.get("name") if isinstance(coll, Mapping) else None
        if not isinstance(name, str) or not _NAME.match(name):
            out.notes.append(f"{key}: collection '{name}' is not a SQL table name: left out")
            continue
        table = _collection(key, coll, mapping, out)
        if table is None:
            out.notes.append(f"{key}.{name}: no field maps to an item: left out")
        else:
            tables[name] = table
    _finish_references(key, tables, out)
    dataset = {"system": str(spec.get("name") or key), "engine": "other", "tables": tables}
    try:
        Dataset.model_validate(dataset)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            where = ".".join(str(p) for p in err["loc"])
            out.notes.append(f"{did}: {where}: {err['msg']}")
    out.datasets[did] = dataset


def _collection(
    key: str, coll: Mapping[str, Any], mapping: Mapping[str, str | None], out: FidesImport
) -> dict[str, Any] | None:
    name = coll["name"]
    primary_key: list[str] = []
    identity: dict[str, str] = {}
    columns: dict[str, Any] = {}
    references: list[dict[str, Any]] = []
    for spec in coll.get("fields") or []:
        fname = spec.get("name") if isinstance(spec, Mapping) else None
        where = f"{key}.{name}.{fname}"
        if not isinstance(fname, str) or not _NAME.match(fname):
            out.notes.append(f"{where}: not a SQL column name: left out")
            continue
        if spec.get("fields"):
            out.notes.append(f"{where}: nested fields are not supported: left out")
            continue
        meta = _meta(spec)
        items: list[str] = []
        for category in spec.get("data_categories") or []:
            found, item = _lookup(mapping, str(category))
            if not found:
                out.unmapped.setdefault(str(category), []).append(where)
            elif item is None:
                out.ignored.setdefault(str(category), []).append(where)
            else:
                items.append(item)
        if len(set(items)) > 1:
            out.notes.append(f"{where}: categories map to {sorted(set(items))}; '{items[0]}' used")
        if meta.get("primary_key"):
            primary_key.append(fname)
        if meta.get("identity"):
            ident = items[0] if items else _lookup(mapping, f"identity.{meta['identity']}")[1]
            if ident:
                identity[fname] = ident
            else:
                out.notes.append(
                    f"{where}: identity '{meta['identity']}' has no item "
                    f"(map its category or identity.{meta['identity']})"
                )
        if items:
            columns[fname] = (
                {"item": items[0], "erase": "keep"} if fname in primary_key else items[0]
            )
        for ref in meta.get("references") or []:
            converted = _reference(key, where, fname, ref, out)
            if converted is not None:
                references.append(converted)
    if not columns:
        return None
    table: dict[str, Any] = {}
    if primary_key:
        table["primary_key"] = primary_key
    if identity:
        table["identity"] = identity
    table["columns"] = columns
    if references:
        table["references"] = references
    return table


def _reference(
    key: str, where: str, column: str, ref: Any, out: FidesImport
) -> dict[str, Any] | None:
    target = ref.get("field") if isinstance(ref, Mapping) else None
    if not isinstance(target, str) or "." not in target:
        out.notes.append(f"{where}: a reference without 'collection.field': left out")
        return None
    if ref.get("dataset", key) != key:
        out.notes.append(f"{where}: reference to another dataset ({ref.get('dataset')}): left out")
        return None
    collection, _, to = target.partition(".")
    if "." in to:
        out.notes.append(f"{where}: reference to a nested field ({target}): left out")
        return None
    return {"columns": [column], "table": collection, "to": [to]}


def _finish_references(key: str, tables: dict[str, dict[str, Any]], out: FidesImport) -> None:
    """Drop references to tables left out; referenced mapped columns become keys (keep)."""
    for name, table in tables.items():
        kept = []
        for ref in table.get("references", []):
            target = tables.get(ref["table"])
            if target is None:
                out.notes.append(
                    f"{key}.{name}.{ref['columns'][0]}: refers to {ref['table']}, "
                    "which was left out: reference dropped"
                )
                continue
            kept.append(ref)
            for column in ref["to"]:
                value = target["columns"].get(column)
                if isinstance(value, str):
                    target["columns"][column] = {"item": value, "erase": "keep"}
        if kept:
            table["references"] = kept
        else:
            table.pop("references", None)

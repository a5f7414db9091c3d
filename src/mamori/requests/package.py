"""The disclosure package (Art. 33): a ZIP the person downloads once verified.

``data.json`` holds everything; ``vault.csv`` and one CSV per external table hold the same
rows for a spreadsheet; ``index.html`` explains it in Japanese and English (items,
purposes, recipients, consent and provision records, sources); ``manifest.json`` lists
every file with its SHA-256. Entries carry a fixed time, so the same content gives the
same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from mamori.policy.model import Policy

__all__ = ["build_package"]

_STAMP = (2000, 1, 1, 0, 0, 0)
_env = Environment(
    loader=PackageLoader("mamori.requests", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)


def _csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    out = io.StringIO()
    columns = sorted({key for row in rows for key in row})
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheet apps read UTF-8


def _text(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if lang == "en":
        return str(value.en or value.ja)
    return str(value.ja)


def build_package(
    *,
    request_id: str,
    subject: str,
    policy: Policy,
    values: Mapping[str, str],
    systems: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]],
    consents: Sequence[Mapping[str, Any]],
    suspensions: Sequence[Mapping[str, Any]],
    provision_records: Sequence[Mapping[str, Any]],
    generated_at: str,
) -> bytes:
    """The ZIP bytes. ``systems`` maps dataset id -> table -> rows."""
    data = {
        "request": request_id,
        "subject": subject,
        "generated_at": generated_at,
        "controller": policy.controller.name.ja,
        "vault": dict(sorted(values.items())),
        "systems": {
            d: {t: list(rows) for t, rows in tables.items()} for d, tables in systems.items()
        },
        "consents": list(consents),
        "suspensions": list(suspensions),
        "provision_records": list(provision_records),
        "purposes": {
            pid: {"label": p.label.ja, "items": list(p.items)} for pid, p in policy.purposes.items()
        },
    }
    files: dict[str, bytes] = {
        "data.json": json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8"),
        "vault.csv": _csv([{"item": k, "value": v} for k, v in sorted(values.items())]),
    }
    for dataset, tables in sorted(systems.items()):
        for table, rows in sorted(tables.items()):
            files[f"systems/{dataset}/{table}.csv"] = _csv(list(rows))
    held = sorted(values)
    page = _env.get_template("disclosure.html.j2").render(
        request=request_id,
        generated_at=generated_at,
        policy=policy,
        items=[(i, policy.items[i]) for i in held if i in policy.items],
        values=values,
        purposes=[
            (pid, p) for pid, p in policy.purposes.items() if any(i in held for i in p.items)
        ],
        recipients=list(policy.recipients.items()),
        systems={d: {t: len(r) for t, r in ts.items()} for d, ts in systems.items()},
        consents=consents,
        suspensions=suspensions,
        provision_records=provision_records,
        text=_text,
    )
    files["index.html"] = page.encode("utf-8")
    manifest = {
        "request": request_id,
        "files": {name: hashlib.sha256(body).hexdigest() for name, body in sorted(files.items())},
    }
    files["manifest.json"] = json.dumps(manifest, indent=2).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()

"""Making a report, signing it by its audit entry, and checking a report file.

A report is JSON: the ``figures`` (every number the report shows), and the ``signature``:
the SHA-256 of the figures' canonical JSON (sorted keys, UTF-8, no spaces) and the
sequence number and hash of the ``report_generate`` audit entry that recorded that digest
and the period. :func:`verify_report` recomputes the digest, finds the entry, and checks
the chain up to it, so a figure changed afterwards, or a rewritten log, is caught.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mamori.audit import AuditEntryNotFound, AuditEvent, canonical_json, register_action
from mamori.reports.activity import read_activity
from mamori.reports.errors import InvalidReport
from mamori.reports.figures import (
    audit_figures,
    consent_figures,
    key_figures,
    policy_figures,
    request_figures,
)
from mamori.reports.period import Period
from mamori.reports.services import SECTIONS

if TYPE_CHECKING:
    from mamori.core import Mamori

__all__ = [
    "FORMAT",
    "GENERATE",
    "Report",
    "collect_figures",
    "digest_of",
    "generate_report",
    "read_report",
    "verify_report",
]

FORMAT = "mamori-report/1"
GENERATE = "report_generate"
DIGEST = "sha256(canonical JSON of figures)"
register_action(GENERATE)


@dataclass(frozen=True, slots=True)
class Report:
    """A report as made: its figures and the audit entry that signs them."""

    figures: Mapping[str, Any]
    digest: str
    audit_seq: int
    audit_hash: str
    generated_at: str
    generated_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "generated_at": self.generated_at,
            "generated_by": self.generated_by,
            "figures": self.figures,
            "signature": {
                "algorithm": DIGEST,
                "figures_sha256": self.digest,
                "audit_seq": self.audit_seq,
                "audit_hash": self.audit_hash,
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


def collect_figures(core: Mamori, period: Period) -> dict[str, Any]:
    """Every figure of the report over ``period``; JSON data with stable keys."""
    activity = read_activity(core.store, period)
    figures: dict[str, Any] = {
        "period": period.to_dict(),
        "policy": policy_figures(core, period),
        "activity": activity.activity(),
        "accesses": activity.accesses(),
        "collections": activity.collections(),
        "denies": activity.denies(),
        "requests": request_figures(core, period),
        "provisions": activity.provisions(),
        "consent": consent_figures(core, period),
        "keys": key_figures(core, period),
    }
    for name, section in SECTIONS.items():
        figures[name] = section(core, period)
    figures["audit"] = audit_figures(core, period)
    # A JSON round trip: the figures signed are exactly what a reader of the file gets.
    loaded: dict[str, Any] = json.loads(json.dumps(figures, ensure_ascii=False))
    return loaded


def digest_of(figures: Any) -> str:
    return hashlib.sha256(canonical_json(figures)).hexdigest()


def generate_report(core: Mamori, period: Period, *, actor: str) -> Report:
    """Compute the figures and record the ``report_generate`` entry that signs them."""
    figures = collect_figures(core, period)
    digest = digest_of(figures)
    event = AuditEvent(
        actor=actor,
        action=GENERATE,
        detail={
            "format": FORMAT,
            "figures_sha256": digest,
            "since": period.since.isoformat(),
            "until": period.until.isoformat(),
            "timezone": period.zone.key,
        },
    )
    entry = core.audit.record(event)
    return Report(figures, digest, entry.seq, entry.hash.hex(), entry.at, actor)


def verify_report(core: Mamori, document: Any) -> bool:
    """Whether ``document`` (a report's JSON, parsed) is what was signed: its figures hash
    to the digest its ``report_generate`` entry recorded for that period, the entry's hash
    is the one the report names, and the audit chain verifies up to that entry.

    :class:`InvalidReport` when the document is not a mamori report at all.
    """
    figures, signature = _parts(document)
    try:
        entry = core.audit.get(signature["audit_seq"])
    except AuditEntryNotFound:
        return False
    period = figures.get("period") if isinstance(figures, Mapping) else None
    detail = entry.detail
    digest = digest_of(figures)
    if (
        entry.action != GENERATE
        or entry.hash.hex() != signature["audit_hash"]
        or digest != signature["figures_sha256"]
        or detail.get("figures_sha256") != digest
        or not isinstance(period, Mapping)
        or detail.get("since") != period.get("since")
        or detail.get("until") != period.get("until")
        or detail.get("timezone") != period.get("timezone")
    ):
        return False
    chain = core.audit.verify()
    if chain.ok:
        return True
    return chain.first_bad_seq is not None and chain.first_bad_seq > entry.seq


def read_report(text: str | bytes) -> dict[str, Any]:
    """A report file's JSON; :class:`InvalidReport` names what is wrong."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise InvalidReport("the report is not JSON") from None
    _parts(data)
    assert isinstance(data, dict)
    return data


def _parts(document: Any) -> tuple[Any, Mapping[str, Any]]:
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        raise InvalidReport(f"the report's format is not {FORMAT}")
    signature = document.get("signature")
    if not isinstance(signature, Mapping):
        raise InvalidReport("the report has no signature")
    seq = signature.get("audit_seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise InvalidReport("signature.audit_seq must be a positive integer")
    for key in ("audit_hash", "figures_sha256"):
        if not isinstance(signature.get(key), str):
            raise InvalidReport(f"signature.{key} must be a hex string")
    if "figures" not in document:
        raise InvalidReport("the report has no figures")
    return document["figures"], signature

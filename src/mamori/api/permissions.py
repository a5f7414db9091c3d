"""Which staff may call which routes: a small, explicit table of capabilities by role.

Each route declares the one capability it needs. An officer (a policy role with
``officer: true``) holds every capability. Other roles hold what this table gives them by
the role's id in the policy; a role the table does not name holds none. What data a
permitted call may touch is decided afterwards by the access decision (the role's items
and purposes in the policy), never here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

__all__ = ["ROLE_CAPABILITIES", "Capability", "capabilities", "may"]


class Capability(StrEnum):
    subjects_collect = "subjects.collect"
    subjects_find = "subjects.find"
    subjects_read = "subjects.read"
    subjects_correct = "subjects.correct"
    subjects_erase = "subjects.erase"
    use = "use"
    decide = "decide"
    consent_read = "consent.read"
    consent_write = "consent.write"
    suspensions_read = "suspensions.read"
    suspensions_write = "suspensions.write"
    requests_read = "requests.read"
    requests_handle = "requests.handle"  # submit on behalf, send codes, verify, withdraw
    requests_decide = "requests.decide"  # approve, reject, fulfil
    requests_download = "requests.download"
    provision = "provision"
    records_read = "records.read"
    records_purge = "records.purge"
    audit_read = "audit.read"
    audit_verify = "audit.verify"
    audit_checkpoint = "audit.checkpoint"
    jobs_read = "jobs.read"
    incidents_read = "incidents.read"
    incidents_write = "incidents.write"
    inquiries_read = "inquiries.read"
    inquiries_write = "inquiries.write"
    reports_read = "reports.read"
    scans_read = "scans.read"  # stored scans, and scanning a text given in the request
    scans_run = "scans.run"  # scanning a dataset of the data map


C = Capability

ROLE_CAPABILITIES: Mapping[str, frozenset[Capability]] = {
    "support": frozenset(
        {
            C.subjects_find,
            C.subjects_read,
            C.consent_read,
            C.suspensions_read,
            C.requests_read,
            C.requests_handle,
            C.inquiries_read,
            C.inquiries_write,
        }
    ),
    "engineer": frozenset({C.use, C.decide, C.audit_verify, C.jobs_read, C.scans_read}),
    "marketing": frozenset({C.use, C.decide}),
}

_ALL = frozenset(Capability)


def capabilities(role: str, is_officer: bool) -> frozenset[Capability]:
    """What a member of staff in ``role`` may call."""
    if is_officer:
        return _ALL
    return ROLE_CAPABILITIES.get(role, frozenset())


def may(role: str, is_officer: bool, capability: Capability) -> bool:
    return capability in capabilities(role, is_officer)

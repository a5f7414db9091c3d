"""Incidents: leaks, losses and damage of personal data (漏えい等, Art. 26, PPC Rules 7-8).

:class:`Incidents` (``core.incidents``) registers an incident with the moment it was
learned of and the affected subjects, suggests the reportable categories for the officer
to confirm, computes the report deadlines (:mod:`mamori.incidents.deadlines`), drafts the
preliminary and final reports (:func:`draft_report`), notifies each affected person once,
and summarises a period for the self-inspection report.
"""

from mamori.incidents.classify import suggest_categories
from mamori.incidents.deadlines import Deadlines, DueStatus, report_deadlines
from mamori.incidents.errors import IncidentRefused
from mamori.incidents.model import (
    MALICIOUS_CAUSES,
    MASS_THRESHOLD,
    NARRATIVE_FIELDS,
    Category,
    Cause,
    Incident,
    IncidentState,
    NoticeSummary,
    Reporter,
    ReportKind,
)
from mamori.incidents.registry import Incidents
from mamori.incidents.report import FORMATS, ITEM_TITLES, ReportDraft, draft_report

__all__ = [
    "FORMATS",
    "ITEM_TITLES",
    "MALICIOUS_CAUSES",
    "MASS_THRESHOLD",
    "NARRATIVE_FIELDS",
    "Category",
    "Cause",
    "Deadlines",
    "DueStatus",
    "Incident",
    "IncidentRefused",
    "IncidentState",
    "Incidents",
    "NoticeSummary",
    "ReportDraft",
    "ReportKind",
    "Reporter",
    "draft_report",
    "report_deadlines",
    "suggest_categories",
]

"""The periodic self-inspection report (policy §5: 定期的な自己点検).

Over a period of days (by default the previous calendar month), the report counts from the
records themselves: uses of personal data by role, purpose and item; refusals by reason;
requests received, completed on time or late, overdue; provision and its Art. 29-31
records; consent coverage per purpose; key ages; the audit chain's verification and latest
checkpoint; and the incidents, alerts, inquiries and retention registers' own summaries.

:func:`generate_report` records a ``report_generate`` audit entry holding the SHA-256 of
the figures and the period; :func:`verify_report` checks a report file against it. The
report renders as JSON (the figures), HTML (Japanese first, charts as inline SVG) or PDF.
"""

from mamori.reports.errors import InvalidPeriod, InvalidReport
from mamori.reports.period import Period, previous_month
from mamori.reports.render import render_html, render_pdf
from mamori.reports.report import (
    FORMAT,
    GENERATE,
    Report,
    collect_figures,
    generate_report,
    read_report,
    verify_report,
)

__all__ = [
    "FORMAT",
    "GENERATE",
    "InvalidPeriod",
    "InvalidReport",
    "Period",
    "Report",
    "collect_figures",
    "generate_report",
    "previous_month",
    "read_report",
    "render_html",
    "render_pdf",
    "verify_report",
]

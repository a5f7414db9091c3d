"""Alerts to the officer (policy §5: the line for reporting violations and signs of them).

:class:`Alerts` (``core.alerts``) keeps alerts that other parts raise with
:meth:`Alerts.record` and that its detectors find in the audit log and the keys
(:meth:`Alerts.scan`): repeated denies by one actor, an actor reading far more subjects
than usual, an audit log that does not verify, a key-encryption key past its rotation
period. The officer acknowledges an alert or opens an incident from it.
"""

from mamori.alerts.detectors import AUDIT_CHAIN, DENY_BURST, DETECTORS, KEK_AGE, READ_VOLUME
from mamori.alerts.model import Alert, Finding, Thresholds
from mamori.alerts.service import Alerts

__all__ = [
    "AUDIT_CHAIN",
    "DENY_BURST",
    "DETECTORS",
    "KEK_AGE",
    "READ_VOLUME",
    "Alert",
    "Alerts",
    "Finding",
    "Thresholds",
]

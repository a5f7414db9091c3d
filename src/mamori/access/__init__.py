"""Access decisions: who × items × purpose × subject state → :class:`Decision`."""

from mamori.access.decision import Actor, Decision, LegalException, Outcome, Reason
from mamori.access.engine import AccessPolicy, ProvisionTerms, SubjectState

__all__ = [
    "AccessPolicy",
    "Actor",
    "Decision",
    "LegalException",
    "Outcome",
    "ProvisionTerms",
    "Reason",
    "SubjectState",
]

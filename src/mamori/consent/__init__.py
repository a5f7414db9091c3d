"""Consent: an append-only ledger of what each person agreed to, and what they chose now.

:class:`ConsentLedger` records ``given`` and ``withdrawn`` events (and ``expired`` and
``superseded`` ones mamori records itself), each bound to the policy version and the hash
of the notice shown; every access decision reads the folded state (:class:`ConsentView`).
"""

from mamori.consent.ledger import ConsentLedger, anonymise_ip, lock_subject, rule17_shown
from mamori.consent.model import (
    Choice,
    CollectionMethod,
    ConsentEvent,
    ConsentRecord,
    PendingConsent,
    Target,
    TargetKind,
)
from mamori.consent.receipt import RECEIPT_FORMAT, make_receipt, verify_receipt
from mamori.consent.state import ConsentView

__all__ = [
    "RECEIPT_FORMAT",
    "Choice",
    "CollectionMethod",
    "ConsentEvent",
    "ConsentLedger",
    "ConsentRecord",
    "ConsentView",
    "PendingConsent",
    "Target",
    "TargetKind",
    "anonymise_ip",
    "lock_subject",
    "make_receipt",
    "rule17_shown",
    "verify_receipt",
]

"""Third parties (policy §6, Art. 27-31): provision on a checked basis, the records of
Art. 29, 30 and 31 kept for their periods, and sealed packages for recipients."""

from mamori.provision.export import (
    ExportError,
    ExportRow,
    check_sealing,
    open_package,
    pseudonym,
    seal,
)
from mamori.provision.model import (
    Basis,
    LegalGround,
    ProvisionRecord,
    ProvisionResult,
    RecordKind,
)
from mamori.provision.records import ProvisionRecords, keep_until
from mamori.provision.service import Party, ProvisionRefused, Provisions

__all__ = [
    "Basis",
    "ExportError",
    "ExportRow",
    "LegalGround",
    "Party",
    "ProvisionRecord",
    "ProvisionRecords",
    "ProvisionRefused",
    "ProvisionResult",
    "Provisions",
    "RecordKind",
    "check_sealing",
    "keep_until",
    "open_package",
    "pseudonym",
    "seal",
]

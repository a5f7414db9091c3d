"""The errors mamori raises, each with a stable ``code``.

Every error a caller can act on derives from :class:`MamoriError`. The ``code`` of a
class never changes once released: the CLI, the HTTP API and the logs all report it,
and tools match on it. Messages name what was wrong and where, never a personal data
value.

The hierarchy::

    MamoriError                      mamori_error
    ├── ConfigError                  config_invalid
    │   └── SettingMissing           setting_missing
    ├── PolicyError                  policy_invalid
    │   └── PolicyFileError          policy_file_unreadable
    ├── StoreError                   store_error
    │   └── SchemaOutdated           schema_outdated
    ├── NotFound                     not_found
    │   ├── VersionNotFound          policy_version_not_found
    │   └── SubjectNotFound          subject_not_found
    ├── Conflict                     conflict
    │   └── NoPolicyInForce          no_policy_in_force
    ├── CollectRefused               collect_refused
    │   ├── ConsentRefused           consent_refused
    │   │   ├── RequestRefused       request_refused           (mamori.requests)
    │   │   └── ProvisionRefused     provision_refused         (mamori.provision)
    │   └── InquiryRefused           inquiry_refused           (mamori.inquiries)
    ├── AccessDenied                 access_denied
    ├── Unauthenticated              unauthenticated
    ├── Forbidden                    forbidden
    ├── RateLimited                  rate_limited              (mamori.api)
    ├── InvalidInput                 bad_request               (mamori.api)
    ├── DatasetNotConfigured         dataset_not_configured    (mamori.api)
    ├── StaffRefused                 staff_refused             (mamori.staff)
    ├── IncidentRefused              incident_refused          (mamori.incidents)
    ├── RetentionRefused             retention_refused         (mamori.retention)
    ├── InvalidPeriod                report_period_invalid     (mamori.reports)
    ├── InvalidReport                report_invalid            (mamori.reports)
    ├── DecryptionError              decrypt_failed            (mamori.keys)
    │   └── UnwrapError              key_unwrap_failed         (mamori.keys)
    ├── KeyProviderError             key_provider_failed       (mamori.keys)
    ├── NotifyError                  notify_failed             (mamori.notify)
    ├── ConnectorError               connector_failed          (mamori.connectors)
    ├── RecognizerError              recognizer_invalid        (mamori.discovery)
    │   └── RecognizerFileError      recognizer_file_invalid   (mamori.discovery)
    ├── ScanInputError               scan_input_invalid        (mamori.discovery.scanners)
    │   └── ScanSourceError          scan_source_unreachable   (mamori.discovery.scanners)
    ├── ExportError                  export_invalid            (mamori.provision)
    ├── InvalidAuditEvent            audit_event_invalid       (mamori.audit)
    ├── InvalidCheckpoint            audit_checkpoint_invalid  (mamori.audit)
    └── AuditChainBroken             audit_chain_broken        (mamori.audit)

``AuditEntryNotFound`` (mamori.audit) is a ``NotFound``; ``AuditRangeError`` a ``Conflict``.
``ScanNotFound`` (``scan_not_found``, mamori.discovery.scanners) is a ``NotFound``.
``RecognizerNotFound`` (``recognizer_not_found``, mamori.discovery) is a ``NotFound``.
The keys and audit errors live beside their packages, which own them.

``exit_code`` says how the CLI ends on the error: 2 for bad input (a file, a flag, a
setting), 1 for a failed operation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AccessDenied",
    "CollectRefused",
    "ConfigError",
    "Conflict",
    "ConsentRefused",
    "Forbidden",
    "Issue",
    "MamoriError",
    "NoPolicyInForce",
    "NotFound",
    "PolicyError",
    "PolicyFileError",
    "SchemaOutdated",
    "SettingMissing",
    "StoreError",
    "SubjectNotFound",
    "Unauthenticated",
    "VersionNotFound",
]


class MamoriError(Exception):
    """Root of every error mamori raises on purpose."""

    code = "mamori_error"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}


class ConfigError(MamoriError):
    """A setting has a value mamori cannot use."""

    code = "config_invalid"
    exit_code = 2


class SettingMissing(ConfigError):
    """A required setting has no value."""

    code = "setting_missing"


@dataclass(frozen=True)
class Issue:
    """One finding about a policy file: where it is and what is wrong.

    ``severity`` is ``error`` or ``warning``; ``code`` is stable, ``path`` is the dotted
    path inside the document (``purposes.sales.items[2]``), ``line`` is 1-based or None.
    """

    severity: str
    code: str
    path: str
    message: str
    file: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or "<policy>"
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            return f"{where} {self.path}: {self.message}"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "message": self.message,
        }


class PolicyError(MamoriError):
    """A policy declaration is invalid; ``issues`` lists every error found."""

    code = "policy_invalid"
    exit_code = 2

    def __init__(self, issues: Sequence[Issue], message: str | None = None) -> None:
        self.issues = tuple(issues)
        if message is None:
            count = len(self.issues)
            lines = [str(i) for i in self.issues]
            message = f"policy has {count} error{'s' if count != 1 else ''}:\n" + "\n".join(lines)
        super().__init__(message)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "issues": [i.to_dict() for i in self.issues],
        }


class PolicyFileError(PolicyError):
    """The policy file cannot be read as a document at all (missing, too big, binary)."""

    code = "policy_file_unreadable"


class StoreError(MamoriError):
    """The database could not do what was asked."""

    code = "store_error"


class SchemaOutdated(StoreError):
    """The database schema is older than this version of mamori expects."""

    code = "schema_outdated"


class NotFound(MamoriError):
    """A named record does not exist."""

    code = "not_found"
    exit_code = 2


class VersionNotFound(NotFound):
    """No published policy version matches the reference."""

    code = "policy_version_not_found"


class Conflict(MamoriError):
    """The request contradicts the stored state."""

    code = "conflict"


class NoPolicyInForce(Conflict):
    """Nothing may be collected before a policy is published and in force (Art. 21)."""

    code = "no_policy_in_force"


class SubjectNotFound(NotFound):
    """No subject has this id."""

    code = "subject_not_found"


class CollectRefused(MamoriError):
    """Values were refused at collection; ``problems`` maps item -> reason code.

    Nothing was stored: a refused collection writes no value and no subject.
    """

    code = "collect_refused"
    exit_code = 2

    def __init__(self, problems: dict[str, str], message: str | None = None) -> None:
        self.problems = dict(problems)
        detail = ", ".join(f"{item}: {reason}" for item, reason in self.problems.items())
        super().__init__(message or f"collection refused ({detail})")

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "problems": self.problems}


class ConsentRefused(CollectRefused):
    """A consent or suspension was not recorded; ``problems`` maps field -> reason code.

    Nothing was written."""

    code = "consent_refused"

    def __init__(self, problems: dict[str, str], message: str | None = None) -> None:
        detail = ", ".join(f"{field}: {reason}" for field, reason in problems.items())
        super().__init__(problems, message or f"not recorded ({detail})")


class AccessDenied(MamoriError):
    """Data was asked for after the access decision said no."""

    code = "access_denied"

    def __init__(self, reasons: tuple[str, ...], message: str | None = None) -> None:
        self.reasons = reasons
        super().__init__(message or f"access denied: {', '.join(reasons)}")


class Unauthenticated(MamoriError):
    """No valid credentials: a wrong password or code, an unknown, expired or revoked
    token, an ended session, a disabled or locked account (HTTP 401). ``reason`` is a
    code for the record (``bad_password``, ``expired``, ...); the message never echoes
    what was given."""

    code = "unauthenticated"

    def __init__(self, message: str, reason: str = "unauthenticated") -> None:
        super().__init__(message)
        self.reason = reason

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "reason": self.reason}


class Forbidden(MamoriError):
    """Known staff asked for something their role does not allow (HTTP 403)."""

    code = "forbidden"

"""``Mamori``: the one object every adapter (CLI, HTTP, web, jobs) works through.

It is built from :class:`~mamori.settings.Settings` and owns the store, the clock and the
policy in force; services hang off it. Nothing here is global: two ``Mamori`` objects
on two databases live side by side. The core never imports web or CLI code.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from mamori.access import AccessPolicy, Actor, Decision, LegalException, SubjectState
from mamori.alerts import Alerts, Thresholds
from mamori.announcements import Announcements, send_announcement
from mamori.audit import AuditEvent, AuditLog
from mamori.clock import Clock, SystemClock
from mamori.connectors import Connector, connector_for
from mamori.consent import ConsentLedger, ConsentRecord, ConsentView
from mamori.consent.reconsent import superseded_targets
from mamori.errors import NoPolicyInForce, NotFound
from mamori.incidents import Incidents
from mamori.inquiries import InquiryDesk
from mamori.jobs import FULFIL, Job, JobQueue
from mamori.keys import MASKS, Keyring, RotationReport
from mamori.notify import FileOutbox, Notifier, Outbox, SendSummary, SmtpOutbox
from mamori.policy.diff import PolicyDiff
from mamori.policy.loader import LoadedPolicy, load_policy
from mamori.policy.versions import PolicyVersion, PolicyVersions, PublishResult
from mamori.provision import ProvisionRecords, Provisions
from mamori.reports import Period, Report, generate_report, previous_month
from mamori.requests import Fulfiller, Request, RequestDesk
from mamori.retention import Retention
from mamori.settings import Settings
from mamori.staff import StaffAccounts, StaffRules
from mamori.store import Store
from mamori.suspension import Suspensions
from mamori.vault import Vault

if TYPE_CHECKING:
    from mamori.discovery.scanners import Scans

__all__ = ["Mamori"]

_SUBJECT_STATE = (
    "SELECT s.erased_at, c.state, u.scopes FROM subjects s "
    "LEFT JOIN consent_current c ON c.subject_id = s.id "
    "LEFT JOIN suspension_current u ON u.subject_id = s.id WHERE s.id = ?"
)


class Mamori:
    """A running mamori: ``with Mamori.open(settings) as m: ...``."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.store = Store(settings.database_url)
        self.versions = PolicyVersions(self.store, self.clock, settings.zone)
        self._policy: LoadedPolicy | None = None
        self._access: tuple[tuple[int, dt.date, int], float, AccessPolicy, PolicyVersion] | None = (
            None
        )

    @classmethod
    def open(cls, settings: Settings | None = None, *, clock: Clock | None = None) -> Mamori:
        """Open the store (migrating it when ``auto_migrate`` is on) and return the core."""
        mamori = cls(settings or Settings.load(), clock=clock)
        try:
            if mamori.settings.auto_migrate:
                mamori.store.upgrade()
            else:
                mamori.store.check_schema()
        except BaseException:
            mamori.close()
            raise
        return mamori

    def close(self) -> None:
        vault = self.__dict__.get("vault")  # made on first use (a cached property)
        if vault is not None:
            vault.close()
        self.store.close()

    def __enter__(self) -> Mamori:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def today(self) -> dt.date:
        """Today's date in the configured time zone."""
        return self.clock.now().astimezone(self.settings.zone).date()

    @property
    def policy(self) -> LoadedPolicy:
        """The policy file named by the settings, loaded and validated on first use."""
        if self._policy is None:
            self._policy = self.load_policy()
        return self._policy

    def load_policy(self, path: str | Path | None = None) -> LoadedPolicy:
        """Load and validate a policy file (the configured one by default)."""
        return load_policy(path or self.settings.policy, max_bytes=self.settings.policy_max_bytes)

    @cached_property
    def keys(self) -> Keyring:
        """Key-encryption keys, per-subject data keys, the blind-index and signing keys."""
        return Keyring.from_settings(self.settings, self.store, self.clock)

    @cached_property
    def audit(self) -> AuditLog:
        """The hash-chained audit log."""
        return AuditLog(self.store, self.clock)

    @cached_property
    def vault(self) -> Vault:
        """Personal data, encrypted per field; every read passes :meth:`access`."""
        return Vault(self.store, self.keys, self.audit, self.clock, self.access)

    @cached_property
    def consent(self) -> ConsentLedger:
        """Consent events and each subject's current choices (policy §3, §6)."""
        return ConsentLedger(self.store, self.audit, self.clock, self.access, self.version_number)

    @cached_property
    def suspensions(self) -> Suspensions:
        """Suspensions of use (policy §7, Art. 35)."""
        return Suspensions(self.store, self.audit, self.clock, self.access)

    @cached_property
    def announcements(self) -> Announcements:
        """Announcements of policy changes (policy §9)."""
        return Announcements(self.store)

    @cached_property
    def notifier(self) -> Notifier:
        """Messages to persons through the configured outbox; every delivery is audited."""
        s = self.settings
        outbox: Outbox
        if s.notify_backend == "smtp":
            outbox = SmtpOutbox(
                s.smtp_host,
                s.smtp_port,
                s.smtp_username or None,
                s.smtp_password or None,
                starttls=s.smtp_starttls,
                clock=self.clock,
            )
        else:
            outbox = FileOutbox(s.outbox_dir, clock=self.clock)
        return Notifier(outbox, self.audit, self.clock, s.mail_from)

    def gpc_signal(
        self, subject: str, *, actor: str, user_agent: str | None = None
    ) -> list[ConsentRecord]:
        """A Global Privacy Control signal from a known person: with ``honour_gpc`` on, their
        consents to marketing purposes and third parties are withdrawn (method ``gpc``)."""
        if not self.settings.honour_gpc:
            return []
        channel = {"user_agent": user_agent} if user_agent else None
        return self.consent.apply_gpc(subject, actor=actor, channel=channel)

    def announce(
        self, *, actor: str, version: int | None = None, policy_url: str = ""
    ) -> SendSummary:
        """Send the announcement of a policy change to every person with a registered email
        (see :func:`mamori.announcements.send_announcement`)."""
        return send_announcement(self, actor=actor, version=version, policy_url=policy_url)

    @cached_property
    def requests(self) -> RequestDesk:
        """The person's requests (policy §7, Art. 32-39)."""
        return RequestDesk(
            self.store,
            self.audit,
            self.clock,
            self.keys,
            self.vault,
            lambda: self.access().policy,
            lambda: self.notifier,
            self.today,
            self.settings.default_lang,
        )

    @cached_property
    def inquiries(self) -> InquiryDesk:
        """Inquiries and complaints (policy §8, Art. 40), each with its reply date."""
        return InquiryDesk(
            self.store,
            self.audit,
            self.clock,
            self.keys,
            zone=self.settings.zone,
            reply_days=self.settings.inquiry_reply_days,
            lang=self.settings.default_lang,
            notifier=lambda: self.notifier,
            policy=lambda: self.access().policy,
        )

    @cached_property
    def incidents(self) -> Incidents:
        """Leaks, losses and damage (Art. 26): register, classify, report, notify."""
        return Incidents(
            self.store,
            self.audit,
            self.clock,
            self.keys,
            self.vault,
            lambda: self.access().policy,
            lambda: self.notifier,
            zone=self.settings.zone,
            preliminary_days=self.settings.incident_preliminary_days,
            lang=self.settings.default_lang,
        )

    @cached_property
    def alerts(self) -> Alerts:
        """Alerts to the officer: raised by other parts and by the detectors (policy §5)."""
        s = self.settings
        thresholds = Thresholds(
            deny_count=s.alert_deny_count,
            deny_window=dt.timedelta(minutes=s.alert_deny_minutes),
            read_floor=s.alert_read_floor,
            read_factor=s.alert_read_factor,
            baseline_days=s.alert_read_baseline_days,
            kek_days=s.key_rotation_days,
        )
        return Alerts(
            self.store,
            self.audit,
            self.clock,
            self.keys,
            lambda: self.incidents,
            zone=s.zone,
            thresholds=thresholds,
        )

    @cached_property
    def records(self) -> ProvisionRecords:
        """Records of provision and receipt (Art. 29-31), kept for their periods."""
        return ProvisionRecords(self.store, self.audit, self.clock, self.today)

    @cached_property
    def retention(self) -> Retention:
        """Disposal under the policy's retention rules (Art. 22), and the purge of the
        Art. 29-31 records past their periods."""
        return Retention(
            self.store,
            self.audit,
            self.clock,
            self.keys,
            self.versions,
            self.settings.zone,
            self.today,
        )

    @cached_property
    def provisions(self) -> Provisions:
        """Giving data to recipients, and recording data received (policy §6)."""
        return Provisions(
            self.store,
            self.vault,
            self.records,
            self.keys,
            self.versions,
            self.access,
            self.clock.now,
        )

    @cached_property
    def staff(self) -> StaffAccounts:
        """Staff accounts, console logins and API tokens; roles are the policy's."""
        return StaffAccounts(
            self.store,
            self.audit,
            self.clock,
            self.keys,
            lambda: self.access().policy,
            StaffRules.from_settings(self.settings),
        )

    @cached_property
    def jobs(self) -> JobQueue:
        """Work recorded in the database and run by a worker (fulfilment)."""
        return JobQueue(self.store, self.clock)

    def fulfil(self, request_id: str, *, actor: str, now: bool = False) -> Request | Job:
        """Fulfil a verified request: queued as a job (the worker runs it), or with
        ``now`` run here and the request returned."""
        request = self.requests.start(request_id, actor=actor)
        if now:
            return Fulfiller(self).run(request.id, actor=actor)
        job = self.jobs.enqueue(FULFIL, request.id)
        if self.settings.job_backend == "celery":
            from mamori.jobs.celery_app import send

            send(self.settings, job.id)
        return job

    def report(self, period: Period | None = None, *, actor: str = "system") -> Report:
        """The self-inspection report over ``period`` (default: the previous calendar month
        in the configured zone), signed by the ``report_generate`` audit entry it records."""
        chosen = period or previous_month(self.today(), self.settings.zone)
        return generate_report(self, chosen, actor=actor)

    @cached_property
    def scans(self) -> Scans:
        """Discovery scans of text, files and databases, compared with the data map."""
        from mamori.discovery.scanners import ScanRecords, Scans, policy_source

        return Scans(
            ScanRecords(self.store, self.audit, self.clock),
            self.settings,
            policy_source(
                lambda: self.access().policy, lambda: self.policy.policy, self.settings.policy
            ),
            lambda: self.alerts,
        )

    def connector(self, dataset: str) -> Connector:
        """The connector to a system of the data map (its URL from the settings); use it
        in a ``with`` block, which closes its connections."""

        policy = self.access().policy
        if dataset not in policy.datasets:
            raise NotFound(f"the policy maps no dataset '{dataset}'")
        return connector_for(self.settings, policy, dataset, self.keys.mac(MASKS).key_bytes())

    def version_number(self) -> int | None:
        """The number of the policy version in force today (None before any)."""
        version = self.in_force()
        return version.number if version is not None else None

    def in_force(self) -> PolicyVersion | None:
        """The published version in force today (None before any), cached as
        :meth:`access` is: the pages and the consent ledger ask on every call."""
        try:
            return self._current()[1]
        except NoPolicyInForce:
            return None

    def access(self) -> AccessPolicy:
        """Decisions under the published version in force today.

        Nothing is collected or used before a policy is published (Art. 21). The compiled
        policy is cached; a publish in this process or a new day refreshes it, and other
        processes' publishes are seen within a second.
        """
        return self._current()[0]

    def _current(self) -> tuple[AccessPolicy, PolicyVersion]:
        today = self.today()
        cached = self._access
        if cached is not None:
            (generation, day, _), fetched, compiled, version = cached
            fresh = time.monotonic() - fetched < 1.0
            if generation == self.versions.generation and day == today and fresh:
                return compiled, version
        found = self.versions.in_force(today)
        if found is None:
            raise NoPolicyInForce(
                "no published policy is in force: publish one before collecting or using "
                "personal data (Art. 21; `mamori policy publish`)"
            )
        if cached is not None and cached[0][2] == found.number:
            compiled = cached[2]
        else:
            compiled = AccessPolicy(found.policy)
        key = (self.versions.generation, today, found.number)
        self._access = (key, time.monotonic(), compiled, found)
        return compiled, found

    def decide(
        self,
        subject: str,
        items: Sequence[str],
        purpose: str,
        actor: Actor,
        *,
        exception: LegalException | None = None,
        note: str | None = None,
    ) -> Decision:
        """The access decision on using ``items`` of ``subject`` for ``purpose``, with the
        subject's consents and suspensions, in one read. No value is read or decrypted and
        nothing is recorded: the use itself is :meth:`Vault.use`."""
        access = self.access()
        row = self.store.read_one(self.store.sql(_SUBJECT_STATE), (subject,))
        if row is None:
            state = SubjectState(subject, exists=False)
        else:
            consents = ConsentView.from_text(row[1], self.clock.now())
            scopes = frozenset(json.loads(row[2])) if row[2] else frozenset()
            state = SubjectState(subject, True, row[0] is not None, consents, scopes)
        wanted = tuple(dict.fromkeys(items))
        return access.decide(actor, wanted, purpose, state, exception=exception, note=note)

    def publish(
        self, loaded: LoadedPolicy, *, effective: dt.date | None = None, actor: str = "system"
    ) -> PublishResult:
        """Publish a policy version. In the same transaction: the audit entry; consents the
        changes supersede (the subjects to ask again, ``consent.pending()``); and an
        announcement when the changes need one (``notice`` or ``consent`` severity)."""

        def then(conn: Connection, version: PolicyVersion, changes: PolicyDiff | None) -> None:
            targets = superseded_targets(changes, loaded.policy)
            if targets:
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                try:
                    self.consent.supersede(cursor, targets, version.number, actor)
                finally:
                    cursor.close()
            at = self.clock.now()
            self.announcements.create(conn, version.number, version.effective_on, changes, at)

        return self.versions.publish(
            loaded, effective=effective, audit=self.audit, actor=actor, then=then
        )

    def rotate_keys(
        self, *, actor: str = "system", batch_size: int = 1000, progress: Any = None
    ) -> RotationReport:
        """Rotate the key-encryption key (see :meth:`Keyring.rotate`) and record it."""
        report = self.keys.rotate(batch_size=batch_size, progress=progress)
        detail = {
            "old": list(report.old_ids)[:20],
            "new": report.new_id,
            "rewrapped": report.rewrapped,
            "retired": list(report.retired)[:20],
            "remaining": report.remaining,
        }
        self.audit.record(AuditEvent(actor=actor, action="key_rotate", detail=detail))
        return report

"""Announcements of policy changes (policy §9, Art. 21(3)): made when a published version's
changes have ``notice`` or ``consent`` severity, shown by the privacy center, and sent to
every person with a registered contact by ``mamori policy announce``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from mamori.access import Actor
from mamori.audit import AuditEvent
from mamori.errors import ConfigError, NotFound
from mamori.notify import SendSummary
from mamori.policy.diff import PolicyDiff, Severity
from mamori.store import Store, read_date, read_time

if TYPE_CHECKING:
    from mamori.core import Mamori

__all__ = ["Announcement", "Announcements", "send_announcement"]

_COLUMNS = "id, version, severity, effective_on, changes, created_at, sent_at, sent, failed"


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    version: int
    severity: str
    effective_on: dt.date
    changes: tuple[dict[str, str], ...]  # kind, severity, path, summary
    created_at: dt.datetime
    sent_at: dt.datetime | None
    sent: int
    failed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "severity": self.severity,
            "effective_on": self.effective_on.isoformat(),
            "changes": [dict(c) for c in self.changes],
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "sent": self.sent,
            "failed": self.failed,
        }


class Announcements:
    def __init__(self, store: Store) -> None:
        self._store = store

    def create(
        self,
        conn: Connection,
        version: int,
        effective_on: dt.date,
        changes: PolicyDiff | None,
        at: dt.datetime,
    ) -> bool:
        """In the publish transaction: an announcement when the changes need one."""
        if changes is None or changes.severity not in (Severity.notice, Severity.consent):
            return False
        listed = [
            {"kind": c.kind, "severity": c.severity.value, "path": c.path, "summary": c.summary}
            for c in changes
            if c.severity is not Severity.minor
        ]
        conn.exec_driver_sql(
            self._store.sql(
                "INSERT INTO announcements (version, severity, effective_on, changes, created_at, "
                "sent, failed) VALUES (?, ?, ?, ?, ?, 0, 0)"
            ),
            (
                version,
                changes.severity.value,
                self._store.date_param(effective_on),
                json.dumps(listed),
                self._store.timestamp(at),
            ),
        )
        return True

    def list(self) -> list[Announcement]:
        """Newest first."""
        with self._store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                f"SELECT {_COLUMNS} FROM announcements ORDER BY version DESC"
            ).all()
        return [self._row(r) for r in rows]

    def get(self, version: int | None = None) -> Announcement:
        """The announcement of ``version`` (the newest when None); NotFound if none."""
        listed = self.list()
        for item in listed:
            if version is None or item.version == version:
                return item
        which = "any version" if version is None else f"version {version}"
        raise NotFound(f"there is no announcement for {which}")

    def mark_sent(self, ident: int, at: dt.datetime, sent: int, failed: int) -> None:
        with self._store.engine.begin() as conn:
            conn.exec_driver_sql(
                self._store.sql(
                    "UPDATE announcements SET sent_at = ?, sent = sent + ?, failed = ? WHERE id = ?"
                ),
                (self._store.timestamp(at), sent, failed, ident),
            )

    @staticmethod
    def _row(row: Any) -> Announcement:
        ident, version, severity, effective, changes, created, sent_at, sent, failed = row
        return Announcement(
            ident,
            version,
            severity,
            read_date(effective),
            tuple(json.loads(changes)),
            read_time(created),
            read_time(sent_at) if sent_at is not None else None,
            sent,
            failed,
        )


def send_announcement(
    core: Mamori, *, actor: str, version: int | None = None, policy_url: str = ""
) -> SendSummary:
    """Send the announcement of a policy change to every person with a registered email.

    Each message is a use of the person's email for the policy's ``notice_purpose``, so
    it passes the access decision: a person whose use is suspended is not written to
    (counted as failed, the deny audited). Each delivery is audited without the address.
    """
    announcement = core.announcements.get(version)
    access = core.access()
    policy = access.policy
    purpose = policy.notice_purpose
    if purpose is None:
        raise ConfigError(
            "the policy declares no notice_purpose: it says under which purpose notices "
            "to the persons are sent"
        )
    email = next(i for i in policy.purposes[purpose].items if policy.items[i].normaliser == "email")
    recipients: list[tuple[str | None, str]] = []
    denied: list[str] = []
    for use in core.vault.use_many(
        core.vault.holders(email),
        [email],
        purpose,
        Actor(actor, policy.officer_role or ""),
    ):
        sid = use.decision.subject or ""
        if use.allowed and email in use.values:
            recipients.append((sid, use.values[email]))
        else:
            denied.append(sid)
    context = {
        "controller": policy.controller.name.ja,
        "version": announcement.version,
        "effective_date": announcement.effective_on,
        "summary": [c["summary"] for c in announcement.changes],
        "policy_url": policy_url,
    }
    summary = core.notifier.send_many(
        recipients,
        template="policy_change",
        lang=core.settings.default_lang,
        context=context,
        actor=actor,
        purpose=purpose,
    )
    core.announcements.mark_sent(
        announcement.id, core.clock.now(), summary.sent, summary.failed + len(denied)
    )
    core.audit.record(
        AuditEvent(
            actor=actor,
            action="announce",
            purpose=purpose,
            detail={
                "version": announcement.version,
                "sent": summary.sent,
                "failed": summary.failed,
                "not_allowed": len(denied),
            },
        )
    )
    return summary

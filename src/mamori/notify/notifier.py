"""``Notifier``: render a template, deliver it, and audit the delivery.

Each delivery appends one ``notify`` entry naming the template, the language and the
delivery id; a failed delivery appends one with ``failed`` and a short error code. The
audit log never holds the address, the body or a context value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mamori.audit import AuditEvent, AuditLog, InvalidAuditEvent
from mamori.clock import Clock
from mamori.notify.outbox import Message, NotifyError, Outbox
from mamori.notify.templates import render

__all__ = ["Delivery", "Notifier", "SendSummary"]

_ITEMS = ("email",)


@dataclass(frozen=True)
class Delivery:
    """A message that was handed to the outbox."""

    delivery_id: str
    template: str
    lang: str
    subject_id: str | None
    at: dt.datetime


@dataclass(frozen=True)
class SendSummary:
    """What :meth:`Notifier.send_many` did: counts, the deliveries, who was not reached."""

    sent: int
    failed: int
    failed_subjects: tuple[str | None, ...]
    deliveries: tuple[Delivery, ...] = ()


class Notifier:
    """Sends templated messages from ``sender`` through ``outbox``, auditing each one."""

    def __init__(self, outbox: Outbox, audit: AuditLog, clock: Clock, sender: str) -> None:
        self._outbox = outbox
        self._audit = audit
        self._clock = clock
        self.sender = sender

    def send(
        self,
        *,
        to: str,
        template: str,
        lang: str,
        context: Mapping[str, object],
        actor: str,
        subject_id: str | None,
        purpose: str | None = None,
    ) -> Delivery:
        """Render ``template`` in ``lang``, deliver it to ``to`` and audit it.

        A template that does not render raises :class:`NotifyError`, and an actor, subject id
        or purpose the audit log would refuse raises :class:`InvalidAuditEvent`, before
        anything is sent or recorded. A failed delivery (an invalid address included) is
        recorded, then raised as :class:`NotifyError`.
        """
        subject, body = render(template, lang, context)
        base = {"template": template, "lang": lang}
        # Checked now, so a message is never sent that could not then be audited.
        self._event(actor, subject_id, purpose, {**base, "delivery": "-"})
        try:
            message = Message(
                to=to,
                subject=subject,
                body=body,
                template=template,
                lang=lang,
                subject_id=subject_id,
            )
            delivery_id = self._outbox.deliver(message, self.sender)
        except Exception as exc:
            error = exc if isinstance(exc, NotifyError) else None
            reason = error.reason if error is not None else "delivery_failed"
            failed = {**base, "failed": True, "error": reason}
            self._audit.record(self._event(actor, subject_id, purpose, failed))
            if error is not None:
                raise
            # Not chained: the outbox's own message might hold the address.
            raise NotifyError(
                f"delivery failed: {exc.__class__.__name__}", "delivery_failed"
            ) from None
        at = self._clock.now()
        done = {**base, "delivery": delivery_id}
        self._audit.record(self._event(actor, subject_id, purpose, done))
        return Delivery(delivery_id, template, lang, subject_id, at)

    def send_many(
        self,
        recipients: Iterable[tuple[str | None, str]],
        *,
        template: str,
        lang: str,
        context: Mapping[str, object],
        actor: str,
        purpose: str | None = None,
    ) -> SendSummary:
        """Send the same message to each ``(subject_id, address)``.

        A recipient that fails (:class:`NotifyError` or an invalid subject id) is counted and
        the rest are still sent. A template that does not render, an invalid actor or purpose
        raise before anything is sent; an audit log that cannot be written stops the run.
        """
        # A broken template or actor fails once, not once per recipient.
        render(template, lang, context)
        self._event(actor, None, purpose, {"template": template, "lang": lang})
        deliveries: list[Delivery] = []
        failed: list[str | None] = []
        for subject_id, address in recipients:
            try:
                deliveries.append(
                    self.send(
                        to=address,
                        template=template,
                        lang=lang,
                        context=context,
                        actor=actor,
                        subject_id=subject_id,
                        purpose=purpose,
                    )
                )
            except (NotifyError, InvalidAuditEvent):
                failed.append(subject_id)
        return SendSummary(len(deliveries), len(failed), tuple(failed), tuple(deliveries))

    @staticmethod
    def _event(
        actor: str, subject_id: str | None, purpose: str | None, detail: Mapping[str, object]
    ) -> AuditEvent:
        return AuditEvent(
            actor=actor,
            action="notify",
            subject=subject_id,
            purpose=purpose,
            items=_ITEMS,
            detail=detail,
        )

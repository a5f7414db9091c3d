"""Outbound messages to people: templated (Japanese and English), delivered, audited.

:func:`render` turns a template and a context into a subject line and a body;
an :class:`Outbox` (:class:`FileOutbox` for ``.eml`` files, :class:`SmtpOutbox` for a mail
server) delivers a :class:`Message`; :class:`Notifier` does both and appends a ``notify``
audit entry that names the template, the language and the delivery id, never the address,
the body or a context value.
"""

from mamori.notify.notifier import Delivery, Notifier, SendSummary
from mamori.notify.outbox import FileOutbox, Message, NotifyError, Outbox, SmtpOutbox
from mamori.notify.templates import render

__all__ = [
    "Delivery",
    "FileOutbox",
    "Message",
    "Notifier",
    "NotifyError",
    "Outbox",
    "SendSummary",
    "SmtpOutbox",
    "render",
]

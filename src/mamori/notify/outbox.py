"""Where messages go: a directory of ``.eml`` files, or an SMTP server.

Both build the same :class:`email.message.EmailMessage` (UTF-8, with From, To, Subject,
Date and Message-ID). Errors are :class:`NotifyError`, whose text names the server or the
directory and the problem, never the recipient's address or the body.

The error, in the tree of :mod:`mamori.errors`::

    MamoriError
    └── NotifyError        notify_failed        a message could not be rendered or delivered
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import smtplib
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from mamori.clock import Clock, SystemClock
from mamori.errors import MamoriError

__all__ = ["LANGS", "FileOutbox", "Message", "NotifyError", "Outbox", "SmtpOutbox"]

LANGS = ("ja", "en")
_ADDRESS_LIKE = re.compile(r"\S+@\S+")
_MAX_SERVER_TEXT = 200


class NotifyError(MamoriError):
    """A message could not be rendered or delivered.

    ``reason`` is a short code for what went wrong (``template_not_found``,
    ``smtp_connect_failed``, ...); the audit log records it for a failed delivery.
    """

    code = "notify_failed"

    def __init__(self, message: str, reason: str = "notify_failed") -> None:
        super().__init__(message)
        self.reason = reason

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "reason": self.reason}


@dataclass(frozen=True)
class Message:
    """One rendered message to one person. ``repr`` hides the address and the body."""

    to: str = field(repr=False)
    subject: str
    body: str = field(repr=False)
    template: str
    lang: str
    subject_id: str | None = None

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise NotifyError(
                f"language {self.lang!r} is not one of: {', '.join(LANGS)}", "lang_unknown"
            )
        if not self.subject or "\r" in self.subject or "\n" in self.subject:
            raise NotifyError("the subject must be one non-empty line", "subject_invalid")
        address = None
        if isinstance(self.to, str):
            try:
                address = Address(addr_spec=self.to)
            except (ValueError, LookupError, MessageError):
                address = None
        if address is None or not address.username or not address.domain:
            raise NotifyError("the recipient is not a valid email address", "address_invalid")


class Outbox(Protocol):
    """Delivers messages and says which delivery it was."""

    def deliver(self, message: Message, sender: str) -> str:
        """Send ``message`` from ``sender``; return a delivery id (no personal data)."""
        ...


def _build(message: Message, sender: str, at: dt.datetime, token: str) -> EmailMessage:
    """The email for ``message``: UTF-8 text with the usual headers."""
    mail = EmailMessage()
    domain = ""
    try:
        mail["From"] = sender
        header = mail["From"]
        addresses: tuple[Address, ...] = getattr(header, "addresses", ())
        if len(addresses) == 1 and not header.defects:
            domain = addresses[0].domain
    except (ValueError, LookupError, MessageError):
        domain = ""
    if not domain:
        raise NotifyError("the sender is not a single valid email address", "sender_invalid")
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(at.astimezone(dt.UTC))
    mail["Message-ID"] = f"<{token}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body, charset="utf-8", cte="base64")  # 7-bit safe for any relay
    mail["Content-Language"] = message.lang  # after set_content, which drops Content-*
    return mail


def _token() -> str:
    return secrets.token_hex(8)


class FileOutbox:
    """Writes each message to ``<directory>/<UTC timestamp>-<id>.eml``.

    The directory is made with mode 0700 when missing; each file has mode 0600 and is
    written to a temporary file first, then renamed, so a crash never leaves half a message.
    The delivery id is the file name without ``.eml``.
    """

    def __init__(self, directory: Path, *, clock: Clock | None = None) -> None:
        self.directory = Path(directory)
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._last: dt.datetime | None = None
        try:
            if not self.directory.exists():
                self.directory.mkdir(mode=0o700, parents=True)
                os.chmod(self.directory, 0o700)
        except OSError as exc:
            raise NotifyError(
                f"the outbox directory {self.directory} cannot be created: {_os_reason(exc)}",
                "outbox_unavailable",
            ) from None

    def __repr__(self) -> str:
        return f"FileOutbox({str(self.directory)!r})"

    def _stamp(self) -> tuple[dt.datetime, str]:
        """Now, and a file name timestamp later than any this outbox used before."""
        now = self._clock.now().astimezone(dt.UTC)
        with self._lock:
            stamp = now
            if self._last is not None and stamp <= self._last:
                stamp = self._last + dt.timedelta(microseconds=1)
            self._last = stamp
        return now, stamp.strftime("%Y%m%dT%H%M%S%fZ")

    def deliver(self, message: Message, sender: str) -> str:
        now, stamp = self._stamp()
        token = _token()
        data = _build(message, sender, now, token).as_bytes()
        stem = f"{stamp}-{token}"
        try:
            self._write(self.directory / f"{stem}.eml", data)
        except OSError as exc:
            raise NotifyError(
                f"the message cannot be written to {self.directory}: {_os_reason(exc)}",
                "outbox_write_failed",
            ) from None
        return stem

    def _write(self, path: Path, data: bytes) -> None:
        fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                os.fchmod(out.fileno(), 0o600)
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _sync_directory(self.directory)

    def messages(self) -> list[Path]:
        """The ``.eml`` files, oldest first."""
        return sorted(self.directory.glob("*.eml"), key=lambda p: p.name)


def _sync_directory(directory: Path) -> None:
    """Make a rename durable (where the platform allows opening a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_RESPONSE_ERRORS: tuple[tuple[type[smtplib.SMTPResponseException], tuple[str, str]], ...] = (
    (smtplib.SMTPAuthenticationError, ("rejected the login", "smtp_auth_failed")),
    (smtplib.SMTPSenderRefused, ("refused the sender", "smtp_sender_refused")),
    (smtplib.SMTPDataError, ("refused the message", "smtp_data_refused")),
)


def _os_reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def _server_text(error: bytes | str, recipient: str) -> str:
    """What the server said, without addresses (a server may echo the recipient)."""
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    text = text.replace(recipient, "<recipient>")
    text = _ADDRESS_LIKE.sub("<address>", " ".join(text.split()))
    return text[:_MAX_SERVER_TEXT]


class SmtpOutbox:
    """Sends each message through an SMTP server.

    With ``starttls`` (the default) the connection is upgraded to TLS before anything else
    is sent, and a server that does not offer STARTTLS is refused. ``tls_context`` replaces
    the default one (system CAs, host name checked), e.g. to trust a private CA. The password
    is not shown in ``repr``. The delivery id is the local part of the Message-ID.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 10.0,
        *,
        tls_context: ssl.SSLContext | None = None,
        clock: Clock | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise NotifyError(
                "SMTP needs both a username and a password, or neither", "smtp_config_invalid"
            )
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.starttls = starttls
        self.timeout = timeout
        self._tls_context = tls_context
        self._clock: Clock = clock or SystemClock()

    def __repr__(self) -> str:
        return (
            f"SmtpOutbox(host={self.host!r}, port={self.port!r}, username={self.username!r},"
            f" starttls={self.starttls!r}, timeout={self.timeout!r})"
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def deliver(self, message: Message, sender: str) -> str:
        token = _token()
        mail = _build(message, sender, self._clock.now(), token)
        try:
            self._send(mail)
        except NotifyError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            said = [f"{c} {_server_text(t, message.to)}" for c, t in exc.recipients.values()]
            raise NotifyError(
                f"the SMTP server {self.where} refused the recipient: {'; '.join(said)}",
                "smtp_recipient_refused",
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise self._error(exc, message.to) from None
        except smtplib.SMTPException as exc:
            raise NotifyError(
                f"sending through the SMTP server {self.where} failed: {exc.__class__.__name__}",
                "smtp_failed",
            ) from None
        except ssl.SSLError as exc:
            raise NotifyError(
                f"TLS with the SMTP server {self.where} failed: {exc.reason or 'SSLError'}",
                "smtp_tls_failed",
            ) from None
        except OSError as exc:
            raise NotifyError(
                f"the connection to the SMTP server {self.where} failed: {_os_reason(exc)}",
                "smtp_connect_failed",
            ) from None
        return token

    def _error(self, exc: smtplib.SMTPResponseException, recipient: str) -> NotifyError:
        what, reason = "answered with an error", "smtp_failed"
        for kind, pair in _RESPONSE_ERRORS:
            if isinstance(exc, kind):
                what, reason = pair
                break
        said = _server_text(exc.smtp_error, recipient)
        return NotifyError(
            f"the SMTP server {self.where} {what}: {exc.smtp_code} {said}".rstrip(), reason
        )

    def _send(self, mail: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                if not smtp.has_extn("starttls"):
                    raise NotifyError(
                        f"the SMTP server {self.where} does not offer STARTTLS",
                        "smtp_tls_unavailable",
                    )
                context = self._tls_context or ssl.create_default_context()
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username is not None and self._password is not None:
                smtp.login(self.username, self._password)
            smtp.send_message(mail)

"""SmtpOutbox against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mamori.notify import Message, NotifyError, SmtpOutbox

HOST = "127.0.0.1"
ADDRESS = "hanako.yamada@example.jp"
SENDER = "メタ・オールスターズ <privacy@meta-all-stars.example>"
BODY = "山田 花子 様\n\n確認コードは 482913 です。\n"


def message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "to": ADDRESS,
        "subject": "【メタ】確認コードのお知らせ",
        "body": BODY,
        "template": "verification_code",
        "lang": "ja",
        "subject_id": "s_0001",
    }
    fields.update(changes)
    return Message(**fields)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Handler:
    """Keeps what arrives; refuses recipients at ``refused.example``, as a server might,
    echoing the address back."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.endswith("@refused.example"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


def authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret-pw"
    return AuthResult(success=ok, handled=False)


@contextmanager
def serve(handler: Handler, **kwargs: Any) -> Iterator[Controller]:
    controller = Controller(handler, hostname=HOST, port=free_port(), **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def server() -> Iterator[tuple[Controller, Handler]]:
    handler = Handler()
    with serve(handler, authenticator=authenticate, auth_require_tls=False) as controller:
        yield controller, handler


@pytest.fixture
def tls(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a self-signed certificate for 127.0.0.1, and a client context
    that trusts it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mamori test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client_context = ssl.create_default_context(cadata=cert_pem.decode("ascii"))
    return server_context, client_context


def received(handler: Handler) -> EmailMessage:
    [envelope] = handler.envelopes
    assert isinstance(envelope.original_content, bytes)
    parsed = BytesParser(policy=default).parsebytes(envelope.original_content)
    assert isinstance(parsed, EmailMessage)
    return parsed


def outbox(controller: Controller, **kwargs: Any) -> SmtpOutbox:
    kwargs.setdefault("starttls", False)
    return SmtpOutbox(HOST, controller.port, timeout=5.0, **kwargs)


def test_message_arrives(server: tuple[Controller, Handler]) -> None:
    controller, handler = server
    token = outbox(controller).deliver(message(), SENDER)
    envelope = handler.envelopes[0]
    assert envelope.mail_from == "privacy@meta-all-stars.example"
    assert envelope.rcpt_tos == [ADDRESS]
    parsed = received(handler)
    assert parsed["To"] == ADDRESS
    assert parsed["Subject"] == "【メタ】確認コードのお知らせ"
    assert parsed["Message-ID"] == f"<{token}@meta-all-stars.example>"
    assert parsed["Date"].datetime.tzinfo is not None
    assert parsed.get_content() == BODY


def test_login(server: tuple[Controller, Handler]) -> None:
    controller, handler = server
    outbox(controller, username="mamori", password="s3cret-pw").deliver(message(), SENDER)
    assert received(handler)["To"] == ADDRESS


def test_failed_login_names_the_server_not_the_password(
    server: tuple[Controller, Handler],
) -> None:
    controller, handler = server
    box = outbox(controller, username="mamori", password="wrong-pw")
    with pytest.raises(NotifyError) as caught:
        box.deliver(message(), SENDER)
    error = caught.value
    assert error.reason == "smtp_auth_failed"
    assert f"{HOST}:{controller.port}" in error.message and "535" in error.message
    assert "wrong-pw" not in error.message and ADDRESS not in error.message
    assert handler.envelopes == []


def test_refused_recipient_does_not_echo_the_address(
    server: tuple[Controller, Handler],
) -> None:
    controller, handler = server
    with pytest.raises(NotifyError) as caught:
        outbox(controller).deliver(message(to="taro@refused.example"), SENDER)
    error = caught.value
    assert error.reason == "smtp_recipient_refused"
    assert f"{HOST}:{controller.port}" in error.message and "550" in error.message
    assert "Recipient address rejected: User unknown" in error.message
    assert "taro" not in error.message and "refused.example" not in error.message
    assert handler.envelopes == []


def test_refused_connection_names_host_and_port_not_the_address() -> None:
    port = free_port()  # nothing listens there any more
    with pytest.raises(NotifyError) as caught:
        SmtpOutbox(HOST, port, starttls=False, timeout=5.0).deliver(message(), SENDER)
    error = caught.value
    assert error.reason == "smtp_connect_failed"
    assert error.code == "notify_failed"
    assert f"{HOST}:{port}" in error.message
    assert ADDRESS not in error.message and "482913" not in error.message


def test_starttls_is_required_by_default(server: tuple[Controller, Handler]) -> None:
    controller, handler = server
    with pytest.raises(NotifyError) as caught:
        SmtpOutbox(HOST, controller.port, timeout=5.0).deliver(message(), SENDER)
    assert caught.value.reason == "smtp_tls_unavailable"
    assert f"{HOST}:{controller.port}" in caught.value.message
    assert handler.envelopes == []


def test_starttls(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_context, client_context = tls
    handler = Handler()
    with serve(handler, tls_context=server_context, require_starttls=True) as controller:
        box = SmtpOutbox(HOST, controller.port, timeout=5.0, tls_context=client_context)
        box.deliver(message(), SENDER)
        assert received(handler).get_content() == BODY


def test_an_untrusted_certificate_is_refused(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_context, _ = tls
    handler = Handler()
    with serve(handler, tls_context=server_context, require_starttls=True) as controller:
        with pytest.raises(NotifyError) as caught:
            SmtpOutbox(HOST, controller.port, timeout=5.0).deliver(message(), SENDER)
        assert caught.value.reason == "smtp_tls_failed"
        assert f"{HOST}:{controller.port}" in caught.value.message
        assert handler.envelopes == []


def test_repr_hides_the_password() -> None:
    box = SmtpOutbox("smtp.example.jp", 587, username="mamori", password="s3cret-pw")
    shown = repr(box)
    assert "s3cret-pw" not in shown and str(box) == shown
    assert "smtp.example.jp" in shown and "587" in shown and "mamori" in shown


def test_username_without_password_is_refused() -> None:
    with pytest.raises(NotifyError) as caught:
        SmtpOutbox("smtp.example.jp", 587, username="mamori")
    assert caught.value.reason == "smtp_config_invalid"

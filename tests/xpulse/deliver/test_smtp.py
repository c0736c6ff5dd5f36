"""Email end to end against a real local SMTP server (aiosmtpd): STARTTLS, SSL, AUTH, plain.

The certificate is a throwaway self-signed one made here for 127.0.0.1; the destination
trusts it through the ssl context it accepts. Received messages are parsed and checked.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from xpulse.analytics.document import Report
from xpulse.deliver.smtp import SmtpDestination
from xpulse.errors import DeliveryError, DestinationConfigError
from xpulse.render.email import report_message

USER = "reports-bot"
PASSWORD = "fake-test-password-42"  # made up for these tests


@dataclass
class Inbox:
    """What the local server received, and how clients authenticated."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    mechanisms: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        self.mechanisms.append(mechanism)
        ok = (
            isinstance(data, LoginPassword)
            and data.login == USER.encode()
            and data.password == PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False)  # False: the server answers 535


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xpulse test SMTP")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def server_tls(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert)
    return context


@pytest.fixture
def client_tls(cert: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert[0]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Start = Callable[..., tuple[Inbox, int]]


@pytest.fixture
def smtp_server() -> Iterator[Start]:
    controllers: list[Controller] = []

    def start(**kwargs: Any) -> tuple[Inbox, int]:
        inbox = Inbox()
        port = free_port()
        if kwargs.pop("auth", False):
            kwargs["authenticator"] = inbox.authenticate
            kwargs["auth_required"] = True
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return inbox, port

    yield start
    for controller in controllers:
        controller.stop()


def destination(port: int, **kwargs: Any) -> SmtpDestination:
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "starttls",
        "username": USER,
        "password": PASSWORD,
        "sender": "xpulse <reports@example.com>",
        "recipients": ["team@example.org", "Boss <boss@example.net>"],
        "timeout": 5.0,
    }
    settings.update(kwargs)
    return SmtpDestination(**settings)


def received(inbox: Inbox) -> EmailMessage:
    assert len(inbox.messages) == 1
    parsed = email.message_from_bytes(inbox.messages[0][2], policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def check_report_mail(msg: EmailMessage) -> None:
    """Both parts present, every cid image referenced and attached, totals in the text."""
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html is not None
    text = plain.get_content()
    assert "32,500" in text and "968" in text and "2.98%" in text
    page = html.get_content()
    images = {
        str(p["Content-ID"]).strip().strip("<>"): p.get_content()
        for p in msg.walk()
        if p.get_content_type() == "image/png"
    }
    assert len(images) == 2
    for cid, data in images.items():
        assert f'src="cid:{cid}"' in page
        assert data.startswith(b"\x89PNG")


def test_starttls_with_auth_login_delivers_the_report(
    smtp_server: Start,
    server_tls: ssl.SSLContext,
    client_tls: ssl.SSLContext,
    report: Report,
) -> None:
    inbox, port = smtp_server(
        tls_context=server_tls, require_starttls=True, auth=True, auth_exclude_mechanism=["PLAIN"]
    )
    dest = destination(port, ssl_context=client_tls)
    msg = report_message(report, sender=dest.sender, recipients=dest.recipients)
    assert dest.send(msg) == []
    assert inbox.mechanisms == ["LOGIN"]
    mail_from, rcpts, _ = inbox.messages[0]
    assert mail_from == "reports@example.com"
    assert rcpts == ["team@example.org", "boss@example.net"]
    parsed = received(inbox)
    assert parsed["Subject"] == "X report · @brand · 2026-W21"
    check_report_mail(parsed)
    assert PASSWORD not in repr(dest)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_ssl_with_auth_plain(
    smtp_server: Start,
    server_tls: ssl.SSLContext,
    client_tls: ssl.SSLContext,
    report: Report,
) -> None:
    # aiosmtpd only counts STARTTLS as TLS for AUTH; this connection is TLS from the start.
    inbox, port = smtp_server(ssl_context=server_tls, auth=True, auth_require_tls=False)
    dest = destination(port, security="ssl", ssl_context=client_tls)
    dest.send(report_message(report, sender=dest.sender, recipients=dest.recipients))
    assert inbox.messages[0][0] == "reports@example.com" and inbox.mechanisms == ["PLAIN"]
    check_report_mail(received(inbox))


def test_plain_local_server_without_login(smtp_server: Start, report: Report) -> None:
    inbox, port = smtp_server()
    dest = destination(port, security="none", username=None)
    dest.send(report_message(report, sender=dest.sender, recipients=dest.recipients))
    check_report_mail(received(inbox))


def test_wrong_password_fails_clearly_without_the_password(
    smtp_server: Start,
    server_tls: ssl.SSLContext,
    client_tls: ssl.SSLContext,
    report: Report,
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, port = smtp_server(tls_context=server_tls, require_starttls=True, auth=True)
    dest = destination(port, ssl_context=client_tls, password="fake-wrong-password-7")
    with pytest.raises(DeliveryError, match="refused the login of 'reports-bot'") as info:
        dest.send(report_message(report, sender=dest.sender, recipients=dest.recipients))
    assert not info.value.retryable and inbox.messages == []
    assert "fake-wrong-password" not in str(info.value) + caplog.text


def test_a_login_without_its_password_is_a_config_error() -> None:
    """The password comes resolved (operations.targets says where to set it); a login
    without one stops before any connection."""
    for missing in (None, ""):
        with pytest.raises(DestinationConfigError, match="no SMTP password for 'reports-bot'"):
            destination(2525, password=missing)
    assert destination(2525, username=None, password=None).username is None


def test_untrusted_certificate_is_refused(
    smtp_server: Start, server_tls: ssl.SSLContext, report: Report
) -> None:
    inbox, port = smtp_server(tls_context=server_tls, require_starttls=True, auth=True)
    dest = destination(port)  # the system's trust store does not know the throwaway cert
    with pytest.raises(DeliveryError, match="TLS failed") as info:
        dest.send(report_message(report, sender=dest.sender, recipients=dest.recipients))
    assert inbox.messages == [] and inbox.mechanisms == []
    assert PASSWORD not in str(info.value)


def test_server_down_is_a_retryable_error(report: Report) -> None:
    dest = destination(free_port(), security="none", username=None)
    with pytest.raises(DeliveryError, match=r"cannot connect to 127\.0\.0\.1") as info:
        dest.send(report_message(report, sender=dest.sender, recipients=dest.recipients))
    assert info.value.retryable


def test_server_without_starttls_is_refused_before_any_login(
    smtp_server: Start, report: Report
) -> None:
    inbox, port = smtp_server()  # plain server: no STARTTLS offered
    dest = destination(port)
    with pytest.raises(DeliveryError, match="does not offer STARTTLS") as info:
        dest.send(report_message(report, sender=dest.sender, recipients=dest.recipients))
    assert not info.value.retryable and inbox.messages == []

"""Email delivery over SMTP, with STARTTLS or implicit TLS (``ssl``).

The password comes resolved (from the environment or the OS keyring, by
:mod:`xpulse.operations.targets`): this module moves bytes and looks nothing up. It never
appears in a message, a log line, a repr or an exception; smtplib's debug output (which
would show AUTH) is never turned on.
Plain ``none`` security is allowed only to a loopback host, so credentials and reports are
never sent in clear over a network. The message comes rendered (a MIME message); the
settings come checked (:func:`xpulse.config.delivery.check_smtp`, when the config loads).
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Final, Literal

from xpulse.errors import DeliveryError, DestinationConfigError, message_line

NAME: Final = "email"
LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})
Security = Literal["starttls", "ssl", "none"]
SECURITIES: Final[tuple[Security, ...]] = ("starttls", "ssl", "none")

log = logging.getLogger(__name__)


@dataclass(repr=False)
class SmtpDestination:
    """Sends report messages through one SMTP server.

    ``ssl_context`` defaults to the system's verified context; tests pass one that trusts
    their throwaway certificate. ``password`` is the login's, given with ``username``.
    """

    host: str
    port: int
    security: Security
    username: str | None
    password: str | None = field(repr=False)
    sender: str
    recipients: Sequence[str]
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None
    name: str = field(default=NAME, init=False)

    def __post_init__(self) -> None:
        # The settings were checked when the config loaded; this guard keeps a password and
        # a report from ever crossing a network in clear, whoever builds the destination.
        if self.security not in SECURITIES:
            raise DestinationConfigError(NAME, f"SMTP security {self.security!r} is unknown")
        if self.security == "none" and self.host.strip().lower() not in LOOPBACK:
            raise DestinationConfigError(
                NAME, f"SMTP security 'none' sends in clear: use starttls or ssl for {self.host}"
            )
        self.host = self.host.strip()
        if self.username and not self.password:
            raise DestinationConfigError(
                NAME, f"no SMTP password for {self.username!r} at {self.host}"
            )
        self.recipients = list(self.recipients)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"

    def __repr__(self) -> str:
        return f"SmtpDestination({self.where}, user={self.username!r})"

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security != "starttls":
            return client
        try:
            client.ehlo()
            if not client.has_extn("starttls"):
                raise DeliveryError(
                    NAME,
                    f"{self.where} does not offer STARTTLS; use security = 'ssl' or another port",
                    retryable=False,
                )
            client.starttls(context=self._context())
            client.ehlo()
        except BaseException:
            client.close()  # never leave the socket open behind a failed handshake
            raise
        return client

    def check(self) -> str:
        """Connect, secure, log in and quit, sending nothing (``xpulse config check``).

        Raises :class:`DeliveryError` with the cause, like :meth:`send` would."""
        with self._session():
            pass
        return f"{self.where} answers" + (" and accepts the login" if self.username else "")

    def send(self, message: EmailMessage) -> list[str]:
        """Send ``message`` to the configured recipients in one SMTP transaction.

        Returns the recipients the server refused while accepting others (usually none);
        raises :class:`DeliveryError` when the message was not accepted at all.
        """
        with self._session() as client:
            try:
                refused = client.send_message(
                    message,
                    from_addr=_bare(self.sender),
                    to_addrs=[_bare(r) for r in self.recipients],
                )
            except smtplib.SMTPRecipientsRefused as e:
                raise DeliveryError(
                    NAME,
                    f"{self.where} refused every recipient ({', '.join(sorted(e.recipients))})",
                    retryable=False,
                ) from None
            except smtplib.SMTPNotSupportedError as e:
                raise DeliveryError(NAME, f"{self.where}: {_reason(e)}", retryable=False) from None
            except (OSError, smtplib.SMTPException) as e:
                raise DeliveryError(
                    NAME, f"{self.where} did not accept the message: {_reason(e)}"
                ) from None
        if refused:
            log.warning("email: %s refused %s", self.where, ", ".join(sorted(refused)))
        log.info("email: sent to %d recipient(s) via %s", len(self.recipients), self.where)
        return sorted(refused)

    @contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        """A connected, secured and logged-in client, quit on the way out; a failure to get
        there is a :class:`DeliveryError` naming the cause."""
        try:
            client = self._connect()
        except DeliveryError:
            raise
        except (OSError, smtplib.SMTPException) as e:
            raise DeliveryError(NAME, f"cannot connect to {self.where}: {_reason(e)}") from None
        try:
            try:
                if self.username and self.password:
                    client.login(self.username, self.password)
            except smtplib.SMTPAuthenticationError as e:
                raise DeliveryError(
                    NAME,
                    f"{self.where} refused the login of {self.username!r} ({e.smtp_code}); "
                    "check the username and password",
                    retryable=False,
                ) from None
            except (OSError, smtplib.SMTPException) as e:
                raise DeliveryError(NAME, f"{self.where}: {_reason(e)}") from None
            yield client
        finally:
            _quit(client)


def _bare(address: str) -> str:
    return parseaddr(address)[1]


def _reason(error: BaseException) -> str:
    """A one-line cause that quotes the server's reply, never our credentials."""
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error
        text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        return f"{error.smtp_code} {message_line(text)[:160]}"
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({message_line(error.reason or str(error))[:120]})"
    return message_line(str(error))[:160] or type(error).__name__


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()

"""Slack delivery through an incoming webhook (slack_sdk's ``WebhookClient``).

A webhook URL is a secret: anyone holding its path can post to the channel. It never
appears in a message, a log line or a repr; they show ``https://hooks.slack.com/…``.
slack_sdk logs the URL at DEBUG, so the client gets a logger of its own that is silenced.
A 429 is honoured through ``Retry-After`` with a bounded, injectable sleep.
"""

from __future__ import annotations

import logging
import math
import re
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.error import URLError
from urllib.parse import urlsplit

from xpulse.errors import DeliveryError, DestinationConfigError, message_line

NAME: Final = "slack"
LOCAL_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
_CONTROLS = re.compile(r"[\x00-\x20\x7f]")

# slack_sdk logs the webhook URL and request body at DEBUG (and errors at ERROR): a logger
# of its own, set above CRITICAL and not propagated, keeps the secret path out of any log.
_SDK_LOG = logging.getLogger("xpulse.deliver.slack.sdk")
_SDK_LOG.setLevel(logging.CRITICAL + 1)
_SDK_LOG.propagate = False

log = logging.getLogger(__name__)


def check_webhook_url(url: str) -> str:
    """The webhook URL if it is usable, else ``ValueError`` with a message free of its path.

    https only, with a host and a path; plain http is allowed for 127.0.0.1/localhost
    (a local receiver in tests and the demo). No user:password part, no whitespace.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError("the Slack webhook URL is empty")
    url = url.strip()
    if _CONTROLS.search(url):
        raise ValueError("the Slack webhook URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError("the Slack webhook URL is malformed") from None
    scheme = parts.scheme.lower()
    if not host:
        raise ValueError(f"the Slack webhook URL has no host ({scheme or 'no scheme'}://?)")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"the Slack webhook URL for {host} must not contain a user or password")
    if scheme == "http" and host not in LOCAL_HOSTS:
        raise ValueError(
            f"the Slack webhook URL for {host} must use https (http only for 127.0.0.1)"
        )
    if scheme not in ("http", "https"):
        raise ValueError(f"the Slack webhook URL for {host} must use https, not {scheme!r}")
    if parts.path in ("", "/"):
        raise ValueError(f"the Slack webhook URL for {host} has no path (copy the whole URL)")
    return url


def check_reachable(url: str, timeout: float = 10.0) -> str:
    """Connect to the webhook's host (TLS handshake included for https), posting nothing.

    ``ValueError`` names the host and the cause, never the URL's secret path."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme.lower() == "https"
    port = parts.port or (443 if secure else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            if secure:
                context = ssl.create_default_context()
                with context.wrap_socket(sock, server_hostname=host):
                    pass
    except ssl.SSLError as e:
        raise ValueError(f"TLS with {host}:{port} failed ({e.reason or e})") from None
    except OSError as e:
        raise ValueError(f"cannot connect to {host}:{port} ({e.strerror or e})") from None
    return f"{host}:{port} answers ({'TLS' if secure else 'plain http'}; nothing posted)"


def redact_url(url: str) -> str:
    """``https://hooks.slack.com/…``: scheme and host only; the path is the secret."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<malformed URL>"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme or '?'}://{host}{port}/…"


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); 1 if absent."""
    if value is None or not value.strip():
        return 1.0
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return 1.0
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return 1.0
    return max(seconds, 0.0)


class SlackDestination:
    """Posts Block Kit payloads to one incoming webhook.

    ``send`` either returns (Slack answered 2xx) or raises :class:`DeliveryError`; a 429 is
    retried after ``Retry-After`` up to ``max_attempts`` posts in all, as long as each wait
    is at most ``max_wait`` seconds (a longer wait is left to the next run).
    """

    name = NAME

    def __init__(
        self,
        webhook_url: str,
        *,
        timeout: float = 15.0,
        max_attempts: int = 4,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        try:
            self._url = check_webhook_url(webhook_url)
        except ValueError as e:
            raise DestinationConfigError(NAME, str(e)) from None
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.where = redact_url(self._url)
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self._sleep = sleep
        self._ssl = ssl_context

    def __repr__(self) -> str:
        return f"SlackDestination({self.where!r})"

    def _client(self) -> Any:
        from slack_sdk.webhook import WebhookClient

        return WebhookClient(
            url=self._url,
            timeout=max(1, math.ceil(self.timeout)),
            ssl=self._ssl,
            logger=_SDK_LOG,
            retry_handlers=[],  # 429 is handled below, with our bounded, injectable sleep
        )

    def _scrub(self, text: str) -> str:
        """One short line with the webhook URL and its path removed, whatever echoed them."""
        path = urlsplit(self._url).path
        cleaned = message_line(text).replace(self._url, self.where)
        if path.strip("/"):
            cleaned = cleaned.replace(path, "/…")
        return cleaned[:200]

    def send(self, payload: Mapping[str, Any]) -> None:
        """Post ``payload``, Block Kit as rendered and checked by the caller."""
        client = self._client()
        body = dict(payload)
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = client.send_dict(body)
            except (URLError, OSError, ValueError) as e:
                reason = e.reason if isinstance(e, URLError) else e
                raise DeliveryError(
                    NAME,
                    f"cannot reach {self.where}: {self._scrub(str(reason) or type(e).__name__)}",
                ) from None
            except Exception as e:  # slack_sdk's own errors (e.g. SlackRequestError)
                raise DeliveryError(
                    NAME, f"cannot post to {self.where}: {self._scrub(str(e))}"
                ) from None
            status = int(response.status_code)
            if 200 <= status < 300:
                log.info("slack: posted to %s (HTTP %d)", self.where, status)
                return
            detail = self._scrub(str(response.body or "")) or "no detail"
            if status == 429:
                headers = {str(k).lower(): str(v) for k, v in (response.headers or {}).items()}
                wait = retry_after_seconds(headers.get("retry-after"))
                if attempt == self.max_attempts or wait > self.max_wait:
                    raise DeliveryError(
                        NAME,
                        f"{self.where} is rate-limiting (HTTP 429, retry after {wait:.0f} s); "
                        "the report was not posted and will be retried on the next run",
                    )
                log.info("slack: HTTP 429 from %s, waiting %.1f s", self.where, wait)
                self._sleep(wait)
                continue
            raise DeliveryError(
                NAME,
                f"{self.where} refused the message: HTTP {status} {detail}",
                retryable=status >= 500 or status == 408,
            )
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

"""Slack delivery against a real local HTTP receiver: posts, 429 + Retry-After, failures."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from xpulse.analytics.document import Report
from xpulse.deliver.slack import (
    SlackDestination,
    check_webhook_url,
    redact_url,
    retry_after_seconds,
)
from xpulse.errors import DeliveryError, DestinationConfigError
from xpulse.operations.destinations import SlackTarget
from xpulse.operations.outbox import Transports
from xpulse.render.slack import report_payload

SECRET_PATH = "/services/T0FAKE/B0FAKE/not-a-real-secret-123"


@dataclass
class Receiver:
    """A webhook stand-in that records each post and answers from a script."""

    url: str
    posts: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    script: list[tuple[int, dict[str, str], str]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    rec = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}{SECRET_PATH}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            rec.paths.append(self.path)
            rec.posts.append(json.loads(self.rfile.read(length)))
            status, headers, body = rec.script.pop(0) if rec.script else (200, {}, "ok")
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def test_posts_the_payload_once(receiver: Receiver, report: Report) -> None:
    payload = report_payload(report)
    SlackDestination(receiver.url, sleep=Sleeps()).send(payload)
    assert receiver.posts == [payload]
    assert receiver.paths == [SECRET_PATH]


def test_429_is_honoured_through_retry_after(receiver: Receiver, report: Report) -> None:
    receiver.script = [(429, {"Retry-After": "7"}, "rate_limited")]
    sleeps = Sleeps()
    SlackDestination(receiver.url, sleep=sleeps).send(report_payload(report))
    assert sleeps.calls == [7.0]
    assert len(receiver.posts) == 2 and receiver.posts[0] == receiver.posts[1]


def test_429_beyond_the_bound_fails_clearly_and_is_retryable(
    receiver: Receiver, report: Report
) -> None:
    receiver.script = [(429, {"Retry-After": "3600"}, "rate_limited")]
    sleeps = Sleeps()
    with pytest.raises(DeliveryError, match="rate-limiting") as info:
        SlackDestination(receiver.url, sleep=sleeps, max_wait=60).send(report_payload(report))
    assert info.value.retryable and sleeps.calls == [] and len(receiver.posts) == 1
    assert SECRET_PATH not in str(info.value)


def test_repeated_429_stops_after_max_attempts(receiver: Receiver, report: Report) -> None:
    receiver.script = [(429, {"Retry-After": "1"}, "rate_limited")] * 5
    sleeps = Sleeps()
    with pytest.raises(DeliveryError, match="HTTP 429"):
        SlackDestination(receiver.url, sleep=sleeps, max_attempts=3).send(report_payload(report))
    assert len(receiver.posts) == 3 and sleeps.calls == [1.0, 1.0]


@pytest.mark.parametrize(
    ("status", "body", "retryable"),
    [(404, "no_service", False), (400, "invalid_blocks", False), (500, "oops", True)],
)
def test_refusal_is_one_line_without_the_secret_path(
    receiver: Receiver,
    report: Report,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: str,
    retryable: bool,
) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.script = [(status, {}, f"{body} {SECRET_PATH}")]  # even if echoed back
    with pytest.raises(DeliveryError) as info:
        SlackDestination(receiver.url, sleep=Sleeps()).send(report_payload(report))
    message = str(info.value)
    assert message.startswith(f"slack: http://127.0.0.1:{receiver.url.split(':')[2][:5]}")
    assert f"HTTP {status} {body}" in message and "\n" not in message
    assert info.value.retryable is retryable
    assert "not-a-real-secret" not in message
    assert "not-a-real-secret" not in caplog.text
    assert "not-a-real-secret" not in repr(SlackDestination(receiver.url))


def test_unreachable_webhook_fails_without_the_path() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dest = SlackDestination(f"http://127.0.0.1:{port}{SECRET_PATH}", timeout=2)
    with pytest.raises(DeliveryError, match="cannot reach") as info:
        dest.send({"text": "t", "blocks": [{"type": "divider"}]})
    assert info.value.retryable and "not-a-real-secret" not in str(info.value)


def test_invalid_payload_is_never_posted(receiver: Receiver) -> None:
    bad = {"text": "t", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": ""}}]}
    with pytest.raises(DeliveryError, match="payload not sent") as info:
        SlackTarget(receiver.url, redact_url(receiver.url)).post(bad, Transports())
    assert receiver.posts == [] and info.value.retryable is False


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T0/B0/x",
        "http://127.0.0.1:9999/hook",
        "http://localhost/hook",
    ],
)
def test_good_webhook_urls(url: str) -> None:
    assert check_webhook_url(url) == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("http://hooks.slack.com/services/T0/B0/x", "must use https"),
        ("hooks.slack.com/services/T0/B0/x", "no host"),
        ("ftp://hooks.slack.com/services/x", "must use https"),
        ("https://hooks.slack.com", "no path"),
        ("https://user:pw@hooks.slack.com/services/x", "user or password"),
        ("https://hooks.slack.com/services/x y", "spaces"),
        ("https://hooks.slack.com:99999/services/x", "malformed"),
    ],
)
def test_bad_webhook_urls_are_rejected_without_echoing_the_path(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        check_webhook_url(url)
    assert "/services/" not in str(info.value)
    with pytest.raises(DestinationConfigError):
        SlackDestination(url)


def test_redaction_and_retry_after_parsing() -> None:
    assert redact_url("https://hooks.slack.com/services/T/B/secret") == "https://hooks.slack.com/…"
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(None) == 1.0
    assert retry_after_seconds("-5") == 0.0
    assert retry_after_seconds("soon") == 1.0
    now = datetime(2026, 5, 26, 8, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Tue, 26 May 2026 08:00:30 GMT", now) == 30.0

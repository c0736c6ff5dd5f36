"""The one-shot loopback listener that receives X's redirect after sign-in.

It binds 127.0.0.1 (never all interfaces) on the configured port before the browser is
sent anywhere, takes the request to ``/callback`` and closes. Any other path (a browser's
``/favicon.ico``) gets a 404 and does not count. The ``state`` is compared in constant
time; a mismatch, an ``error`` answer or the deadline end the sign-in with a clear error.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from xpulse.errors import SignInError

_DONE = b"""<!doctype html><meta charset="utf-8"><title>xpulse</title>
<p>xpulse is signed in. You can close this tab.</p>"""
_FAILED = b"""<!doctype html><meta charset="utf-8"><title>xpulse</title>
<p>Sign-in did not complete. Go back to the terminal for details.</p>"""


@dataclass
class _Answer:
    params: dict[str, str] | None = field(default=None, repr=False)  # code and state


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != "/callback":
            self.send_error(404)
            return
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.server.answer.params = query
        ok = "code" in query and "error" not in query
        body = _DONE if ok else _FAILED
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the request line carries the authorization code."""


class _Server(HTTPServer):
    answer: _Answer


class CallbackListener:
    """Listen on 127.0.0.1:port for one ``/callback``; use as a context manager."""

    def __init__(self, port: int) -> None:
        try:
            self._server = _Server(("127.0.0.1", port), _Handler)
        except OSError as e:
            raise SignInError(
                f"cannot listen on 127.0.0.1:{port} for the sign-in callback ({e.strerror}); "
                "free the port or set api.callback_port"
            ) from None
        self._server.answer = _Answer()
        self.port = self._server.server_address[1]

    def __enter__(self) -> CallbackListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.server_close()

    def wait(self, expected_state: str, timeout: float) -> str:
        """Serve until the callback arrives; return the code after checking ``state``."""
        deadline = time.monotonic() + timeout
        try:
            while self._server.answer.params is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SignInError(
                        f"no answer from the browser within {timeout:.0f} s; "
                        "run `xpulse auth login` again"
                    )
                self._server.timeout = min(left, 1.0)
                self._server.handle_request()  # returns after one request or the timeout
        finally:
            self.close()
        assert self._server.answer.params is not None
        return check_answer(self._server.answer.params, expected_state)


def check_answer(params: dict[str, str], expected_state: str) -> str:
    """The authorization code of a redirect's query, after checking ``state``."""
    if not hmac.compare_digest(params.get("state", ""), expected_state):
        raise SignInError("the sign-in answer has the wrong state; nothing was saved")
    if "error" in params:
        detail = params.get("error_description", "")
        raise SignInError(f"X did not authorize xpulse: {params['error']} {detail}".rstrip())
    code = params.get("code", "")
    if not code:
        raise SignInError("the sign-in answer has no code")
    return code


def code_from_pasted(address: str, redirect_uri: str, expected_state: str) -> str:
    """The code of the address a browser ended on, pasted back (headless sign-in).

    It must be the registered callback (the page itself fails to load: nothing listens
    there on the user's laptop); ``state`` is checked as for the loopback listener."""
    parts = urlsplit(address.strip())
    expected = urlsplit(redirect_uri)
    if (parts.scheme, parts.netloc, parts.path) != (
        expected.scheme,
        expected.netloc,
        expected.path,
    ):
        raise SignInError(
            f"that is not an address on {redirect_uri}; paste the whole address the browser "
            "ended on (it starts with the callback and holds code= and state=)"
        )
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return check_answer(query, expected_state)

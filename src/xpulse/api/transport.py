"""The one path every X API call takes: auth, timeouts, retries, rate limits, metering, logs.

:class:`Transport` sends a request through an injected ``httpx.BaseTransport`` (the real
network, ``httpx.MockTransport`` in tests, xsim over loopback) and turns what comes back
into parsed JSON or one of the API errors of :mod:`xpulse.errors`. Time, sleep and
randomness are injected, so a test of a 15-minute rate-limit wait runs in microseconds.

Policy, bounded everywhere (a scheduled job must end, whatever X does):

* 5xx, timeouts, dropped connections and cut-off JSON: up to ``max_retries`` retries,
  backoff ``b = min(30, 2**attempt)`` seconds with jitter in ``[b/2, b]`` (a ``Retry-After``
  header, when sent, is honoured up to the same cap);
* 429 of a window: wait until its reset (server clock, clamped), at most
  ``max_rate_limit_waits`` times per call, then :class:`RateLimited`; 429 of the monthly
  cap: :class:`MonthlyCapReached` at once (see :mod:`xpulse.api.ratelimit` for the rule);
* 401: the auth may refresh once; a second 401 is :class:`Unauthorized`;
* ``remaining`` under 20% of ``limit``: the remaining calls are spread until the reset;
  a window known to be spent (by this transport, or by another process through the
  shared windows) is waited for before the call.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

from xpulse.api import ratelimit, redact
from xpulse.api.endpoints import SPELLINGS, Endpoint, respell
from xpulse.api.ratelimit import RateLimit
from xpulse.clock import Clock, Sleep, utc_now
from xpulse.errors import (
    BadResponse,
    Forbidden,
    HTTPStatusError,
    InvalidRequest,
    MonthlyCapReached,
    NotEnrolled,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
    Unauthorized,
)

log = logging.getLogger("xpulse.api")

BACKOFF_CAP = 30.0
USER_AGENT = "xpulse"


@dataclass(frozen=True)
class CallRecord:
    """One HTTP exchange with the API, as the cost meter and the call log need it."""

    endpoint: str  # the templated path, e.g. "/2/users/:id/tweets"
    method: str
    status: int  # 0 when no answer came (timeout, dropped connection)
    reads: int  # posts returned: what X bills
    errors: int  # entries of a partial errors[] array
    rate_limit: RateLimit | None
    started_at: datetime
    duration_s: float


class ApiAuth(Protocol):
    """What the transport needs from an auth: a header, and a chance to refresh on 401."""

    def authorization(self) -> str:
        """The ``Authorization`` header value for the next request."""
        ...

    def after_unauthorized(self, sent: str) -> bool:
        """X refused ``sent``; return True if a new credential is ready for one retry."""
        ...


class _Retry(Exception):
    """Internal: this attempt failed in a way worth another try."""

    def __init__(self, reason: str, after: float | None = None, final: Exception | None = None):
        super().__init__(reason)
        self.after = after
        self.final = final


def _json(response: httpx.Response) -> Any:
    return json.loads(response.content.decode("utf-8"))


def _problem_text(body: Any) -> str:
    """A short reason from a Problem or an ``errors[]`` body, for an exception message."""
    if not isinstance(body, dict):
        return ""
    parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
    if parts and len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0].get("message") or errors[0].get("detail")
        if first:
            parts.append(str(first))
    elif isinstance(errors, list) and errors and isinstance(errors[0], str):
        parts.append(errors[0])  # the Engagement API's errors are plain strings
    if body.get("error"):  # RFC 6749 error bodies of the OAuth endpoints
        parts.append(str(body["error"]))
    return redact.text(": ".join(parts))[:300]


def _unauthorized_fix(auth: ApiAuth | None) -> str:
    """What to do about a refused token, as the auth knows it (its source, the command)."""
    fix = getattr(auth, "unauthorized_fix", None)
    if callable(fix):
        return str(fix())
    return "the token was not accepted"


def _not_enrolled(body: Any) -> bool:
    """X's 403 for an endpoint outside the app's plan (``client-not-enrolled``)."""
    if not isinstance(body, dict):
        return False
    kind = str(body.get("type", ""))
    return kind.endswith("/client-forbidden") or body.get("reason") == "client-not-enrolled"


def count_reads(endpoint: Endpoint, body: dict[str, Any]) -> int:
    if not endpoint.reads_posts:
        return 0
    data = body.get("data")
    if isinstance(data, list):
        return len(data)
    return 1 if isinstance(data, dict) else 0


def count_errors(body: dict[str, Any]) -> int:
    errors = body.get("errors")
    return len(errors) if isinstance(errors, list) else 0


def http_client(
    base_url: str,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
    auth: httpx.Auth | None = None,
) -> httpx.Client:
    """The httpx client API calls go out on: no redirects followed, xpulse's User-Agent.

    ``auth`` is an ``httpx.Auth`` that signs each request itself (OAuth 1.0a); a bearer
    or user token is the :class:`Transport`'s ``auth`` instead."""
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        transport=transport,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        auth=auth,
    )


class Transport:
    """Sends API calls with the policy above; thread-safe (one httpx.Client, locked pacer)."""

    def __init__(
        self,
        base_url: str,
        auth: ApiAuth | None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
        max_rate_limit_waits: int = 3,
        on_call: Callable[[CallRecord], None] | None = None,
        fields_spelling: str = "tweet.fields",
        http: httpx.Client | None = None,
        shared_windows: ratelimit.SharedWindows | None = None,
    ) -> None:
        """``http``, when given, is a client made by :func:`http_client` that something
        else uses too (an auth refreshing its token over the same connections); it replaces
        ``transport`` and ``timeout``, and this transport closes it. ``shared_windows``:
        the token's rate-limit windows as other processes see them (workers), else the
        windows are this transport's own."""
        if fields_spelling not in SPELLINGS:
            raise ValueError(f"fields_spelling must be one of {', '.join(SPELLINGS)}")
        if http is not None and transport is not None:
            raise ValueError("give the httpx client or its transport, not both")
        self.fields_spelling = fields_spelling  # applied to every query (endpoints.respell)
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()  # jitter, not crypto
        self.max_retries = max_retries
        self.max_rate_limit_waits = max_rate_limit_waits
        self.on_call = on_call
        self.pacer = ratelimit.Pacer(shared_windows)
        if http is None:
            http = http_client(self.base_url, transport=transport, timeout=timeout)
        self.http = http

    def close(self) -> None:
        self.http.close()

    def backoff(self, attempt: int) -> float:
        """Jittered exponential backoff: uniform in ``[b/2, b]``, ``b = min(cap, 2**n)``."""
        ceiling = min(BACKOFF_CAP, 2.0**attempt)
        return self.rng.uniform(ceiling / 2, ceiling)

    # -- the call ------------------------------------------------------------------------

    def call(
        self,
        method: str,
        endpoint: Endpoint,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
    ) -> tuple[dict[str, Any], CallRecord]:
        """Send one API call (retrying as the policy allows); the JSON body and its record.

        ``json_body`` is sent as a JSON request body (the Engagement API's POSTs).
        """
        url = endpoint.url_path(**dict(path_params or {}))
        if params is not None:
            params = respell(params, self.fields_spelling)
        attempt = 0
        refreshed = False
        waits = 0
        while True:
            pause = self.pacer.delay(endpoint.path, self.clock())
            if pause > 0:
                log.info("%s: slowing down, %.1f s before the next call", endpoint.path, pause)
                self.sleep(pause)
            try:
                return self._attempt(
                    method, endpoint, url, params, allow_refresh=not refreshed, json_body=json_body
                )
            except _Refreshed:
                refreshed = True
            except _WindowWait as w:
                if waits >= self.max_rate_limit_waits or w.seconds > ratelimit.MAX_WINDOW_WAIT:
                    raise w.error from None
                waits += 1
                log.warning(
                    "%s %s: rate limited; waiting %.0f s for the window to reset",
                    method,
                    endpoint.path,
                    w.seconds,
                )
                self.sleep(w.seconds)
            except _Retry as r:
                if attempt >= self.max_retries:
                    error = r.final or TransportError(str(r))
                    raise error from None
                delay = self.backoff(attempt)
                if r.after is not None:
                    delay = min(max(r.after, delay), BACKOFF_CAP)
                attempt += 1
                log.warning(
                    "%s %s: %s; retry %d/%d in %.1f s",
                    method,
                    endpoint.path,
                    r,
                    attempt,
                    self.max_retries,
                    delay,
                )
                self.sleep(delay)

    def _attempt(
        self,
        method: str,
        endpoint: Endpoint,
        url: str,
        params: Mapping[str, str | int] | None,
        *,
        allow_refresh: bool,
        json_body: Any = None,
    ) -> tuple[dict[str, Any], CallRecord]:
        headers = {"Accept": "application/json"}
        sent = ""
        if self.auth is not None:
            sent = self.auth.authorization()
            headers["Authorization"] = sent
        started = self.clock()
        shown = redact.url(f"{self.base_url}{url}")
        try:
            response = self.http.request(
                method, url, params=params, headers=headers, json=json_body
            )
        except httpx.TimeoutException as e:
            self._record(endpoint, method, 0, started, None, {})
            raise _Retry(
                f"timed out ({type(e).__name__})",
                final=TransportError(f"{method} {shown}: no answer (timed out)"),
            ) from None
        except httpx.RequestError as e:  # connection, protocol, decoding: no usable answer
            self._record(endpoint, method, 0, started, None, {})
            reason = redact.text(str(e) or type(e).__name__)
            raise _Retry(
                f"connection failed ({reason})",
                final=TransportError(f"{method} {shown}: connection failed: {reason}"),
            ) from None
        shown = redact.url(str(response.request.url))
        window = ratelimit.parse(response.headers)
        if window is not None:
            server = ratelimit.server_now(response.headers, started)
            now = ratelimit.plausible_now(window.reset, server, started)
            if now is not None:  # pace only when the reset can be trusted
                self.pacer.update(endpoint.path, window, now - started, at=started)
        status = response.status_code
        try:
            body: Any = _json(response)
        except (ValueError, UnicodeDecodeError):
            body = None
        record = self._record(
            endpoint, method, status, started, window, body if isinstance(body, dict) else {}
        )
        log.debug(
            "%s %s -> %d in %.3f s", method, shown, status, record.duration_s, extra={"call": True}
        )
        if 200 <= status < 300:
            if not isinstance(body, dict):
                what = "cut-off or invalid JSON" if body is None else "JSON that is not an object"
                raise _Retry(
                    f"answer was {what}",
                    final=BadResponse(f"{method} {shown}: {status} with {what}"),
                )
            return body, record
        if status == 401:
            if allow_refresh and self.auth is not None and self.auth.after_unauthorized(sent):
                log.info("%s %s: 401, retrying once with a refreshed token", method, url)
                raise _Refreshed
            raise Unauthorized(
                f"{method} {shown}: 401 Unauthorized: {_unauthorized_fix(self.auth)}",
                status=status,
                problem=body if isinstance(body, dict) else None,
            )
        if status == 429:
            self._too_many(method, shown, response, body, started)
        if status >= 500:
            raise _Retry(
                f"server error {status}",
                after=_retry_after(response),
                final=ServerError(
                    f"{method} {shown}: {status} {_problem_text(body) or 'server error'}",
                    status=status,
                    problem=body if isinstance(body, dict) else None,
                ),
            )
        if not isinstance(body, dict):
            ctype = response.headers.get("content-type", "no content type").split(";")[0]
            raise BadResponse(f"{method} {shown}: {status} answered with {ctype}, not JSON")
        cls: type[HTTPStatusError] = {
            400: InvalidRequest,
            403: NotEnrolled if _not_enrolled(body) else Forbidden,
            404: NotFound,
        }.get(status, HTTPStatusError)
        reason = _problem_text(body) or response.reason_phrase
        raise cls(f"{method} {shown}: {status} {reason}", status=status, problem=body)

    def _too_many(
        self, method: str, shown: str, response: httpx.Response, body: Any, started: datetime
    ) -> None:
        kind, reset = ratelimit.classify_429(response.headers, body)
        problem = body if isinstance(body, dict) else None
        if kind == "cap":
            raise MonthlyCapReached(
                f"{method} {shown}: 429: the plan's monthly post-read cap is reached; "
                "no more reads until it resets",
                status=429,
                problem=problem,
            )
        at = f" until {reset:%Y-%m-%d %H:%M:%S} UTC" if reset else ""
        error = RateLimited(
            f"{method} {shown}: 429: rate limited{at}", problem=problem, reset_at=reset
        )
        if kind == "unknown" or reset is None:
            raise error
        server = ratelimit.server_now(response.headers, started)
        now = ratelimit.plausible_now(reset, server, started)
        if now is None:
            # A reset no clock makes sense of: if it is far ahead it is a 24-hour window
            # (stop); else a frozen or wrong clock (pause briefly, retries stay bounded).
            if (reset - server).total_seconds() > ratelimit.MAX_WINDOW_WAIT:
                raise error
            raise _WindowWait(1.0, error)
        raise _WindowWait(ratelimit.seconds_until(reset, now), error)

    def _record(
        self,
        endpoint: Endpoint,
        method: str,
        status: int,
        started: datetime,
        window: RateLimit | None,
        body: dict[str, Any],
    ) -> CallRecord:
        ok = 200 <= status < 300
        record = CallRecord(
            endpoint=endpoint.path,
            method=method,
            status=status,
            reads=count_reads(endpoint, body) if ok else 0,
            errors=count_errors(body) if ok else 0,
            rate_limit=window,
            started_at=started,
            duration_s=max(0.0, (self.clock() - started).total_seconds()),
        )
        if self.on_call is not None:
            self.on_call(record)
        return record


class _Refreshed(Exception):
    """Internal: the auth has a new credential; send again once."""


class _WindowWait(Exception):
    def __init__(self, seconds: float, error: RateLimited):
        super().__init__(str(error))
        self.seconds = seconds
        self.error = error


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None

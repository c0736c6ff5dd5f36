"""Is an X API answering at the configured base? Asked without a token, so never billed.

``GET /2/users/me`` with no ``Authorization`` header is refused by X (and xsim) with a 401
JSON body: proof that an X API listens there, for no read and no money. A server that
refuses the connection is waited for a few seconds (one just started may still be
binding), then reported as one line with the setting to fix.
"""

from __future__ import annotations

import time

import httpx

from xpulse.api import redact
from xpulse.errors import ApiUnreachable

PROBE_PATH = "/2/users/me"


def check_api_base(
    base: str,
    *,
    timeout: float = 5.0,
    wait: float = 5.0,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """A short description of the answer; :class:`ApiUnreachable` when there is none.

    ``timeout`` bounds each attempt, ``wait`` how long a refused connection is retried."""
    url = base.rstrip("/") + PROBE_PATH
    fix = "start it, or set api.base_url (or XPULSE_API_BASE) to where it runs"
    deadline = time.monotonic() + wait
    with httpx.Client(transport=transport, timeout=timeout) as http:
        while True:
            started = time.monotonic()
            try:
                answer = http.get(url)
                break
            except httpx.ConnectError as e:
                if _reason(e) != "connection refused" or time.monotonic() + 0.25 >= deadline:
                    raise ApiUnreachable(
                        f"the API at {redact.url(base)} does not answer ({_reason(e)}); {fix}"
                    ) from None
                time.sleep(0.25)
            except httpx.TimeoutException:
                raise ApiUnreachable(
                    f"the API at {redact.url(base)} did not answer within {timeout:.0f} s; {fix}"
                ) from None
            except httpx.HTTPError as e:
                raise ApiUnreachable(
                    f"the API at {redact.url(base)} does not answer ({_reason(e)}); {fix}"
                ) from None
    took = time.monotonic() - started
    if answer.status_code not in (401, 403) or "json" not in answer.headers.get("content-type", ""):
        raise ApiUnreachable(
            f"{redact.url(base)} answered {answer.status_code} "
            f"{answer.headers.get('content-type', 'no content type').split(';')[0]} to a call "
            "without a token, not an X API's 401; check api.base_url (or XPULSE_API_BASE)"
        )
    return f"{redact.url(base)} answers ({took * 1000:.0f} ms, no token sent, nothing billed)"


def _reason(e: httpx.HTTPError) -> str:
    text = str(e) or type(e).__name__
    if "refused" in text.lower():
        return "connection refused"
    return redact.text(text)[:120]

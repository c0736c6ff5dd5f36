"""The exception tree of the X API client.

    XpulseError
    └── ApiError                     anything that went wrong talking to X
        ├── TransportError           no usable answer: connection, timeout (after retries)
        ├── BadResponse              an answer that is not the JSON X promises (HTML 404 …)
        ├── HTTPStatusError          X answered with an error status
        │   ├── Unauthorized         401: the token is invalid or expired (after one refresh)
        │   ├── Forbidden            403: not allowed (scopes, plan, someone else's metrics)
        │   │   └── NotEnrolled      403 client-not-enrolled: the app's plan lacks the endpoint
        │   ├── NotFound             404, or a 200 that only says "could not find"
        │   ├── InvalidRequest       400: a bad parameter
        │   ├── RateLimited          429 of the 15-minute (or 24-hour) window; ``reset_at``
        │   ├── MonthlyCapReached    429 of the plan's monthly post-read cap: stop, no retry
        │   └── ServerError          5xx (after retries)
        ├── NeedsSignIn              no token, or X rejected the refresh token: sign in again
        ├── ClientRejected           X refused the app's own credentials: fix the config
        ├── TokenBusy                another process holds the token's refresh lock: retry
        └── InvalidArgument          refused before sending (also a ValueError)
            └── TooManyIds           more ids than one call takes

Every message is safe to show and to log: secrets are redacted before it is built.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from xpulse.errors import XpulseError

__all__ = [
    "ApiError",
    "BadResponse",
    "ClientRejected",
    "Forbidden",
    "HTTPStatusError",
    "InvalidArgument",
    "InvalidRequest",
    "MonthlyCapReached",
    "NeedsSignIn",
    "NotEnrolled",
    "NotFound",
    "RateLimited",
    "ServerError",
    "TokenBusy",
    "TooManyIds",
    "TransportError",
    "Unauthorized",
]


class ApiError(XpulseError):
    """Talking to the X API failed."""


class TransportError(ApiError):
    """No answer: the connection failed or timed out, after the allowed retries."""


class BadResponse(ApiError):
    """The answer was not the JSON the API promises (an HTML error page, a cut-off body)."""


class HTTPStatusError(ApiError):
    """X answered with an error status; ``problem`` is its parsed JSON body, if any."""

    def __init__(self, message: str, *, status: int, problem: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.problem = problem or {}


class Unauthorized(HTTPStatusError):
    """401: the token was not accepted (already refreshed once, if it could be)."""


class Forbidden(HTTPStatusError):
    """403: the token may not do this (missing scope, plan, metrics of another account)."""


class NotEnrolled(Forbidden):
    """403 ``client-forbidden`` / ``client-not-enrolled``: the app's plan does not include
    this endpoint (``required_enrollment`` names the product X asks for, if it said)."""

    @property
    def required_enrollment(self) -> str | None:
        value = self.problem.get("required_enrollment")
        return value if isinstance(value, str) and value else None


class NotFound(HTTPStatusError):
    """404, or a 200 whose only content is a resource-not-found error."""


class InvalidRequest(HTTPStatusError):
    """400: a parameter was refused."""


class RateLimited(HTTPStatusError):
    """429 of a rate-limit window; ``reset_at`` (UTC) is when it reopens, if X said."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 429,
        problem: dict[str, Any] | None = None,
        reset_at: datetime | None = None,
    ):
        super().__init__(message, status=status, problem=problem)
        self.reset_at = reset_at


class MonthlyCapReached(HTTPStatusError):
    """429 of the monthly post-read cap: retrying cannot help before the cap resets."""


class ServerError(HTTPStatusError):
    """5xx, still failing after the allowed retries."""


class NeedsSignIn(ApiError):
    """The account has no usable token: run ``xpulse auth login`` (or set its env token)."""

    exit_code = 3

    def __init__(self, account: str, reason: str, *, env: str | None = None):
        other = f", or set a new {env}" if env else ""
        super().__init__(
            f"account {account!r} needs sign-in ({reason}); run: xpulse auth login "
            f"--account {account}{other}"
        )
        self.account = account
        self.reason = reason


class ClientRejected(ApiError):
    """The token endpoint refused the app itself (``invalid_client``/``unauthorized_client``):
    a wrong client id or a missing secret. The user's sign-in is intact, so this must never
    mark the account "needs sign-in"; it clears once the configuration is fixed."""

    exit_code = 2

    def __init__(self, error: str, status: int):
        super().__init__(
            f"X refused the app's credentials ({status} {error}): check client_id in the "
            "config and XPULSE_CLIENT_SECRET (needed for a confidential client); "
            "the account's sign-in is kept"
        )
        self.error = error
        self.status = status


class TokenBusy(ApiError):
    """Another process held the account's token-refresh lock too long: the sign-in is fine,
    so this is retryable and must never be reported (or alerted) as "needs sign-in"."""

    retryable = True

    def __init__(self, account: str):
        super().__init__(
            f"account {account!r}: another xpulse process is refreshing its token; try again"
        )
        self.account = account


class InvalidArgument(ApiError, ValueError):
    """A call was refused before sending: a malformed id, too many ids."""


class TooManyIds(InvalidArgument):
    """More ids in one lookup than the endpoint takes (100 for posts)."""

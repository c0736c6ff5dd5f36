"""Plain auth schemes of the X API: a fixed bearer token.

The transport asks an auth (:class:`~xpulse.api.transport.ApiAuth`) for the header of each
request, and gives it one chance to refresh after a 401. A bearer token has nothing to
refresh; auths that do (an account's user token and its store) are built above the API
client on the same protocol.
"""

from __future__ import annotations

from xpulse.api import redact


class BearerAuth:
    """A fixed bearer token: an app-only token, or a user token from the environment."""

    def __init__(self, token: str, *, source: str, fix: str = "") -> None:
        redact.remember(token)
        self._header = f"Bearer {token}"
        self.source = source  # named in messages, e.g. "XPULSE_BEARER_TOKEN"
        self._fix = fix

    def authorization(self) -> str:
        return self._header

    def after_unauthorized(self, sent: str) -> bool:
        return False  # nothing to refresh: the 401 goes to the caller

    def unauthorized_fix(self) -> str:
        return f"X refused {self.source}" + (f"; {self._fix}" if self._fix else "")

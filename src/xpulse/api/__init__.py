"""xpulse's X API client: transport, endpoints, sign-in and the token lifecycle.

Start with :func:`open_client` (``xpulse.accounts.clients``): it turns the config and the
account's credential into an :class:`XClient` whose every call goes through one
:class:`~xpulse.api.transport.Transport` (retries, rate limits, metering, redacted logs).

Modules: ``transport`` (the call policy), ``ratelimit`` (429s and pacing), ``redact``,
``endpoints`` (the endpoint table), ``client`` (typed calls), ``normalize`` (pure
flattening), ``oauth2`` (PKCE, token endpoint), ``loopback`` (the sign-in callback),
``tokens`` (the token store), ``auth`` (bearer and refreshing user tokens), ``factory``
(``open_client``), ``signin`` (login/logout/status). Its errors are in :mod:`xpulse.errors`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xpulse.accounts.clients import open_client
    from xpulse.api.client import Page, XClient
    from xpulse.api.transport import CallRecord

__all__ = ["CallRecord", "Page", "XClient", "open_client"]
# Imported on first use: a light module of the package (``redact``, which the CLI's error
# line uses) must not pull in httpx and the whole client.
_WHERE = {
    "CallRecord": "xpulse.api.transport",
    "Page": "xpulse.api.client",
    "XClient": "xpulse.api.client",
    "open_client": "xpulse.accounts.clients",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'xpulse.api' has no attribute {name!r}")

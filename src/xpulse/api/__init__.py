"""xpulse's X API client: transport, endpoints, auth schemes and normalisation.

Everything here takes explicit arguments: an :class:`XClient` is given its base URL, its
auth, its clock and sleep and its call hook when it is made, and knows nothing of the
config or the token stores (``xpulse.accounts`` builds an account's client from those).
Every call goes through one :class:`~xpulse.api.transport.Transport` (retries, rate
limits, metering, redacted logs).

Modules: ``transport`` (the call policy), ``ratelimit`` (429s and pacing), ``redact``,
``endpoints`` (the endpoint table), ``client`` (typed calls), ``normalize`` (pure
flattening), ``oauth2`` (PKCE, token endpoint), ``oauth1`` (request signing), ``auth``
(bearer tokens), ``probe`` (is the API there), ``tweets_analytics``, ``media_analytics`` and
``engagement`` (the analytics endpoints). Its errors are in :mod:`xpulse.errors`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xpulse.api.client import Page, XClient
    from xpulse.api.transport import CallRecord

__all__ = ["CallRecord", "Page", "XClient"]
# Imported on first use: a light module of the package (``redact``, which the CLI's error
# line uses) must not pull in httpx and the whole client.
_WHERE = {
    "CallRecord": "xpulse.api.transport",
    "Page": "xpulse.api.client",
    "XClient": "xpulse.api.client",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'xpulse.api' has no attribute {name!r}")

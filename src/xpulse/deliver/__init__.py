"""Delivery transports: move rendered reports to Slack, email and files.

This layer moves bytes and knows nothing of analytics: it takes what ``xpulse.render``
built (a Block Kit payload, a MIME message, a report document to write out) and sends it.
Every failure is a :class:`~xpulse.errors.DeliveryError` with a one-line message
that holds no secret (no webhook path, no password).
"""

from __future__ import annotations

# Its modules are imported by name; its errors live in xpulse.errors with all the others.
__all__: list[str] = []

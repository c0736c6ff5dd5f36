"""Delivery transports: move rendered reports to Slack, email and files.

This layer moves bytes and knows nothing of analytics: it takes what ``xpulse.render``
built (a Block Kit payload, a MIME message, a report document to write out) and sends it.
Every failure is a :class:`~xpulse.deliver.errors.DeliveryError` with a one-line message
that holds no secret (no webhook path, no password).
"""

from __future__ import annotations

from xpulse.deliver.errors import DeliveryError

__all__ = ["DeliveryError"]

"""Delivery transports: move rendered reports to Slack, email, files and Google Sheets.

This layer moves bytes and knows nothing of analytics or rendering: it takes what was
rendered (a Block Kit payload, a MIME message, each format's file with the archive's index
page, worksheet rows) and sends or writes it. It imports only the ground floor.
Every failure is a :class:`~xpulse.errors.DeliveryError` with a one-line message
that holds no secret (no webhook path, no password).
"""

from __future__ import annotations

# Its modules are imported by name; its errors live in xpulse.errors with all the others.
__all__: list[str] = []

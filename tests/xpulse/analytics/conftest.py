"""Helpers for analytics tests: posts made by hand, a fixed report instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from xpulse.analytics import PostRow

# Wednesday 2026-05-27 12:00 UTC: last-week is 2026-W21 (May 18-24).
NOW = datetime(2026, 5, 27, 12, 0, tzinfo=UTC)


def make_post(post_id: str, created_at: datetime, **metrics: Any) -> PostRow:
    """A post of account "acme", read at the report instant unless ``observed_at`` is given."""
    fields: dict[str, Any] = {
        "account": "acme",
        "text": f"post {post_id}",
        "content_type": "text",
        "url": f"https://x.com/acme/status/{post_id}",
        "observed_at": NOW,
    }
    fields.update(metrics)
    return PostRow(id=post_id, created_at=created_at, **fields)


@pytest.fixture
def now() -> datetime:
    return NOW


def hours(n: float) -> timedelta:
    return timedelta(hours=n)

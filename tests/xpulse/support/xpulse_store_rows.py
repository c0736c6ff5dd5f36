"""Row builders for store tests (plain data, no API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def post(
    post_id: str, account: str = "main", created_at: datetime = T0, **extra: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": post_id,
        "account": account,
        "author_id": "42",
        "text": f"post {post_id}",
        "created_at": created_at,
        "lang": "en",
        "conversation_id": post_id,
        "content_type": "text",
        "replied_to_id": None,
        "quoted_id": None,
        "retweeted_id": None,
        "media_keys": [],
        "is_promoted": False,
        "raw": {"id": post_id, "text": f"post {post_id}"},
        "source_url": "http://127.0.0.1/2/users/42/tweets",
        "retrieved_at": created_at,
        "first_seen_at": created_at,
        "unavailable_at": None,
    }
    row.update(extra)
    return row


def observation(post_id: str, at: datetime, impressions: int, **metrics: Any) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "observed_at": at,
        "source": "/2/tweets",
        "impressions": impressions,
        **metrics,
    }

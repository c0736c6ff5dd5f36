"""The wall-clock suite's world: a history that ends now, every count stated exactly.

Posts are placed at fixed offsets before the real instant the world is built at, with
``exact`` metrics (the same counts at every instant), so the test can compute every figure a
report shows from this module alone: which posts fall in a period, and their sums.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CLIENT_ID = "xsim-e2e-client"
OWNER_ID = "1500000000000000001"
OWNER = "e2e_owner"
ACCESS_TOKEN = "xsim-e2e-access-owner"  # a test fixture of a local server, not a secret
TWEPOCH_MS = 1288834974657


@dataclass(frozen=True)
class WorldPost:
    id: str
    created_at: datetime
    impressions: int
    likes: int
    reposts: int
    replies: int
    quotes: int
    bookmarks: int
    engagements: int  # X's own count: the public ones plus clicks

    @property
    def interactions(self) -> int:
        return self.likes + self.reposts + self.replies + self.quotes


def snowflake(moment: datetime, worker: int) -> str:
    ms = int(moment.timestamp() * 1000)
    return str(((ms - TWEPOCH_MS) << 22) | (worker & 0x3FFFFF))


def history(end: datetime, days: int = 35, every_hours: float = 11.0) -> list[WorldPost]:
    """One post every ``every_hours`` back from ``end`` for ``days``; counts vary by index."""
    out = []
    i = 0
    moment = end - timedelta(minutes=20)
    start = end - timedelta(days=days)
    while moment > start:
        impressions = 700 + 97 * (i % 17) + 13 * i
        likes, reposts, replies, quotes = 3 + i % 11, i % 4, 1 + i % 3, i % 2
        bookmarks = i % 5
        clicks = 2 + i % 7
        out.append(
            WorldPost(
                id=snowflake(moment, i),
                created_at=moment.replace(microsecond=0),
                impressions=impressions,
                likes=likes,
                reposts=reposts,
                replies=replies,
                quotes=quotes,
                bookmarks=bookmarks,
                engagements=likes + reposts + replies + quotes + bookmarks + clicks,
            )
        )
        moment -= timedelta(hours=every_hours)
        i += 1
    return sorted(out, key=lambda p: p.created_at)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def world_document(posts: list[WorldPost], built_at: datetime) -> dict[str, Any]:
    """An xsim world (no ``now``: it serves on the wall clock) with one signed-in owner."""
    return {
        "xsim_world": 1,
        "pricing": {
            "own_post_read": 0.001,
            "other_post_read": 0.005,
            "user_read": 0.01,
            "dedupe_same_utc_day": True,
        },
        "apps": [
            {
                "client_id": CLIENT_ID,
                "name": "xpulse e2e",
                "plan": "pay-per-use",
                "callback_urls": ["http://127.0.0.1:8765/callback"],
                "client_secret": "xsim-e2e-client-secret",
                "bearer_tokens": ["xsim-e2e-bearer"],
                "monthly_read_cap": None,
            }
        ],
        "users": [
            {
                "id": OWNER_ID,
                "username": OWNER,
                "name": "E2E Owner",
                "created_at": "2018-01-01T00:00:00Z",
                "time_zone": "America/New_York",
                "followers_count": 1000,
                "following_count": 10,
            }
        ],
        "tokens": [
            {
                "access_token": ACCESS_TOKEN,
                "client_id": CLIENT_ID,
                "user_id": OWNER_ID,
                "scopes": ["offline.access", "tweet.read", "users.read"],
                "expires_at": _iso(built_at + timedelta(days=60)),
            }
        ],
        "media": [],
        "posts": [
            {
                "id": p.id,
                "author_id": OWNER_ID,
                "text": f"e2e post {n} <b>&amp; not markup</b>",
                "created_at": _iso(p.created_at),
                "metrics": {
                    "exact": {
                        "impressions": p.impressions,
                        "likes": p.likes,
                        "reposts": p.reposts,
                        "replies": p.replies,
                        "quotes": p.quotes,
                        "bookmarks": p.bookmarks,
                        "url_link_clicks": p.engagements - p.interactions - p.bookmarks,
                        "user_profile_clicks": 0,
                        "engagements": p.engagements,
                    }
                },
            }
            for n, p in enumerate(posts)
        ],
    }


def write_world(path: Path, posts: list[WorldPost], built_at: datetime) -> Path:
    path.write_text(json.dumps(world_document(posts, built_at)), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Expected:
    posts: int
    impressions: int
    engagements: int  # likes + reposts + replies + quotes
    x_engagements: int
    likes: int


def expected(posts: list[WorldPost], start: datetime, end: datetime) -> Expected:
    chosen = [p for p in posts if start <= p.created_at < end]
    return Expected(
        posts=len(chosen),
        impressions=sum(p.impressions for p in chosen),
        engagements=sum(p.interactions for p in chosen),
        x_engagements=sum(p.engagements for p in chosen),
        likes=sum(p.likes for p in chosen),
    )

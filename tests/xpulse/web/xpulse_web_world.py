"""A store whose history ends now: three accounts (two own, one competitor), ten weeks of
posts with growth reads, hostile post text and a spike; built on the real clock."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from xpulse.store import open_store
from xpulse.store.queries import (
    append_media_observations,
    append_observations,
    ensure_account,
    record_call,
    upsert_media,
)
from xpulse.store.schema import posts

EVIL = '<img src=x onerror=alert(1)><script>alert(2)</script> "q" & </script>'
SPIKE_TEXT = "launch " + "https://example.com/" + "a" * 120
CONFIG = """
timezone = "Europe/Berlin"
history_days = 30

[[accounts]]
name = "main"
username = "acme"

[[accounts]]
name = "side"
username = "acme_labs"

[[accounts]]
name = "rival"
username = "rival_co"
auth = "bearer"
own = false

[[accounts]]
name = "fresh"
username = "fresh_one"
"""
TYPES = ("text", "photo", "video", "link")
XPULSE = [str(Path(sys.executable).with_name("xpulse"))]


def _post(pid: str, account: str, created: datetime, text: str, ctype: str) -> dict[str, Any]:
    return {
        "id": pid,
        "account": account,
        "author_id": "42",
        "text": text,
        "created_at": created,
        "lang": "en",
        "conversation_id": pid,
        "content_type": ctype,
        "replied_to_id": None,
        "quoted_id": None,
        "retweeted_id": None,
        "media_keys": None,
        "is_promoted": False,
        "raw": {"id": pid},
        "source_url": "http://127.0.0.1/2/users/42/tweets",
        "retrieved_at": created,
        "first_seen_at": created,
        "unavailable_at": None,
    }


PAID_ZERO = ("replies", "url_link_clicks", "user_profile_clicks")


def _split(row: dict[str, Any], promoted: bool) -> dict[str, Any]:
    """X's organic/promoted split of a read (own posts): a promoted post's figures are
    one third paid for."""
    paid = {m: row[m] // 3 if promoted else 0 for m in ("impressions", "likes", "reposts")}
    return {
        **row,
        **{f"organic_{m}": row[m] - paid[m] for m in paid},
        **{f"promoted_{m}": paid[m] for m in paid if promoted},
        "organic_replies": row["replies"],
        "organic_url_link_clicks": row["impressions"] // 100,
        "organic_user_profile_clicks": row["impressions"] // 200,
        **({f"promoted_{m}": 0 for m in PAID_ZERO} if promoted else {}),
    }


def _video(pid: str, at: datetime, views: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A video of the post and one read of its playback quartiles (fewer viewers at each)."""
    key = f"7_{pid}"
    media_row = {
        "media_key": key,
        "type": "video",
        "duration_ms": 30_000,
        "raw": {"media_key": key, "type": "video"},
        "retrieved_at": at,
    }
    counts = [views, views * 7 // 10, views // 2, views * 3 // 10, views // 5]
    read = {
        "media_key": key,
        "post_id": pid,
        "observed_at": at,
        "source": "/2/tweets",
        "view_count": views,
        **{f"playback_{m}_count": n for m, n in zip((0, 25, 50, 75, 100), counts, strict=True)},
    }
    return media_row, read


def _obs(pid: str, at: datetime, imp: int, rng: random.Random) -> dict[str, Any]:
    likes = imp // rng.randint(20, 60)
    return {
        "post_id": pid,
        "observed_at": at,
        "source": "/2/tweets",
        "impressions": imp,
        "likes": likes,
        "reposts": likes // 5,
        "replies": likes // 8,
        "quotes": likes // 20,
        "bookmarks": likes // 10,
    }


@dataclass(frozen=True)
class World:
    """A fresh XPULSE_HOME with its store, and the instant its history ends."""

    home: Path
    db_url: str
    now: datetime

    @property
    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("XPULSE_")}
        return {**keep, "XPULSE_HOME": str(self.home), "XPULSE_DB": self.db_url}

    def xpulse(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A real ``xpulse`` process on this home."""
        done = subprocess.run(
            [*XPULSE, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if check and done.returncode != 0:
            raise AssertionError(f"xpulse {' '.join(args)} failed: {done.stderr}")
        return done

    def report_json(self, account: str, period: str, as_of: datetime) -> dict[str, Any]:
        out = self.xpulse(
            "report", "-a", account, "-p", period, "--as-of", as_of.isoformat(), "-f", "json"
        )
        doc: dict[str, Any] = json.loads(out.stdout)
        return doc


def fill(db_url: str, now: datetime, seed: int = 7) -> None:
    """Ten weeks of posts for main (about two a day), side and rival (fewer), each read a
    few times as it aged; 'fresh' is configured but never collected."""
    rng = random.Random(seed)
    engine = open_store(db_url)
    rows: list[dict[str, Any]] = []
    reads: list[dict[str, Any]] = []
    videos: list[dict[str, Any]] = []
    plays: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for name, handle in (("main", "acme"), ("side", "acme_labs")):
            ensure_account(conn, name, handle, now - timedelta(days=80))
        ensure_account(conn, "rival", "rival_co", now - timedelta(days=80))
        pid = 10_000
        for name, per_day in (("main", 2.0), ("side", 0.7), ("rival", 1.0)):
            for day in range(70, -1, -1):
                for _ in range(rng.randint(0, int(per_day * 2))):
                    created = now - timedelta(days=day, hours=rng.uniform(0.5, 23))
                    if created >= now - timedelta(minutes=30):
                        continue
                    pid += 1
                    text = f"{name} post {pid}: notes on launch day {day}"
                    rows.append(_post(str(pid), name, created, text, rng.choice(TYPES)))
                    final = rng.randint(200, 20_000)
                    promoted = name == "main" and pid % 5 == 0
                    rows[-1]["is_promoted"] = promoted
                    for hours, share in ((1, 0.3), (24, 0.8), (72, 0.95), (168, 1.0)):
                        at = created + timedelta(hours=hours)
                        if at < now:
                            read = _obs(str(pid), at, int(final * share), rng)
                            # X splits organic/promoted for own posts only
                            reads.append(_split(read, promoted) if name == "main" else read)
                    if name == "main" and rows[-1]["content_type"] == "video":
                        rows[-1]["media_keys"] = [f"7_{pid}"]
                        media_row, play = _video(str(pid), created + timedelta(hours=1), final)
                        videos.append(media_row)
                        plays.append(play)
        # Hostile text in every "last week": exactly seven days before now.
        evil_at = now - timedelta(days=7)
        rows.append(_post("99999", "main", evil_at, EVIL, "text"))
        reads.append(_obs("99999", evil_at + timedelta(hours=1), 5000, rng))
        # A spike in every "last week" (some forty times the usual), its text one long word
        # as a link can be: the spikes table and the posts table must still fit a phone.
        rows.append(_post("99998", "main", evil_at, SPIKE_TEXT, "link"))
        for hours, share in ((1, 0.3), (24, 0.8), (72, 0.95)):
            reads.append(_obs("99998", evil_at + timedelta(hours=hours), int(400_000 * share), rng))
        conn.execute(posts.insert(), rows)
        append_observations(conn, reads)
        upsert_media(conn, videos)
        append_media_observations(conn, plays)
        for day in range(70, 0, -7):
            record_call(
                conn,
                {
                    "at": now - timedelta(days=day),
                    "account": "main",
                    "endpoint": "/2/users/:id/tweets",
                    "method": "GET",
                    "status": 200,
                    "reads": 100,
                    "billable_reads": 100,
                    "cost_micros": 500_000,
                    "errors": 0,
                },
            )
    engine.dispose()

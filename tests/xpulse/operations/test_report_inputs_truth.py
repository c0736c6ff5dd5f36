"""The same truth through the store: an xsim world written into SQLite and read back by the
report's query gives exactly the report built straight from the world."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from xpulse_truth_worlds import OBSERVATION_AGES_H, inputs_from_world

from xpulse.analytics import build_report, parse_period, report_windows
from xpulse.operations.report_inputs import report_inputs
from xpulse.store import open_store
from xpulse.store.queries import append_observations, ensure_account, set_user_id
from xpulse.store.report_queries import stored_accounts
from xpulse.store.schema import posts
from xsim.world.curves import post_metrics_at
from xsim.world.generate import GenerateOptions, content_types, generate_world
from xsim.world.model import Post

NOW = datetime(2026, 5, 27, 12, 0, tzinfo=UTC)


def _post_row(post: Post, account: str, ctype: str) -> dict[str, Any]:
    return {
        "id": post.id,
        "account": account,
        "author_id": post.author_id,
        "text": post.text,
        "created_at": post.created_at,
        "lang": post.lang,
        "conversation_id": post.conversation_id or post.id,
        "content_type": ctype,
        "replied_to_id": None,
        "quoted_id": None,
        "retweeted_id": None,
        "media_keys": None,
        "is_promoted": post.promoted,
        "raw": {"id": post.id},
        "source_url": "http://127.0.0.1/2/users/1/tweets",
        "retrieved_at": NOW,
        "first_seen_at": NOW,
        "unavailable_at": None,
    }


def _observation(post: Post, at: datetime) -> dict[str, Any]:
    m = post_metrics_at(post, at)
    return {
        "post_id": post.id,
        "observed_at": at,
        "source": "/2/tweets",
        "impressions": m.impressions,
        "likes": m.likes,
        "reposts": m.reposts,
        "replies": m.replies,
        "quotes": m.quotes,
        "bookmarks": m.bookmarks,
        "engagements": m.engagements,
    }


def test_report_from_the_store_equals_report_from_the_world(tmp_path: Path) -> None:
    world = generate_world(GenerateOptions(seed=11, users=1, days=100, now=NOW, posts_per_week=25))
    types = content_types(world)
    user = next(iter(world.users.values()))
    own = [p for p in world.posts.values() if p.author_id == user.id and not p.deleted]

    engine = open_store(f"sqlite:///{tmp_path / 'truth.db'}")
    with engine.begin() as conn:
        ensure_account(conn, user.username, user.username, NOW)
        set_user_id(conn, user.username, user.id, NOW)
        conn.execute(posts.insert(), [_post_row(p, user.username, types[p.id]) for p in own])
        reads = [
            _observation(p, p.created_at + timedelta(hours=age))
            for p in own
            for age in OBSERVATION_AGES_H
            if p.created_at + timedelta(hours=age) < NOW
        ]
        append_observations(conn, reads + [_observation(p, NOW) for p in own])

    period = parse_period("last-week", user.time_zone or "UTC", NOW)
    windows = report_windows(period)
    with engine.connect() as conn:
        stored = stored_accounts(conn)[user.username]
        from_store = report_inputs(
            conn, stored, windows.fetch_start, NOW, period.start_utc, period.end_utc
        )
    engine.dispose()
    direct = inputs_from_world(world, user.id, NOW, types=types, with_urls=False)
    # The store knows where its collected history starts; the world's inputs are told.
    direct = dataclasses.replace(direct, history_start=min(p.created_at for p in own))

    report = build_report(from_store, period, generated_at=NOW)
    assert report.totals.posts > 10
    assert report == build_report(direct, period, generated_at=NOW)
    truth = [
        post_metrics_at(p, NOW)
        for p in own
        if period.contains(p.created_at) and types[p.id] != "retweet"
    ]
    assert report.totals.impressions == sum(m.impressions for m in truth)
    assert report.totals.x_engagements == sum(m.engagements for m in truth)

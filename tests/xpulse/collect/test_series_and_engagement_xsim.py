"""xpulse's /2/tweets/analytics and Engagement API clients against xsim over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from xpulse_private_world import (
    ALICE,
    BEARER,
    BOBS,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    NOW,
    OLD,
    PLAIN,
    VIDEO,
    Live,
    make_world,
)

from xpulse.api.engagement import EngagementClient, hourly_points
from xpulse.api.oauth1 import OAuth1Credentials
from xpulse.collect.tweets_analytics import collect_series
from xpulse.errors import Forbidden, Unauthorized
from xpulse.store import queries as q
from xpulse.store.schema import metric_series
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app
from xsim.world.model import OAuth1Token

TOKEN, SECRET = "fake-oauth1-token-series", "fake-oauth1-secret-series"
CREDS = OAuth1Credentials(CONSUMER_KEY, CONSUMER_SECRET, TOKEN, SECRET)
HOURLY = {"h": ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"]}


@pytest.fixture
def sim() -> Iterator[Live]:
    world = make_world()
    world.oauth1_tokens.append(OAuth1Token(TOKEN, SECRET, "app-private", ALICE))
    with serve_app(build_app(world, clock=FixedClock(NOW))) as url:
        yield Live(url, world)


def _engagement(sim: Live, **kw: object) -> EngagementClient:
    args: dict[str, object] = {"oauth1": CREDS, **kw}
    return EngagementClient(sim.url, clock=lambda: NOW, sleep=lambda s: None, **args)  # type: ignore[arg-type]


def test_analytics_series_stored_and_consistent_with_lookup(sim: Live, engine: Engine) -> None:
    with engine.begin() as conn:  # the series belongs to stored posts
        q.upsert_posts(conn, [
            {"id": pid, "account": "alice", "author_id": ALICE, "text": "t",
             "created_at": NOW - timedelta(days=d), "content_type": "text", "media_keys": [],
             "is_promoted": False, "raw": {}, "source_url": "t", "retrieved_at": NOW,
             "first_seen_at": NOW}
            for pid, d in ((PLAIN, 5), (VIDEO, 3))
        ])  # fmt: skip
    with sim.client() as client:
        got = collect_series(
            engine, client.transport, [PLAIN, VIDEO, BOBS], NOW - timedelta(days=6), NOW,
            "hourly", clock=lambda: NOW,
        )  # fmt: skip
        lookup = client.lookup_tweets([PLAIN], ["public_metrics"]).data[0]
    assert got.requests == 1 and [e["resource_id"] for e in got.errors] == [BOBS]
    with engine.connect() as conn:
        total = conn.execute(
            select(func.sum(metric_series.c.impressions)).where(metric_series.c.post_id == PLAIN)
        ).scalar_one()
    # The hours add up to what the lookup shows now.
    assert total == lookup["public_metrics"]["impression_count"]


def test_engagement_totals_historical_and_partials(sim: Live) -> None:
    with _engagement(sim) as client:
        totals = client.collect(
            "totals", [PLAIN, VIDEO, OLD, "999"], ["impressions", "favorites", "video_views"],
            {"p": ["tweet.id", "engagement.type"], "all": ["engagement.type"]},
        )  # fmt: skip
        history = client.collect(
            "historical", [PLAIN], ["impressions"], HOURLY, NOW - timedelta(days=40), NOW
        )
    assert totals.groups["p"][VIDEO]["video_views"] == 900
    assert totals.groups["all"]["favorites"] == sum(
        totals.groups["p"][pid]["favorites"] for pid in totals.groups["p"]
    )
    assert totals.unavailable_tweet_ids == ["999"]
    assert history.requests == 2  # 40 days: two legal 4-week windows, merged
    hours = list(hourly_points(history.groups["h"], HOURLY["h"]))
    assert sum(c for *_, c in hours) == totals.groups["p"][PLAIN]["impressions"]


def test_engagement_refusals_are_one_line_errors(sim: Live) -> None:
    with _engagement(sim) as client, pytest.raises(Forbidden, match="Forbidden to access"):
        client.request("28hr", [PLAIN, BOBS], ["impressions"], {"p": ["tweet.id"]})
    wrong = OAuth1Credentials(CONSUMER_KEY, "fake-not-the-secret", TOKEN, SECRET)
    with _engagement(sim, oauth1=wrong) as client, pytest.raises(Unauthorized) as caught:
        client.request("28hr", [PLAIN], ["impressions"], {"p": ["tweet.id"]})
    assert "fake-not-the-secret" not in str(caught.value) and SECRET not in str(caught.value)
    with _engagement(sim, oauth1=None, bearer=BEARER) as client:
        public = client.request("totals", [BOBS], ["favorites", "replies"], {"p": ["tweet.id"]})
    assert public.groups["p"] == {BOBS: 45}  # grouped by post only: the types summed

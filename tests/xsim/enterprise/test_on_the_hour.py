"""An ``exact`` post created exactly on the hour: its first hourly bucket holds its counts,
so the hours add up to its totals on /2/tweets/analytics, the Engagement API's
/historical and in ``hourly_increments`` (they used to read 0 there: the reading at the
bucket start already held the whole count)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from xsim_enterprise_support import ALICE, NOW, Client, make_client, make_world

from xsim.world.curves import hourly_increments, post_metrics_at
from xsim.world.model import Post, PostFinal

ON_THE_HOUR = "1790000000000000500"
CREATED = NOW.replace(minute=0) - timedelta(hours=5)  # 07:00:00 UTC sharp
FINAL = PostFinal(
    impressions=5000, likes=120, reposts=30, replies=9, quotes=4, bookmarks=6,
    url_link_clicks=15, user_profile_clicks=8, engagements=400,
)  # fmt: skip


@pytest.fixture
def client() -> Any:
    world = make_world()
    world.posts[ON_THE_HOUR] = Post(
        ON_THE_HOUR, ALICE, "on the hour", CREATED, final=FINAL, growth="exact"
    )
    c = make_client(world)
    yield c
    c.close()


def _post(client: Client) -> Post:
    return client.world.posts[ON_THE_HOUR]


def test_hourly_increments_of_an_on_the_hour_post_sum_to_its_counts(client: Client) -> None:
    post = _post(client)
    hours = hourly_increments(post, CREATED - timedelta(hours=2), NOW)
    assert hours[0][0] == CREATED and hours[0][1].impressions == FINAL.impressions
    assert sum(m.likes for _, m in hours) == FINAL.likes
    # a range starting exactly at the posting instant holds everything too
    same = hourly_increments(post, CREATED, CREATED + timedelta(hours=1))
    assert [(h, m.impressions) for h, m in same] == [(CREATED, FINAL.impressions)]
    # the contract of the world file is unchanged: exact from created_at on
    assert post_metrics_at(post, CREATED).impressions == FINAL.impressions


def test_v2_analytics_hours_add_up_to_the_totals(client: Client) -> None:
    body = client.get(
        "/2/tweets/analytics", auth="oauth1", ids=ON_THE_HOUR, granularity="hourly",
        start_time="2026-05-20T00:00:00Z", end_time="2026-05-20T12:00:00Z",
    ).json()  # fmt: skip
    buckets = body["data"][0]["timestamped_metrics"]
    assert buckets[0]["timestamp"] == "2026-05-20T07:00:00Z"
    assert buckets[0]["metrics"]["impressions"] == FINAL.impressions
    assert sum(b["metrics"]["likes"] for b in buckets) == FINAL.likes


def test_historical_hours_add_up_to_the_totals(client: Client) -> None:
    grouping = {"h": {"group_by": ["tweet.id", "engagement.type", "engagement.day",
                                   "engagement.hour"]}}  # fmt: skip
    body = client.engage("historical", {
        "tweet_ids": [ON_THE_HOUR], "engagement_types": ["impressions", "favorites"],
        "groupings": grouping, "start": "2026-05-20T00:00:00Z", "end": "2026-05-20T12:00:00Z",
    }).json()  # fmt: skip
    series = body["h"][ON_THE_HOUR]
    assert series["impressions"]["2026-05-20"]["07"] == str(FINAL.impressions)
    total = sum(int(v) for v in series["favorites"]["2026-05-20"].values())
    assert total == FINAL.likes

"""``GET /2/media/analytics``: Enterprise only, own media, and the same numbers as
``includes.media`` at the same instant."""

from __future__ import annotations

from typing import Any

from xsim_api_support import ENTERPRISE_TOKEN, NOW, alice_post_id, make_world

from xsim.clock import FixedClock
from xsim.v2.problems import CLIENT_FORBIDDEN, X_PROBLEMS
from xsim.world.model import World

VIDEO_POST = alice_post_id(13)  # carries the video 13_1
RANGE = {"start_time": "2026-05-18T00:00:00Z", "end_time": "2026-05-21T00:00:00Z"}


def _world() -> World:
    world = make_world()
    post = world.posts[VIDEO_POST]
    post.growth, post.half_life_hours = "curve", 3.0  # plays still arriving at NOW
    world.media["13_1"].duration_ms = 12_000
    return world


def _media_now(api: Any, token: str) -> dict[str, Any]:
    body = api.get(f"/2/tweets/{VIDEO_POST}", token, **{"expansions": "attachments.media_keys",
                   "media.fields": "public_metrics,non_public_metrics"}).json()  # fmt: skip
    media: dict[str, Any] = body["includes"]["media"][0]
    return media


def test_the_buckets_add_up_to_what_includes_media_shows_now(make: Any) -> None:
    api = make(_world(), clock=FixedClock(NOW))
    media = _media_now(api, ENTERPRISE_TOKEN)
    plays = media["non_public_metrics"]
    totals: dict[str, dict[str, int]] = {}
    for granularity in ("hourly", "daily", "total"):
        r = api.get("/2/media/analytics", ENTERPRISE_TOKEN, media_keys="13_1",
                    granularity=granularity, **RANGE)  # fmt: skip
        assert r.status_code == 200, r.text
        (item,) = r.json()["data"]
        assert item["media_key"] == "13_1"
        series = item["timestamped_metrics"]
        if granularity == "hourly":
            assert len(series) > 5  # the post is 27 hours old: many hours hold plays
            assert sum(1 for b in series if b["metrics"]["video_views"] > 0) > 5
        sums: dict[str, int] = {}
        for bucket in series:
            for name, value in bucket["metrics"].items():
                assert value >= 0
                sums[name] = sums.get(name, 0) + value
        totals[granularity] = sums
    assert totals["hourly"] == totals["daily"] == totals["total"]
    got = totals["total"]
    assert got["video_views"] == media["public_metrics"]["view_count"] > 0
    assert got["playback_start"] == plays["playback_0_count"]
    assert got["playback25"] == plays["playback_25_count"]
    assert got["playback50"] == plays["playback_50_count"]
    assert got["playback75"] == plays["playback_75_count"]
    assert got["playback_complete"] == plays["playback_100_count"]
    reached = sum(plays[f"playback_{q}_count"] for q in (25, 50, 75, 100))
    early = plays["playback_0_count"] - plays["playback_25_count"]
    assert got["watch_time_ms"] == 12_000 * reached // 4 + 12_000 * early // 8
    assert got["cta_url_clicks"] == got["cta_watch_clicks"] == 0


def test_fields_errors_and_the_2167_spelling(make: Any) -> None:
    api = make(_world(), clock=FixedClock(NOW))
    r = api.get("/2/media/analytics", ENTERPRISE_TOKEN, media_keys="13_1,99_1",
                **{"media_analytics.fields": "video_views,playback_complete"}, **RANGE)  # fmt: skip
    body = r.json()
    assert set(body["data"][0]["timestamped_metrics"][0]["metrics"]) == {
        "video_views", "playback_complete"}  # fmt: skip
    assert body["errors"][0]["resource_id"] == "99_1"
    assert body["errors"][0]["type"].endswith("/resource-not-found")
    fields = {"media_analytics.fields": "timestamped_metrics,video_views"}
    new = api.get("/2/media/analytics", ENTERPRISE_TOKEN, media_keys="99_1", **RANGE, **fields)
    new = new.json()
    assert new["errors"][0]["type"] == X_PROBLEMS + "resource-not-found"
    for bad in ({"media_keys": "13-1"}, {"media_keys": ",".join(f"{i}_1" for i in range(101))},
                {"media_keys": "13_1", "granularity": "weekly"}):  # fmt: skip
        r = api.get("/2/media/analytics", ENTERPRISE_TOKEN, **{**RANGE, **bad})
        assert r.status_code == 400, (bad, r.text)


def test_only_enterprise_and_only_own_media(make: Any) -> None:
    world = _world()
    api = make(world, clock=FixedClock(NOW))
    basic = api.get("/2/media/analytics", media_keys="13_1", **RANGE)  # Alice, Basic plan
    assert basic.status_code == 403 and basic.json()["type"] == CLIENT_FORBIDDEN
    world.posts[VIDEO_POST].author_id = "1002"  # now Bob's video
    other = api.get("/2/media/analytics", ENTERPRISE_TOKEN, media_keys="13_1", **RANGE).json()
    assert "data" not in other
    assert other["errors"][0]["type"].endswith("/not-authorized-for-resource")

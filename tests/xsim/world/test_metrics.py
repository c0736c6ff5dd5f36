"""The metrics a world does not state: derived so that they add up and never shrink."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from xsim_enterprise_support import FRESH, NOW, OLD, RECENT, make_world

from xsim.world.metrics import ALL_METRICS, derived_finals, metrics_at


def test_the_unexplained_engagements_are_split_exactly() -> None:
    world = make_world()
    for post_id in (RECENT, FRESH, OLD):
        post = world.posts[post_id]
        f = post.final
        stated = (f.likes + f.reposts + f.replies + f.quotes + f.bookmarks + f.url_link_clicks
                  + f.user_profile_clicks)  # fmt: skip
        assert sum(derived_finals(post).values()) == f.engagements - stated
    assert derived_finals(world.posts[OLD])["media_engagements"] == 0  # no media
    assert derived_finals(world.posts[OLD])["hashtag_clicks"] == 0  # no hashtags
    assert derived_finals(world.posts[RECENT])["hashtag_clicks"] > 0


def test_every_metric_grows_and_media_views_follow_the_media() -> None:
    world = make_world()
    post = world.posts[RECENT]
    readings = [metrics_at(world, post, NOW - timedelta(hours=h)) for h in range(60, -1, -1)]
    assert set(readings[-1]) == set(ALL_METRICS)
    for earlier, later in pairwise(readings):
        assert all(later[k] >= earlier[k] for k in ALL_METRICS)
    assert readings[0]["impressions"] == 0  # before the post existed
    # a video post: video views are the video's view count, media views include them
    now = readings[-1]
    assert now["video_views"] == now["media_views"] > 0
    photo = metrics_at(world, world.posts[FRESH], NOW)
    assert photo["video_views"] == 0 and photo["media_views"] == photo["media_engagements"]

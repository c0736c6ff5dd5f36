"""The generator: deterministic, realistic rhythms and content, planted effects really there."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from statistics import mean, median
from zoneinfo import ZoneInfo

from xsim.world.curves import post_metrics_at
from xsim.world.document import world_to_json
from xsim.world.generate import CONTENT_TYPES, GenerateOptions, content_types, generate_world
from xsim.world.generate_text import TWITTER_EPOCH_MS
from xsim.world.model import Post, World

from .conftest import NOW

ORIGINAL = ("text", "link", "photo", "video", "gif", "poll", "thread")


def _rate(post: Post) -> float:
    return post.final.engagements / post.final.impressions


def _local(world: World, post: Post) -> datetime:
    zone = world.users[post.author_id].time_zone
    assert zone is not None
    return post.created_at.astimezone(ZoneInfo(zone))


def _own_scored(world: World, user_id: str) -> list[Post]:
    """A user's posts that engagement analysis looks at: not retweets, not spikes."""
    types = content_types(world)
    spikes = {s["post_id"] for s in world.planted["spikes"]}
    return [
        p
        for p in world.posts.values()
        if p.author_id == user_id and types[p.id] != "retweet" and p.id not in spikes
    ]


def test_same_seed_same_world_other_seed_other_world() -> None:
    options = GenerateOptions(seed=3, users=2, days=20, now=NOW)
    first, second = generate_world(options), generate_world(options)
    assert world_to_json(first) == world_to_json(second)
    other = generate_world(GenerateOptions(seed=4, users=2, days=20, now=NOW))
    assert set(other.posts) != set(first.posts)
    assert [u.username for u in other.users.values()] != [u.username for u in first.users.values()]


def test_volume_window_and_users(small_world: World) -> None:
    assert len(small_world.users) == 3
    # default 10 posts a week per user (users vary +-30%, threads add follow-ups)
    assert 3 * 60 / 7 * 10 * 0.6 < len(small_world.posts) < 3 * 60 / 7 * 10 * 1.6
    start = NOW - timedelta(days=60)
    assert all(start <= p.created_at <= NOW for p in small_world.posts.values())
    assert small_world.now == NOW
    assert all(u.time_zone for u in small_world.users.values())
    assert len({u.time_zone for u in small_world.users.values()}) == 3


def test_every_content_type_present(small_world: World) -> None:
    counts = Counter(content_types(small_world).values())
    assert set(counts) == set(CONTENT_TYPES)
    assert counts["text"] > counts["poll"]


def test_ids_are_snowflakes_in_time_order(small_world: World) -> None:
    posts = sorted(small_world.posts.values(), key=lambda p: (p.created_at, int(p.id)))
    ids = [int(p.id) for p in posts]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for post in posts:
        ms = (int(post.id) >> 22) + TWITTER_EPOCH_MS
        assert abs(ms / 1000 - post.created_at.timestamp()) < 1.5
    assert list(small_world.posts) == [str(i) for i in ids]  # stored oldest first


def test_weekly_and_daily_rhythm(busy_world: World) -> None:
    by_weekday: Counter[int] = Counter()
    by_hour: Counter[int] = Counter()
    for post in busy_world.posts.values():
        local = _local(busy_world, post)
        by_weekday[local.weekday()] += 1
        by_hour[local.hour] += 1
    assert min(by_weekday[d] for d in range(5)) > 1.4 * max(by_weekday[5], by_weekday[6])
    working = mean(by_hour[h] for h in range(9, 18))
    night = mean(by_hour[h] for h in range(0, 6))
    assert working > 8 * night


def test_apps_and_pre_issued_tokens(small_world: World) -> None:
    apps = list(small_world.apps.values())
    confidential = [a for a in apps if a.confidential]
    public = [a for a in apps if not a.confidential]
    assert len(confidential) == 1 and len(public) == 1
    app = confidential[0]
    assert "http://127.0.0.1:8765/callback" in app.callback_urls
    assert app.bearer_tokens and app.monthly_read_cap == 3_000_000 and app.plan == "pay-per-use"
    assert app.owner == small_world.tokens[0].user_id  # the first user runs the app
    assert len(small_world.tokens) == 3
    assert {t.user_id for t in small_world.tokens} == set(small_world.users)
    secrets = [app.client_secret or "", *app.bearer_tokens]
    for token in small_world.tokens:
        assert token.client_id == app.client_id
        assert token.scopes == {"tweet.read", "users.read", "offline.access"}
        assert token.refresh_token
        assert token.expires_at == NOW + timedelta(hours=2)
        secrets += [token.access_token, token.refresh_token]
    # obviously simulated, all different
    assert all(s.startswith("xsim-") for s in secrets)
    assert len(set(secrets)) == len(secrets)


def test_threads_replies_quotes_retweets_are_wired(small_world: World) -> None:
    world = small_world
    types = content_types(world)
    for post in world.posts.values():
        kind = types[post.id]
        if kind == "thread" and post.references:
            parent = world.posts[post.references[0].id]
            assert parent.author_id == post.author_id
            assert post.conversation_id == parent.conversation_id
            assert parent.created_at < post.created_at
        elif kind == "reply":
            parent = world.posts[post.references[0].id]
            assert parent.author_id != post.author_id  # three users: others' posts
            assert post.conversation_id == (parent.conversation_id or parent.id)
            assert post.text.startswith(f"@{world.users[parent.author_id].username} ")
        elif kind == "retweet":
            original = world.posts[post.references[0].id]
            assert post.text.startswith("RT @") and original.text in post.text
            assert post.final.impressions == 0
        elif kind in ORIGINAL:
            assert post.conversation_id == post.id
    heads = [p for p in world.posts.values() if types[p.id] == "thread" and not p.references]
    assert heads and all(p.text.startswith("1/ ") for p in heads)


def test_entities_point_at_their_text(small_world: World) -> None:
    seen: Counter[str] = Counter()
    for post in small_world.posts.values():
        for kind, items in (post.entities or {}).items():
            for e in items:
                fragment = post.text[e["start"] : e["end"]]
                seen[kind] += 1
                if kind == "urls":
                    assert fragment == e["url"] and e["url"].startswith("https://t.example/")
                elif kind == "hashtags":
                    assert fragment == "#" + e["tag"]
                elif kind == "mentions":
                    assert fragment == "@" + e["username"]
                    assert small_world.users[e["id"]].username == e["username"]
    assert seen["urls"] and seen["hashtags"] and seen["mentions"]


def test_media_and_polls(small_world: World) -> None:
    world = small_world
    videos = [m for m in world.media.values() if m.type == "video"]
    assert videos
    for m in videos:
        f = m.final
        plays = [f.playback_0_count, f.playback_25_count, f.playback_50_count,
                 f.playback_75_count, f.playback_100_count]  # fmt: skip
        assert plays == sorted(plays, reverse=True) and plays[0] <= f.view_count
        assert m.duration_ms and m.duration_ms >= 5_000
    assert all(m.media_key.startswith(("3_", "7_", "16_")) for m in world.media.values())
    polls = [p.poll for p in world.posts.values() if p.poll]
    assert polls and all(2 <= len(poll["options"]) <= 4 for poll in polls)


def test_planted_best_weekday_hour_and_slot(busy_world: World) -> None:
    types = content_types(busy_world)
    judged = 0
    for user_id, truth in busy_world.planted["users"].items():
        type_mult = truth["content_type_multipliers"]
        by_day: dict[int, list[float]] = defaultdict(list)
        by_hour: dict[int, list[float]] = defaultdict(list)
        by_slot: dict[tuple[int, int], list[float]] = defaultdict(list)
        for post in _own_scored(busy_world, user_id):
            local = _local(busy_world, post)
            by_day[local.weekday()].append(_rate(post))
            by_hour[local.hour].append(_rate(post))
            # A cell holds a handful of posts: take out the (planted) content-type effect.
            by_slot[(local.weekday(), local.hour)].append(_rate(post) / type_mult[types[post.id]])
        slot = truth["best_slot"]
        assert max(by_day, key=lambda d: mean(by_day[d])) == slot["weekday_index"]
        hours = {h: v for h, v in by_hour.items() if len(v) >= 10}
        assert max(hours, key=lambda h: mean(hours[h])) == slot["hour"]
        cells = {s: v for s, v in by_slot.items() if len(v) >= 4}
        best_cell = (slot["weekday_index"], slot["hour"])
        if best_cell in cells:  # else too few posts there to judge (early or late hours)
            judged += 1
            assert max(cells, key=lambda s: mean(cells[s])) == best_cell
        weekdays = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
        assert slot["weekday"] == weekdays[slot["weekday_index"]]
        # the multipliers recorded are the ones that rank the slots
        assert truth["weekday_multipliers"][slot["weekday"]] == max(
            truth["weekday_multipliers"].values()
        )
        assert truth["hour_multipliers"][slot["hour"]] == max(truth["hour_multipliers"])
    assert judged >= 2


def test_planted_best_content_type(busy_world: World) -> None:
    types = content_types(busy_world)
    for user_id, truth in busy_world.planted["users"].items():
        rates: dict[str, list[float]] = defaultdict(list)
        for post in _own_scored(busy_world, user_id):
            rates[types[post.id]].append(_rate(post))
        best = max(rates, key=lambda k: mean(rates[k]))
        assert best == truth["best_content_type"]
        assert truth["content_type_multipliers"][best] == max(
            truth["content_type_multipliers"].values()
        )


def test_spikes_stand_out(busy_world: World) -> None:
    spikes = busy_world.planted["spikes"]
    assert len(spikes) >= 4  # at least one per user
    assert {s["user_id"] for s in spikes} == set(busy_world.users)
    types = content_types(busy_world)
    for spike in spikes:
        post = busy_world.posts[spike["post_id"]]
        kind = types[post.id]
        peers = [
            p.final.impressions
            for p in _own_scored(busy_world, post.author_id)
            if types[p.id] == kind and not p.references
        ]
        assert post.final.impressions > 4 * median(peers), spike
        assert 8 <= spike["impressions_multiplier"] <= 25
        # and at any age: "taking off" is visible within hours
        for hours in (2, 24):
            age = timedelta(hours=hours)
            usual = median(
                post_metrics_at(p, p.created_at + age).impressions
                for p in _own_scored(busy_world, post.author_id)
                if types[p.id] == kind and not p.references
            )
            now = post_metrics_at(post, post.created_at + age).impressions
            assert now > 3 * usual, (spike, hours)


def test_promoted_and_deleted(busy_world: World) -> None:
    planted = busy_world.planted
    promoted = [p for p in busy_world.posts.values() if p.promoted]
    assert promoted and {p.id for p in promoted} == set(planted["promoted_post_ids"])
    assert all(0.3 <= p.final.promoted_share <= 0.7 for p in promoted)
    deleted = {p.id for p in busy_world.posts.values() if p.deleted}
    assert deleted and deleted == set(planted["deleted_post_ids"])
    share = len(promoted) / len(busy_world.posts)
    assert 0.002 < share < 0.05


def test_one_user_world_answers_itself() -> None:
    world = generate_world(GenerateOptions(seed=9, users=1, days=30, now=NOW))
    types = Counter(content_types(world).values())
    assert types["reply"] == 0 or all(
        world.posts[p.references[0].id].author_id == p.author_id
        for p in world.posts.values()
        if p.references
    )
    assert types["retweet"] > 0


def test_planted_is_plain_json(small_doc: dict[str, object]) -> None:
    import json

    planted = small_doc["planted"]
    assert json.loads(json.dumps(planted)) == planted


def test_now_is_normalised_to_utc_seconds() -> None:
    local_now = datetime(2026, 5, 20, 14, 0, 0, 123456, tzinfo=ZoneInfo("Europe/Berlin"))
    world = generate_world(GenerateOptions(seed=1, users=1, days=3, now=local_now))
    assert world.now == datetime(2026, 5, 20, 12, 0, tzinfo=UTC)

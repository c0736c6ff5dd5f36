"""xsim worlds as analytics inputs: the bridge a store would be, done exactly in memory.

``inputs_from_world`` reads every post of one user at ``now`` through xsim's own curves
(the ground truth at that instant) and records observations at the ages of the
"lifecycle" schedule. ``planted_world`` builds a small world with known effects for when
xsim's generator is not at hand (and to pin the effects down exactly).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from xpulse.analytics import ObservationRow, PostRow, ReportInputs
from xpulse.analytics.inputs import ContentType
from xsim.world.curves import post_metrics_at
from xsim.world.model import Media, Post, PostFinal, Reference, User, World

OBSERVATION_AGES_H = (1.0, 6.0, 24.0, 72.0, 168.0, 672.0)


def content_type_of(post: Post, world: World) -> ContentType:
    """The content type xpulse derives from what the API shows of a post."""
    kinds = {r.type: r.id for r in post.references}
    if "retweeted" in kinds:
        return "retweet"
    if "quoted" in kinds:
        return "quote"
    if "replied_to" in kinds:
        parent = world.posts.get(kinds["replied_to"])
        return "thread" if parent is not None and parent.author_id == post.author_id else "reply"
    if post.poll:
        return "poll"
    media_types = {world.media[k].type for k in post.media_keys if k in world.media}
    if "video" in media_types:
        return "video"
    if "animated_gif" in media_types:
        return "gif"
    if "photo" in media_types:
        return "photo"
    if post.entities and post.entities.get("urls"):
        return "link"
    # A thread's first post is a plain post; its followers are replies to self.
    return "text"


def inputs_from_world(
    world: World,
    user_id: str,
    now: datetime,
    ages_h: Sequence[float] = OBSERVATION_AGES_H,
    types: Mapping[str, str] | None = None,
    with_urls: bool = True,
) -> ReportInputs:
    """One user's posts at ``now`` (``types``: post id -> content type, else derived here)."""
    user = world.users[user_id]
    posts: list[PostRow] = []
    observations: list[ObservationRow] = []
    for post in world.posts.values():
        if post.author_id != user_id or post.deleted or post.created_at > now:
            continue
        m = post_metrics_at(post, now)
        posts.append(
            PostRow(
                id=post.id,
                account=user.username,
                created_at=post.created_at,
                text=post.text,
                content_type=cast(
                    ContentType, types[post.id] if types else content_type_of(post, world)
                ),
                url=f"https://x.com/{user.username}/status/{post.id}" if with_urls else None,
                impressions=m.impressions,
                likes=m.likes,
                reposts=m.reposts,
                replies=m.replies,
                quotes=m.quotes,
                bookmarks=m.bookmarks,
                engagements=m.engagements,
                observed_at=now,
            )
        )
        for age in ages_h:
            at = post.created_at + timedelta(hours=age)
            if at < now:
                m = post_metrics_at(post, at)
                interactions = m.likes + m.reposts + m.replies + m.quotes
                observations.append(ObservationRow(post.id, at, m.impressions, interactions))
    return ReportInputs(
        account=user.username,
        posts=posts,
        observations=observations,
        cost=(),
        username=user.username,
        user_id=user.id,
    )


def planted_world(seed: int, now: datetime, days: int = 98) -> World:
    """One user in New York posting ~4 times a day in working hours, with planted effects.

    planted: best slot Tuesday 10:00 local (rates × 1.8), best type video (rates × 1.6),
    and three posts of the last full week (before ``now``) with 25 × the usual impressions.
    """
    rng = random.Random(seed)
    zone = ZoneInfo("America/New_York")
    user = User(
        id="1001", username="acme", name="Acme", created_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    types = ["text", "link", "photo", "video", "poll"]
    base_rate = {"text": 0.020, "link": 0.015, "photo": 0.025, "video": 0.040, "poll": 0.022}
    media: dict[str, Media] = {}
    posts: dict[str, Post] = {}
    first_day = (now.astimezone(zone) - timedelta(days=days)).date()
    spike_ids: list[str] = []
    last_week_start = now - timedelta(days=now.astimezone(zone).weekday() + 7)
    seq = 0
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for hour in sorted(rng.sample(range(9, 18), 4)):
            created = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=zone)
            if created.astimezone(UTC) >= now - timedelta(hours=2):
                continue
            seq += 1
            post_id = str(10_000_000 + seq)
            ctype = rng.choice(types)
            rate = base_rate[ctype] * rng.lognormvariate(0, 0.25)
            if created.weekday() == 1 and created.hour == 10:
                rate *= 1.8
            impressions = int(1000 * rng.lognormvariate(0, 0.35))
            spike = (
                last_week_start <= created.astimezone(UTC) < last_week_start + timedelta(days=7)
                and len(spike_ids) < 3
                and rng.random() < 0.15
            )
            if spike:
                impressions *= 25
                spike_ids.append(post_id)
            eng = impressions * rate
            post = Post(
                id=post_id,
                author_id=user.id,
                text=f"{ctype} post {seq}",
                created_at=created.astimezone(UTC),
                half_life_hours=rng.uniform(3.0, 9.0),
                final=PostFinal(
                    impressions=impressions,
                    likes=round(eng * 0.6),
                    reposts=round(eng * 0.15),
                    replies=round(eng * 0.15),
                    quotes=round(eng * 0.10),
                    bookmarks=round(eng * 0.05),
                    engagements=round(eng * 1.5),
                ),
            )
            if ctype in ("photo", "video"):
                key = f"3_{post_id}" if ctype == "photo" else f"13_{post_id}"
                media[key] = Media(key, "photo" if ctype == "photo" else "video")
                post.media_keys = [key]
            elif ctype == "link":
                post.entities = {
                    "urls": [{"url": "https://t.co/x", "expanded_url": "https://e.com"}]
                }
            elif ctype == "poll":
                post.poll = {"id": f"p{post_id}", "options": []}
            posts[post_id] = post
    # A retweet in the last week: not the account's content.
    rt_at = last_week_start + timedelta(days=2, hours=15)
    posts["99"] = Post(
        id="99",
        author_id=user.id,
        text="RT @other: hello",
        created_at=rt_at,
        references=[Reference("retweeted", "98")],
        final=PostFinal(impressions=0, likes=400, reposts=50, replies=0, quotes=0),
    )
    posts["98"] = Post(id="98", author_id="2002", text="hello", created_at=rt_at)
    other = User(id="2002", username="other", name="Other", created_at=user.created_at)
    return World(
        apps={},
        users={user.id: user, other.id: other},
        posts=posts,
        media=media,
        now=now,
        planted={
            "1001": {
                "time_zone": "America/New_York",
                "best_slot": {"weekday": 1, "hour": 10},
                "best_content_type": "video",
                "spike_post_ids": spike_ids,
            }
        },
    )

"""Generate a realistic world, deterministic by seed (``xsim world``).

Each user posts in their own time zone with a weekly rhythm (weekdays busier) and a daily one
(working hours busier), in a mix of ten content types. How a post does depends on the
weekday and hour it went out and on its type, through multipliers that are *planted*: each
user has one best weekday, one best hour and one best content type, and ``world.planted``
records them, with every multiplier, the spiking posts and the promoted and deleted ones,
so analytics can be checked against the truth. Engagement rate means engagements /
impressions throughout.

The engagement model lives in :mod:`xsim.world.generate_people`; this module turns its
schedule into posts, media, references, spikes, promotion and deletion.
"""

from __future__ import annotations

import gc
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from xsim.world import generate_text as gt
from xsim.world.generate_people import (
    CONTENT_TYPES,
    ORIGINAL_TYPES,
    WEEKDAYS,
    Event,
    GenerateOptions,
    Profile,
    finals,
    make_profile,
    schedule,
)
from xsim.world.model import (
    PLAN_CAPS,
    App,
    Media,
    MediaFinal,
    OAuth1Token,
    Post,
    PostFinal,
    Reference,
    Token,
    User,
    World,
)

CALLBACKS = ["http://127.0.0.1:8765/callback", "http://localhost:8765/callback"]
USER_SCOPES = frozenset({"tweet.read", "users.read", "offline.access"})
TOKEN_LIFETIME = timedelta(hours=2)

_SPIKE_SHARE, _PROMOTED_SHARE, _DELETED_SHARE = 0.007, 0.02, 0.01
_MEDIA_PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}

__all__ = ["CONTENT_TYPES", "GenerateOptions", "content_types", "generate_world"]


@dataclass
class _Builder:
    """Turns time-ordered events into posts and media, wiring references as it goes."""

    rng: random.Random
    users: dict[str, User]
    posts: dict[str, Post] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    recent: list[Post] = field(default_factory=list)  # reply/quote/retweet targets
    thread_last: dict[str, Post] = field(default_factory=dict)  # user id -> open thread's tip
    spikes: list[dict[str, Any]] = field(default_factory=list)
    last_id: int = 0

    def next_id(self, event: Event) -> str:
        # Ids encode the time like X's snowflakes; bumping keeps them strictly increasing.
        candidate = gt.snowflake(event.at + timedelta(milliseconds=event.ms), 0)
        candidate |= self.rng.getrandbits(10) << 12  # worker bits; the sequence stays 0
        self.last_id = max(candidate, self.last_id + 1)
        return str(self.last_id)

    def target(self, author_id: str, rng: random.Random) -> Post | None:
        """A recent post by someone else (anyone, in a one-user world) to answer or share."""
        pool = self.recent[-200:]
        others = [p for p in pool if p.author_id != author_id] or pool
        return rng.choice(others) if others else None

    def add(self, event: Event) -> None:
        profile, rng, user = event.profile, event.profile.rng, event.profile.user
        kind = event.kind
        target = self.target(user.id, rng) if kind in ("reply", "quote", "retweet") else None
        tip = self.thread_last.get(user.id) if event.thread_position else None
        if (kind in ("reply", "quote", "retweet") and target is None) or (
            event.thread_position and tip is None
        ):
            kind = "text"  # nothing to answer yet (the first posts of a world)
        post_id = self.next_id(event)
        post = Post(id=post_id, author_id=user.id, text="", created_at=event.at)
        post.conversation_id = post_id
        entities: dict[str, Any] = {}
        text = gt.sentence(rng)
        if kind == "thread" and tip is not None:
            post.references.append(Reference("replied_to", tip.id))
            post.conversation_id = tip.conversation_id
            text = f"{event.thread_position + 1}/ {text}"
        elif kind == "thread":
            text = f"1/ {text} A thread."
        elif kind == "link":
            text = gt.with_link(rng, text, entities)
        elif kind == "reply" and target is not None:
            author = self.users[target.author_id]
            post.references.append(Reference("replied_to", target.id))
            post.conversation_id = target.conversation_id or target.id
            text = gt.with_mention(gt.reply_text(rng), author.username, author.id, entities)
        elif kind == "quote" and target is not None:
            post.references.append(Reference("quoted", target.id))
        elif kind == "retweet" and target is not None:
            post.references.append(Reference("retweeted", target.id))
            text = f"RT @{self.users[target.author_id].username}: {target.text}"
        if kind in ("text", "photo", "video", "poll") and rng.random() < 0.3:
            text = gt.with_hashtag(rng, text, entities)
        post.text = text
        post.entities = entities or None
        post.final, _ = finals(event, kind, rng)
        half_life = rng.lognormvariate(math.log(6.0), 0.35) * (1.6 if kind == "video" else 1.0)
        post.half_life_hours = round(half_life, 2)
        if kind in ("photo", "video", "gif"):
            for index in range(rng.choice((1, 1, 1, 2, 3, 4)) if kind == "photo" else 1):
                post.media_keys.append(self.media_item(event, kind, post.final.impressions, index))
        if kind == "poll":
            post.poll = _poll(event, post.final.impressions, rng)
        self._effects(post, kind, event, rng)
        self.posts[post_id] = post
        profile.counts[kind] = profile.counts.get(kind, 0) + 1
        if kind == "thread":
            self.thread_last[user.id] = post
        if kind != "retweet":
            self.recent.append(post)
            if len(self.recent) > 400:
                del self.recent[:200]

    def media_item(self, event: Event, kind: str, impressions: int, index: int) -> str:
        rng = self.rng
        mtype = {"photo": "photo", "video": "video", "gif": "animated_gif"}[kind]
        number = gt.snowflake(event.at - timedelta(seconds=30 + index), rng.getrandbits(22))
        while f"{_MEDIA_PREFIX[mtype]}_{number}" in self.media:
            number += 1
        key = f"{_MEDIA_PREFIX[mtype]}_{number}"
        final, duration = MediaFinal(), None
        width, height = rng.choice([(1280, 720), (1080, 1350), (1080, 1920), (1200, 675)])
        if mtype == "video":
            views = int(impressions * rng.uniform(0.15, 0.45))
            plays = [int(views * rng.uniform(0.85, 1.0))]
            for low, high in ((0.55, 0.8), (0.6, 0.85), (0.65, 0.9), (0.6, 0.9)):
                plays.append(int(plays[-1] * rng.uniform(low, high)))  # viewers drop off
            final, duration = MediaFinal(views, *plays), rng.randint(5_000, 180_000)
        elif mtype == "animated_gif":
            final = MediaFinal(view_count=int(impressions * rng.uniform(0.1, 0.3)))
            duration = rng.randint(2_000, 8_000)
        self.media[key] = Media(
            media_key=key,
            type="photo" if mtype == "photo" else "video" if mtype == "video" else "animated_gif",
            url=gt.media_url(key) if mtype == "photo" else None,
            preview_image_url=None if mtype == "photo" else gt.media_url(key),
            width=width,
            height=height,
            duration_ms=duration,
            final=final,
        )
        return key

    def _effects(self, post: Post, kind: str, event: Event, rng: random.Random) -> None:
        """Spikes, promotion and deletion, each drawn for a few posts of fitting kinds."""
        if kind == "retweet" or event.thread_position:
            return
        if event.spike and kind not in ("reply", "retweet"):
            factor = round(rng.uniform(8, 25), 2)
            post.final = _scaled(post.final, factor, factor)
            # Viral posts keep going a little longer than usual, at most 1.5 x the 6 h default.
            post.half_life_hours = round(min(post.half_life_hours, 6.0) * 1.5, 2)
            self.spikes.append(
                {"post_id": post.id, "user_id": post.author_id, "impressions_multiplier": factor}
            )
        elif kind in ORIGINAL_TYPES and rng.random() < _PROMOTED_SHARE:
            share = round(rng.uniform(0.3, 0.7), 3)
            post.final = _scaled(post.final, 1 / (1 - share), 1.0)  # paid reach adds on top
            post.final.promoted_share = share
            post.promoted = True
        elif rng.random() < _DELETED_SHARE:
            post.deleted = True


def _scaled(final: PostFinal, factor: float, unsplit_factor: float) -> PostFinal:
    """``final`` times ``factor`` (quotes and bookmarks times ``unsplit_factor``)."""
    return PostFinal(
        impressions=round(final.impressions * factor),
        likes=round(final.likes * factor),
        reposts=round(final.reposts * factor),
        replies=round(final.replies * factor),
        quotes=round(final.quotes * unsplit_factor),
        bookmarks=round(final.bookmarks * unsplit_factor),
        url_link_clicks=round(final.url_link_clicks * factor),
        user_profile_clicks=round(final.user_profile_clicks * factor),
        engagements=round(final.engagements * factor),
    )


def _poll(event: Event, impressions: int, rng: random.Random) -> dict[str, Any]:
    labels = gt.poll_options(rng)
    voters = int(impressions * rng.uniform(0.01, 0.04))
    weights = [rng.random() + 0.1 for _ in labels]
    minutes = rng.choice((60, 1440, 1440, 4320, 10080))
    end = event.at + timedelta(minutes=minutes)
    return {
        "id": str(gt.snowflake(event.at, rng.getrandbits(22))),
        "options": [
            {"position": i + 1, "label": label, "votes": int(voters * w / sum(weights))}
            for i, (label, w) in enumerate(zip(labels, weights, strict=True))
        ],
        "duration_minutes": minutes,
        "end_datetime": end.isoformat().replace("+00:00", "Z"),
    }


def content_types(world: World) -> dict[str, str]:
    """The content type of every post as the generator means it, read from the data alone.

    retweet, quote and reply come from the references; a reply to one's own post, and a post
    its author replies to, are a thread; then poll, video, gif and photo come from the
    attachments, link from url entities, and text is the rest.
    """
    posts = world.posts
    self_answered: set[str] = set()
    for post in posts.values():
        for ref in post.references:
            parent = posts.get(ref.id)
            if ref.type == "replied_to" and parent and parent.author_id == post.author_id:
                self_answered.add(ref.id)
    return {post.id: _content_type(post, world, self_answered) for post in posts.values()}


def _content_type(post: Post, world: World, self_answered: set[str]) -> str:
    kinds = {ref.type for ref in post.references}
    if "retweeted" in kinds:
        return "retweet"
    if "quoted" in kinds:
        return "quote"
    if "replied_to" in kinds:
        parent_id = next(r.id for r in post.references if r.type == "replied_to")
        parent = world.posts.get(parent_id)
        return "thread" if parent and parent.author_id == post.author_id else "reply"
    if post.id in self_answered:
        return "thread"
    if post.poll is not None:
        return "poll"
    types = {world.media[key].type for key in post.media_keys if key in world.media}
    for media_type, name in (("video", "video"), ("animated_gif", "gif"), ("photo", "photo")):
        if media_type in types:
            return name
    if post.entities and post.entities.get("urls"):
        return "link"
    return "text"


# --- the whole world ------------------------------------------------------------------------


def _apps(rng: random.Random, users: list[User], now: datetime) -> tuple[list[App], list[Token]]:
    confidential = App(
        client_id=gt.fake_secret(rng, "client", 20),
        name="xpulse demo (confidential)",
        callback_urls=list(CALLBACKS),
        plan="pay-per-use",  # X's default plan since 2026-02-06
        client_secret=gt.fake_secret(rng, "secret", 40),
        bearer_tokens=[gt.fake_secret(rng, "bearer", 48)],
        monthly_read_cap=PLAN_CAPS["pay-per-use"],
        consumer_key=gt.fake_secret(rng, "ck", 25),
        consumer_secret=gt.fake_secret(rng, "cs", 45),
        owner=users[0].id,  # the first user runs the app; the others are its clients
    )
    public = App(
        client_id=gt.fake_secret(rng, "client", 20),
        name="xpulse demo (public client)",
        callback_urls=list(CALLBACKS),
        plan="pay-per-use",
        client_secret=None,
        monthly_read_cap=PLAN_CAPS["pay-per-use"],
        owner=users[0].id,
    )
    tokens = [
        Token(
            access_token=gt.fake_secret(rng, "at", 40),
            client_id=confidential.client_id,
            user_id=user.id,
            scopes=USER_SCOPES,
            expires_at=now + TOKEN_LIFETIME,
            refresh_token=gt.fake_secret(rng, "rt", 40),
        )
        for user in users
    ]
    return [confidential, public], tokens


def _oauth1_tokens(app: App, users: list[User]) -> list[OAuth1Token]:
    """An OAuth 1.0a token pair per user for the app with a consumer key.

    Drawn from their own generator so adding them leaves every other generated value as it was.
    """
    rng = random.Random(f"oauth1:{app.client_id}")
    return [
        OAuth1Token(
            token=gt.fake_secret(rng, "ot", 40),
            token_secret=gt.fake_secret(rng, "ots", 40),
            client_id=app.client_id,
            user_id=user.id,
        )
        for user in users
    ]


def _planted(
    options: GenerateOptions, profiles: list[Profile], builder: _Builder
) -> dict[str, Any]:
    return {
        "generator": {
            "seed": options.seed,
            "users": options.users,
            "days": options.days,
            "posts_per_week": options.posts_per_week,
            "now": options.now.isoformat().replace("+00:00", "Z"),
        },
        "engagement_rate": "engagements / impressions",
        "model": (
            "rate = base_rate * weekday_multipliers[local weekday] * hour_multipliers[local "
            "hour] * content_type_multipliers[type] * noise; impressions = reach * "
            "sqrt(slot * type multiplier) * noise; retweets earn nothing of their own"
        ),
        "content_types": list(CONTENT_TYPES),
        "users": {
            p.user.id: {
                "username": p.user.username,
                "time_zone": p.user.time_zone,
                "best_slot": {
                    "weekday": WEEKDAYS[p.best_day],
                    "weekday_index": p.best_day,
                    "hour": p.best_hour,
                },
                "best_content_type": p.best_type,
                "weekday_multipliers": dict(zip(WEEKDAYS, p.day_mult, strict=True)),
                "hour_multipliers": p.hour_mult,
                "content_type_multipliers": {k: v for k, v in p.type_rate.items() if v},
                "base_engagement_rate": round(p.base_rate, 5),
                "reach": round(p.reach, 1),
                "post_counts": dict(sorted(p.counts.items())),
            }
            for p in profiles
        },
        "spikes": builder.spikes,
        "promoted_post_ids": [p.id for p in builder.posts.values() if p.promoted],
        "deleted_post_ids": [p.id for p in builder.posts.values() if p.deleted],
    }


def _with_spikes(profile: Profile, events: list[Event]) -> list[Event]:
    """Mark a few of a user's original posts to go viral (one at least, given ten posts)."""
    eligible = [e for e in events if e.kind in ORIGINAL_TYPES and not e.thread_position]
    if len(eligible) >= 10:
        count = max(1, round(len(eligible) * _SPIKE_SHARE))
        for event in profile.rng.sample(eligible, count):
            event.spike = True
    return events


def generate_world(options: GenerateOptions) -> World:
    """A world of ``options.users`` users posting for ``options.days`` days up to ``now``."""
    if options.users < 1 or options.days < 1 or options.posts_per_week <= 0:
        raise ValueError("users and days must be at least 1 and posts per week above 0")
    now = options.now.astimezone(UTC).replace(microsecond=0)
    options = GenerateOptions(options.seed, options.users, options.days, now,
                              options.posts_per_week)  # fmt: skip
    taken: set[str] = set()
    profiles = [make_profile(i, options, taken) for i in range(options.users)]
    start = now - timedelta(days=options.days)
    events = [event for p in profiles for event in _with_spikes(p, schedule(p, start, now))]
    events.sort(key=lambda e: (e.at, e.ms, e.profile.user.id, e.thread_position))
    rng = random.Random(f"xsim-world:{options.seed}:world")
    users = {p.user.id: p.user for p in profiles}
    builder = _Builder(rng=rng, users=users)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small acyclic objects: collection passes would only rescan them
    try:
        for event in events:
            builder.add(event)
    finally:
        if gc_was_enabled:
            gc.enable()
    # Their own stream: the posts' draws depend on the clock, and an app's client id must not
    # (the README names the public client of seed 1).
    app_rng = random.Random(f"xsim-world:{options.seed}:apps")
    apps, tokens = _apps(app_rng, list(users.values()), now)
    return World(
        apps={app.client_id: app for app in apps},
        users=users,
        posts=builder.posts,
        media=builder.media,
        tokens=tokens,
        oauth1_tokens=_oauth1_tokens(apps[0], list(users.values())),
        now=now,
        planted=_planted(options, profiles, builder),
    )

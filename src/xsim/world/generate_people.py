"""Generated users: their hidden parameters, when they post, and how their posts do.

The engagement model of :mod:`xsim.world.generate`, per post::

    slot        = weekday_multiplier[local weekday] * hour_multiplier[local hour]
    impressions = reach * sqrt(slot * type_rate) * type_reach * noise(0.35)
    rate        = base_rate * slot * type_rate * noise(0.15)
    engagements = impressions * rate, split into likes, reposts, replies, ...

so each user's planted best slot and type are best by engagement rate, by impressions and
by engagements alike. Noise has mean 1, so means over many posts show the multipliers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from xsim.world import generate_text as gt
from xsim.world.model import PostFinal, User

CONTENT_TYPES = (
    "text", "link", "photo", "video", "gif", "poll", "thread", "reply", "quote", "retweet",
)  # fmt: skip
ORIGINAL_TYPES = ("text", "link", "photo", "video", "gif", "poll", "thread")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MIX = {"text": 0.22, "link": 0.13, "photo": 0.16, "video": 0.08, "gif": 0.04, "poll": 0.04,
        "thread": 0.035, "reply": 0.14, "quote": 0.06, "retweet": 0.09}  # fmt: skip
# Engagement-rate and reach multipliers of each type before the planted best type is lifted.
_TYPE_RATE = {"text": 1.0, "link": 0.85, "photo": 1.15, "video": 1.25, "gif": 1.05,
              "poll": 1.1, "thread": 1.1, "reply": 0.9, "quote": 0.95, "retweet": 0.0}  # fmt: skip
_TYPE_REACH = {"reply": 0.25, "quote": 0.8}
_BEST_TYPE_LIFT = 1.5  # the best type's rate: 1.5 x the best of the ordinary types
_BEST_DAY, _BEST_HOUR, _NEXT_HOUR = 1.45, 1.6, 1.2
# Posting activity by local hour and weekday (Monday first).
_HOUR_ACTIVITY = [0.1, 0.05, 0.03, 0.03, 0.05, 0.15, 0.4, 0.8, 1.2, 1.5, 1.4, 1.3,
                  1.5, 1.3, 1.2, 1.2, 1.3, 1.2, 1.0, 0.9, 0.8, 0.6, 0.4, 0.2]  # fmt: skip
_DAY_ACTIVITY = [1.1, 1.15, 1.15, 1.1, 1.0, 0.55, 0.45]
_TIME_ZONES = [
    "America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles",
    "Europe/London", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo",
]  # fmt: skip


@dataclass(frozen=True)
class GenerateOptions:
    """What ``xsim world`` asks for: the same options give the same world."""

    seed: int
    users: int
    days: int
    now: datetime
    posts_per_week: float = 10.0


@dataclass
class Profile:
    """One user's hidden parameters (what ``planted`` reports)."""

    user: User
    zone: ZoneInfo
    rng: random.Random
    reach: float
    base_rate: float
    posts_per_week: float
    day_mult: list[float]
    hour_mult: list[float]
    type_rate: dict[str, float]
    best_day: int
    best_hour: int
    best_type: str
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Event:
    """A post to be made: when, by whom, what kind (threads become several posts)."""

    at: datetime
    ms: int
    profile: Profile
    kind: str
    thread_position: int = 0  # 0: a standalone post or a thread's head
    spike: bool = False  # chosen to go viral


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _noise(rng: random.Random, sigma: float) -> float:
    return math.exp(rng.gauss(0.0, sigma) - sigma * sigma / 2)  # mean 1


def make_profile(index: int, options: GenerateOptions, taken: set[str]) -> Profile:
    """User ``index`` and their hidden parameters, from a random stream of their own."""
    rng = random.Random(f"xsim-world:{options.seed}:user:{index}")
    handle = gt.username(rng, taken)
    created = options.now - timedelta(days=rng.uniform(400, 5000))
    zone_name = _TIME_ZONES[(index + options.seed) % len(_TIME_ZONES)]
    followers = int(min(2e6, max(300.0, rng.lognormvariate(math.log(3000), 1.2))))
    user = User(
        id=str(gt.snowflake(created, rng.getrandbits(22))),
        username=handle,
        name=gt.display_name(handle),
        created_at=created.replace(microsecond=0),
        description=gt.sentence(rng),
        location=zone_name.split("/")[-1].replace("_", " "),
        followers_count=followers,
        following_count=int(rng.uniform(50, 1500)),
        listed_count=followers // rng.randint(40, 200),
        like_count=int(rng.uniform(100, 20000)),
        time_zone=zone_name,
    )
    best_day = rng.randrange(5)  # a weekday: enough posts there for the effect to show
    best_hour = rng.choice([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    day_mult = [round(base * rng.uniform(0.96, 1.04), 3) for base in (1, 1, 1, 1, 0.95, 0.9, 0.9)]
    day_mult[best_day] = _BEST_DAY
    top = max(_HOUR_ACTIVITY)
    hour_mult = [round(0.85 + 0.15 * a / top * rng.uniform(0.95, 1.0), 3) for a in _HOUR_ACTIVITY]
    for hour in (best_hour - 1, best_hour + 1):
        hour_mult[hour % 24] = _NEXT_HOUR
    hour_mult[best_hour] = _BEST_HOUR
    best_type = rng.choice(ORIGINAL_TYPES)
    type_rate = dict(_TYPE_RATE)
    type_rate[best_type] = round(_BEST_TYPE_LIFT * max(_TYPE_RATE.values()), 3)
    return Profile(
        user=user,
        zone=ZoneInfo(zone_name),
        rng=rng,
        reach=followers * rng.uniform(0.08, 0.3) + 800,  # non-followers see posts too
        base_rate=rng.uniform(0.012, 0.035),
        posts_per_week=options.posts_per_week * rng.uniform(0.7, 1.3),
        day_mult=day_mult,
        hour_mult=hour_mult,
        type_rate=type_rate,
        best_day=best_day,
        best_hour=best_hour,
        best_type=best_type,
    )


def schedule(profile: Profile, start: datetime, now: datetime) -> list[Event]:
    """The user's posting times: a Poisson count per local day, hours by local activity."""
    rng, zone = profile.rng, profile.zone
    per_day = profile.posts_per_week / 7 / (sum(_DAY_ACTIVITY) / 7)
    kinds, mix = list(_MIX), list(_MIX.values())
    hour_cum = list(_cumulative(_HOUR_ACTIVITY))
    events: list[Event] = []
    day: date = start.astimezone(zone).date()
    last = now.astimezone(zone).date()
    while day <= last:
        for _ in range(_poisson(rng, per_day * _DAY_ACTIVITY[day.weekday()])):
            hour = rng.choices(range(24), cum_weights=hour_cum)[0]
            local = datetime(day.year, day.month, day.day, hour, rng.randrange(60),
                             rng.randrange(60), tzinfo=zone)  # fmt: skip
            at = local.astimezone(UTC)
            if not start <= at <= now:
                continue
            kind = rng.choices(kinds, weights=mix)[0]
            events.append(Event(at, rng.randrange(1000), profile, kind))
            if kind == "thread":  # self-replies a minute or two apart
                follow = at
                for position in range(1, rng.randint(2, 5)):
                    follow += timedelta(seconds=rng.randint(40, 180))
                    if follow <= now:
                        events.append(Event(follow, rng.randrange(1000), profile, kind, position))
        day += timedelta(days=1)
    return events


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _local_slot(event: Event) -> tuple[int, int]:
    local = event.at.astimezone(event.profile.zone)
    return local.weekday(), local.hour


def finals(event: Event, kind: str, rng: random.Random) -> tuple[PostFinal, float]:
    """Final counts and the effective engagement-rate multiplier of one post."""
    profile = event.profile
    if kind == "retweet":  # a repost earns nothing of its own
        return PostFinal(0, 0, 0, 0, 0), 0.0
    weekday, hour = _local_slot(event)
    slot = profile.day_mult[weekday] * profile.hour_mult[hour]
    type_rate = profile.type_rate[kind]
    reach = profile.reach * _TYPE_REACH.get(kind, 1.0) / (1 + 1.5 * event.thread_position)
    spread = _noise(rng, 0.35)
    if event.spike:  # a spike is a multiple of the usual level, not of an unlucky draw
        spread = max(spread, 1.0)
    impressions = max(1, round(reach * math.sqrt(slot * type_rate) * spread))
    rate = min(0.5, profile.base_rate * slot * type_rate * _noise(rng, 0.15))
    engagements = round(impressions * rate)

    def part(share: float) -> int:
        return round(engagements * share * _noise(rng, 0.2))

    clicks = part(0.25 if kind == "link" else 0.0)
    counts = [part(0.42), part(0.07), part(0.05), part(0.015), part(0.04), clicks, part(0.06)]
    engagements = max(engagements, sum(counts))
    likes, reposts, replies, quotes, bookmarks, link_clicks, profile_clicks = counts
    final = PostFinal(impressions, likes, reposts, replies, quotes, bookmarks, link_clicks,
                      profile_clicks, engagements)  # fmt: skip
    return final, slot * type_rate

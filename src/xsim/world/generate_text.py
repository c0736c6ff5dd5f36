"""Ids, fake secrets and post text for generated worlds (helpers of :mod:`xsim.world.generate`).

Everything is drawn from a caller's ``random.Random`` so a world is a pure function of its
seed. Links, images and short URLs use reserved ``.example`` names so a generated world can
never point anyone at a real page.
"""

from __future__ import annotations

import random
import string
from datetime import datetime
from typing import Any

TWITTER_EPOCH_MS = 1288834974657  # X's snowflake epoch (2010-11-04T01:42:54.657Z)
_ALPHABET = string.ascii_letters + string.digits

_TOPICS = [
    "release notes",
    "pricing page",
    "onboarding flow",
    "API limits",
    "dark mode",
    "team offsite",
    "conference talk",
    "customer story",
    "roadmap",
    "open-source library",
    "hiring plan",
    "weekly metrics",
    "search speed",
    "mobile app",
    "data pipeline",
    "support inbox",
    "newsletter",
    "design system",
    "launch checklist",
    "postmortem",
]
_OPENERS = [
    "Shipped",
    "Thinking about",
    "A quick note on",
    "Lessons from",
    "Here is how we fixed",
    "Three things about",
    "Unpopular opinion on",
    "Finally wrote up",
    "Small win:",
    "Behind the scenes of",
]
_CLOSERS = [
    "Feedback welcome.",
    "More soon.",
    "What would you change?",
    "Took longer than planned.",
    "Worth it.",
    "Details below.",
    "Thanks to everyone who helped.",
    "Curious what you think.",
]
_HASHTAGS = ["buildinpublic", "devtools", "startups", "python", "datascience", "saas", "ux"]
_POLL_LABELS = ["Yes", "No", "Maybe", "Mornings", "Evenings", "Weekends", "Docs", "Videos"]
_REPLIES = ["Great point.", "Agreed, and", "Not sure about this:", "We saw the same:", "+1,"]
_FIRST = ["alex", "sam", "maria", "li", "noor", "jonas", "aiko", "ravi", "zoe", "omar",
          "lena", "tom", "ines", "kofi", "mila", "ben", "yuki", "ana", "finn", "sara"]  # fmt: skip
_LAST = ["builds", "writes", "codes", "ships", "data", "design", "labs", "hq", "dev", "ops"]


def snowflake(moment: datetime, low_bits: int) -> int:
    """A post id as X makes them: milliseconds since X's epoch above 22 worker/sequence bits."""
    ms = int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS
    return (ms << 22) | (low_bits & ((1 << 22) - 1))


def fake_secret(rng: random.Random, kind: str, length: int) -> str:
    """An obviously simulated credential such as ``xsim-at-Ab3...`` (never X's formats)."""
    return f"xsim-{kind}-" + "".join(rng.choice(_ALPHABET) for _ in range(length))


def username(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = f"{rng.choice(_FIRST)}_{rng.choice(_LAST)}"
        if rng.random() < 0.5:
            name += str(rng.randint(1, 99))
        if name.lower() not in taken:
            taken.add(name.lower())
            return name


def display_name(handle: str) -> str:
    first, _, rest = handle.partition("_")
    return f"{first.title()} ({rest.rstrip('0123456789') or 'x'})"


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(_OPENERS)} the {rng.choice(_TOPICS)}. {rng.choice(_CLOSERS)}"


def with_hashtag(rng: random.Random, text: str, entities: dict[str, Any]) -> str:
    """Append a hashtag and record its entity (offsets in code points, as X counts them)."""
    tag = rng.choice(_HASHTAGS)
    start = len(text) + 1
    text = f"{text} #{tag}"
    entities.setdefault("hashtags", []).append({"start": start, "end": len(text), "tag": tag})
    return text


def with_link(rng: random.Random, text: str, entities: dict[str, Any]) -> str:
    """Append a short link and its url entity."""
    slug = rng.choice(_TOPICS).replace(" ", "-")
    code = "".join(rng.choice(_ALPHABET) for _ in range(10))
    short = f"https://t.example/{code}"
    start = len(text) + 1
    text = f"{text} {short}"
    entities.setdefault("urls", []).append(
        {
            "start": start,
            "end": len(text),
            "url": short,
            "expanded_url": f"https://blog.example.com/{slug}",
            "display_url": f"blog.example.com/{slug}"[:26],
        }
    )
    return text


def with_mention(text: str, handle: str, user_id: str, entities: dict[str, Any]) -> str:
    """Prefix an @mention (replies start with the handle they answer)."""
    mention = f"@{handle}"
    shifted = {
        kind: [{**e, "start": e["start"] + len(mention) + 1, "end": e["end"] + len(mention) + 1}
               for e in items]
        for kind, items in entities.items()
    }  # fmt: skip
    entities.clear()
    entities.update(shifted)
    entities.setdefault("mentions", []).insert(
        0, {"start": 0, "end": len(mention), "username": handle, "id": user_id}
    )
    return f"{mention} {text}"


def reply_text(rng: random.Random) -> str:
    return f"{rng.choice(_REPLIES)} {sentence(rng).lower()}"


def poll_options(rng: random.Random) -> list[str]:
    return rng.sample(_POLL_LABELS, rng.choice((2, 2, 3, 4)))


def media_url(key: str) -> str:
    return f"https://pbs.example/media/{key}.jpg"

"""Report documents for rendering tests, built by the real analytics from known rows.

A 90-day history (so best time, content types, spikes and lifecycle all have data) and a
2026-W21 week with hostile post text, a post nobody saw (no rate), a formula-like post, a
planted spike and a retweet that must be left out. Made with the brand's
``xpulse_brand_report.ReportMaker``, on the same clock and weeks.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from xpulse_brand_report import NOW, WEEK_START, ReportMaker

from xpulse.analytics import CostRow, ObservationRow, PostRow, Report
from xpulse.analytics.inputs import ContentType

EVIL = '<script>alert(1)</script> [red]x[/red] =HYPERLINK("http://e") javascript:alert(1)'
AGES_H = (1.0, 24.0, 72.0, 168.0, 672.0)
TYPES: tuple[ContentType, ...] = ("text", "photo", "link", "video", "reply")


def _share(age_h: float) -> float:
    """Share of a post's final impressions reached by ``age_h`` (a made-up decay curve)."""
    return min(1.0, 0.25 + 0.6 * min(age_h, 24) / 24 + 0.15 * min(max(age_h - 24, 0), 144) / 144)


def _observations(post: PostRow) -> list[ObservationRow]:
    out = []
    for age in AGES_H:
        at = post.created_at + timedelta(hours=age)
        if at <= NOW and post.impressions:
            out.append(ObservationRow(post.id, at, round(post.impressions * _share(age))))
    return out


ACME = ReportMaker(
    "main", "acme", "42", CostRow("/2/users/:id/tweets", 3, 120, 0.12), _observations
)
make_post = ACME.post
build = ACME.report


def history() -> list[PostRow]:
    """90 days before the week: Tuesdays 09:00 do best, photos beat text."""
    rng = random.Random(7)
    posts = []
    day = WEEK_START - timedelta(days=84)
    n = 0
    while day < WEEK_START:
        for hour in (9, 18):
            n += 1
            created = day + timedelta(hours=hour)
            ctype = TYPES[n % len(TYPES)]
            base = 900 + rng.randint(0, 200)
            boost = 2 if (created.weekday() == 1 and hour == 9) else 1
            likes = (18 if ctype == "photo" else 8) * boost + rng.randint(0, 4)
            posts.append(make_post(f"{500 + n}", created, f"history post {n}", base, likes, ctype))
        day += timedelta(days=2)
    return posts


def week_posts() -> list[PostRow]:
    tue = WEEK_START + timedelta(days=1)
    return [
        make_post(
            "1001", tue + timedelta(hours=9), EVIL, 40_000, 900, "photo", url="javascript:alert(1)"
        ),
        make_post(
            "1002",
            tue + timedelta(hours=10),
            "Shipping day 🚀 https://example.com/launch",
            1200,
            40,
            "link",
            url="https://x.com/acme/status/1002",
        ),
        make_post("1003", tue + timedelta(days=2, hours=18), "plain words", 800, 12),
        make_post("1004", tue + timedelta(days=3, hours=12), "=cmd|' /C calc'!A0", 150, 9),
        make_post("1005", tue + timedelta(days=5, hours=21), "a reply nobody saw", 0, 0, "reply"),
        make_post("1006", tue + timedelta(hours=11), "RT someone else", 0, 50, "retweet"),
    ]


@pytest.fixture(scope="session")
def report() -> Report:
    return build([*history(), *week_posts()])


@pytest.fixture(scope="session")
def empty_report() -> Report:
    """A week with no posts (the history is there, so the look-back sections are not empty)."""
    return build(history())


@pytest.fixture
def report_dict(report: Report) -> dict[str, Any]:
    return report.to_dict()


@pytest.fixture
def builders() -> Any:
    """For tests that need a report of their own: ``builders.report([builders.post(...)])``."""

    class Builders:
        report = staticmethod(build)
        post = staticmethod(make_post)
        evil = EVIL
        week_start = WEEK_START

    return Builders

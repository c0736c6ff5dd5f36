"""The brand's report documents, built by the real analytics from known rows: the fixtures
of the message renderings (``render/messages``) and of delivery (``deliver``), each folder's
conftest importing those it uses.

Eight weeks of history (so best time and content types have data) and a 2026-W21 week whose
top post carries hostile Slack text; an empty week; and known totals the tests check for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from xpulse.analytics import (
    CostRow,
    ObservationRow,
    PostRow,
    Report,
    ReportInputs,
    build_report,
    parse_period,
)
from xpulse.analytics.inputs import ContentType

HOSTILE = "<!channel> <http://evil.example|x.com> @here & <@U123>"
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 5, 26, 8, tzinfo=UTC)
WEEK_START = datetime(2026, 5, 18, tzinfo=BERLIN)
TYPES: tuple[ContentType, ...] = ("text", "photo", "link")


def post(
    pid: str, created: datetime, text: str, impressions: int, likes: int, ctype: ContentType
) -> PostRow:
    return PostRow(
        id=pid,
        account="brand",
        created_at=created.astimezone(UTC),
        text=text,
        content_type=ctype,
        url=None,
        impressions=impressions,
        likes=likes,
        reposts=likes // 5,
        replies=likes // 10,
        quotes=0,
        bookmarks=likes // 4,
        engagements=None,
        observed_at=NOW if impressions else None,
    )


def history() -> list[PostRow]:
    out = []
    day = WEEK_START - timedelta(days=56)
    n = 0
    while day < WEEK_START:
        n += 1
        ctype = TYPES[n % len(TYPES)]
        out.append(post(f"{700 + n}", day + timedelta(hours=9), f"old {n}", 1000, 20, ctype))
        day += timedelta(days=2)
    return out


def week() -> list[PostRow]:
    tue = WEEK_START + timedelta(days=1)
    return [
        post("2001", tue + timedelta(hours=9), HOSTILE, 30_000, 700, "photo"),
        post("2002", tue + timedelta(days=1, hours=12), "Launch notes & more", 2_000, 40, "link"),
        post("2003", tue + timedelta(days=3, hours=18), "quiet Friday", 500, 5, "text"),
    ]


def build(posts: Sequence[PostRow], period: str = "2026-W21") -> Report:
    obs = [
        ObservationRow(p.id, p.created_at + timedelta(hours=h), p.impressions * h // 200)
        for p in posts
        for h in (24, 100)
        if p.impressions and p.created_at + timedelta(hours=h) <= NOW
    ]
    inputs = ReportInputs(
        account="brand",
        posts=list(posts),
        observations=obs,
        cost=[CostRow("/2/users/:id/tweets", 4, 160, 0.16)],
        username="brand",
        user_id="99",
    )
    return build_report(inputs, parse_period(period, "Europe/Berlin", NOW), generated_at=NOW)


@pytest.fixture(scope="session")
def report() -> Report:
    return build([*history(), *week()])


@pytest.fixture(scope="session")
def empty_report() -> Report:
    return build(history())


@pytest.fixture(scope="session")
def previous_report() -> Report:
    """The week before, so files tests have a second period for the archive."""
    return build(history(), period="2026-W20")


@pytest.fixture(scope="session")
def builders_report() -> Callable[[str], Report]:
    """A W21 report whose top post has the given text."""

    def make(text: str) -> Report:
        tue = WEEK_START + timedelta(days=1)
        return build([*history(), post("3001", tue + timedelta(hours=9), text, 9000, 300, "text")])

    return make

"""Report documents built by the real analytics from made-up rows: ``ReportMaker``, which
the rendering tests' own account (``render/conftest.py``) is made with too, and the brand's
reports, the fixtures of the message renderings (``render/messages``) and of delivery
(``deliver``), each folder's conftest importing those it uses.

The brand: eight weeks of history (so best time and content types have data) and a
2026-W21 week whose top post carries hostile Slack text; an empty week; and known totals
the tests check for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ReportMaker:
    """One account's made-up posts built into a report, in Berlin's weeks, as of ``NOW``:
    who X says the account is, what collecting it cost, and when each post was read."""

    account: str
    username: str
    user_id: str
    cost: CostRow
    reads: Callable[[PostRow], list[ObservationRow]]

    def post(
        self,
        pid: str,
        created: datetime,
        text: str,
        impressions: int,
        likes: int,
        ctype: ContentType = "text",
        url: str | None = None,
    ) -> PostRow:
        return PostRow(
            id=pid,
            account=self.account,
            created_at=created.astimezone(UTC),
            text=text,
            content_type=ctype,
            url=url,
            impressions=impressions,
            likes=likes,
            reposts=likes // 5,
            replies=likes // 10,
            quotes=0,
            bookmarks=likes // 4,
            engagements=None,
            observed_at=NOW if impressions else None,
        )

    def report(self, posts: Sequence[PostRow], period: str = "2026-W21") -> Report:
        inputs = ReportInputs(
            account=self.account,
            posts=list(posts),
            observations=[o for p in posts for o in self.reads(p)],
            cost=[self.cost],
            username=self.username,
            user_id=self.user_id,
        )
        return build_report(inputs, parse_period(period, BERLIN.key, NOW), generated_at=NOW)


def _brand_reads(post: PostRow) -> list[ObservationRow]:
    """Read a day and 100 hours after posting, where that is before ``NOW``."""
    return [
        ObservationRow(post.id, post.created_at + timedelta(hours=h), post.impressions * h // 200)
        for h in (24, 100)
        if post.impressions and post.created_at + timedelta(hours=h) <= NOW
    ]


BRAND = ReportMaker(
    "brand", "brand", "99", CostRow("/2/users/:id/tweets", 4, 160, 0.16), _brand_reads
)
post = BRAND.post
build = BRAND.report


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

"""The portfolio's sums, from rows alone: own accounts added up, competitors apart, plain
reposts left out, an account never collected null rather than zero."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from xpulse.analytics import parse_period
from xpulse.analytics.portfolio import (
    NO_DATA,
    PORTFOLIO_SCHEMA_ID,
    PortfolioAccount,
    build_portfolio,
)

from .conftest import NOW, make_post

WEEK = parse_period("2026-W21", "UTC", NOW)  # May 18-24; the previous week is May 11-17
THIS = WEEK.start_utc + timedelta(days=2)
BEFORE = THIS - timedelta(days=7)


def _post(pid: str, at: Any, impressions: int, likes: int, **kw: Any) -> Any:
    return make_post(pid, at, impressions=impressions, likes=likes, **kw)


def test_own_accounts_add_up_and_compare_with_the_week_before() -> None:
    main = [_post("1", THIS, 1000, 40), _post("2", BEFORE, 500, 10)]
    side = [_post("3", THIS, 200, 6, replies=4), _post("4", THIS + timedelta(days=1), 300, 0)]
    p = build_portfolio(
        [
            PortfolioAccount("main", "acme", "own", main),
            PortfolioAccount("side", "acme_side", "own", side),
        ],
        WEEK,
        generated_at=NOW,
    )
    rows = {r.account: r for r in p.accounts}
    assert (rows["main"].posts, rows["main"].impressions, rows["main"].engagements) == (1, 1000, 40)
    assert (rows["main"].previous_posts, rows["main"].previous_impressions) == (1, 500)
    assert rows["main"].change_impressions == 100.0
    assert rows["side"].previous_posts == 0 and rows["side"].change_impressions is None
    assert (p.total.posts, p.total.impressions, p.total.engagements) == (3, 1500, 50)
    assert p.total.engagement_rate == round(50 / 1500 * 100, 4)
    assert (p.total.previous_posts, p.total.previous_impressions) == (1, 500)
    assert p.competitors_total is None and p.totals() == [p.total]
    assert p.schema_ == PORTFOLIO_SCHEMA_ID and p.period.label == "2026-W21"
    assert p.previous_period.label == "2026-W20" and p.generated_at == NOW


def test_the_portfolio_leaves_reposts_out() -> None:
    """A plain repost carries the reposted post's metrics, not the account's: counted, it
    would add someone else's audience to every figure of the row and of the total."""
    posts = [
        _post("1", THIS, 1000, 40),
        _post("2", THIS, 90_000, 3_000, content_type="retweet"),
        _post("3", BEFORE, 500, 10),
        _post("4", BEFORE, 70_000, 2_000, content_type="retweet"),
    ]
    p = build_portfolio([PortfolioAccount("main", "acme", "own", posts)], WEEK, generated_at=NOW)
    (row,) = p.accounts
    for figures in (row, p.total):
        assert (figures.posts, figures.impressions, figures.engagements) == (1, 1000, 40)
        assert (figures.previous_posts, figures.previous_impressions) == (1, 500)
        assert figures.previous_engagements == 10
        assert figures.engagement_rate == 4.0 and figures.change_impressions == 100.0


def test_competitors_have_their_own_total_never_added_to_the_users() -> None:
    p = build_portfolio(
        [
            PortfolioAccount("main", "acme", "own", [_post("1", THIS, 1000, 40)]),
            PortfolioAccount("rival", "other", "competitor", [_post("9", THIS, 5000, 100)]),
            PortfolioAccount("rival2", "other2", "competitor", [_post("8", THIS, 3000, 20)]),
        ],
        WEEK,
        generated_at=NOW,
    )
    assert (p.total.posts, p.total.impressions, p.total.group) == (1, 1000, "own")
    rivals = p.competitors_total
    assert rivals is not None and rivals.group == "competitor" and rivals.collected
    assert (rivals.account, rivals.posts, rivals.impressions) == ("competitors", 2, 8000)
    assert [r.group for r in p.accounts] == ["own", "competitor", "competitor"]
    assert p.totals() == [p.total, rivals]


def test_never_collected_is_null_with_a_note_and_the_total_adds_up_the_others() -> None:
    p = build_portfolio(
        [
            PortfolioAccount("main", "acme", "own", [_post("1", THIS, 1000, 40)]),
            PortfolioAccount("quiet", "acme_quiet", "own", []),
            PortfolioAccount("fresh", "acme_new", "own", None),
            PortfolioAccount("rival", "other", "competitor", None),
        ],
        WEEK,
        generated_at=NOW,
    )
    rows = {r.account: r for r in p.accounts}
    for name in ("fresh", "rival"):
        row = rows[name]
        assert not row.collected and row.note == NO_DATA
        skip = {"account", "username", "group", "collected", "note"}
        assert {k: v for k, v in row.model_dump().items() if k not in skip} == dict.fromkeys(
            set(row.model_dump()) - skip
        )
    quiet = rows["quiet"]  # collected, nothing posted: zeros, not "no data"
    assert quiet.collected and quiet.note is None and (quiet.posts, quiet.impressions) == (0, 0)
    assert (p.total.posts, p.total.impressions, p.total.collected) == (1, 1000, True)
    # Competitors configured but none collected: their total says so rather than zeros.
    assert p.competitors_total is not None and p.competitors_total.note == NO_DATA
    assert p.competitors_total.posts is None


def test_posts_outside_both_periods_count_nowhere() -> None:
    early = WEEK.previous().start_utc - timedelta(seconds=1)
    late = WEEK.end_utc
    posts = [_post("1", THIS, 1000, 40), _post("2", early, 777, 7), _post("3", late, 555, 5)]
    p = build_portfolio([PortfolioAccount("main", "acme", "own", posts)], WEEK, generated_at=NOW)
    assert (p.total.posts, p.total.impressions, p.total.previous_posts) == (1, 1000, 0)

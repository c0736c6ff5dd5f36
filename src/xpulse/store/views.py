"""The SQL views BI tools read: a stable data model over the store's tables.

Tables change shape as xpulse grows; these views are the contract for Datasette, Metabase,
Looker Studio, Superset or a notebook (docs/bi.md documents every column):

* ``bi_post_latest``: one row per post with its latest metrics. Each metric is the newest
  non-NULL value read (a read that did not return a metric never turns a count into 0);
  NULL when it was never read. ``engagements`` = likes + reposts + replies + quotes.
* ``bi_post_daily``: one row per post per UTC day it was read: each metric as it stood at
  the end of that day, and what it gained that day (the first day's gain is its value).
* ``bi_account_daily``: per account and UTC day of posting, the posts of that day with
  their latest metrics (retweets left out, as in reports).
* ``bi_account_weekly`` and ``bi_account_monthly``: the same per ISO week (Monday to
  Sunday, UTC) and per calendar month (UTC), with the engagement rates.
* ``bi_follower_history``: an account's profile counts (followers, following, posts,
  lists) each time they changed, with the change since the row before; NULL where the
  plan did not return a count.

Days, weeks and months are UTC: a view cannot know each reader's time zone, and a report
in UTC gives the same totals (a test holds the two equal). Times are UTC everywhere.

SQLite and PostgreSQL differ only in date arithmetic; the rest of each view is one text.
The views are derived objects: :func:`create_views` replaces them (drop, then create), and
the migrations drop them before a step changes a table and create them again after. A
change to a view's definition needs a migration step too (one that calls
:func:`create_views`), or stores made before it keep the old view.
"""

# ruff: noqa: S608 - every piece of SQL here is built from this module's constants; no
# input of any kind reaches it.
from __future__ import annotations

from typing import Final

from sqlalchemy import Connection, event, text

from xpulse.store.schema import metadata

METRICS: Final = ("impressions", "likes", "reposts", "replies", "quotes", "bookmarks")
INTERACTIONS: Final = ("likes", "reposts", "replies", "quotes")

# Date expressions per dialect: {col} is a UTC timestamp column.
_DAY = {
    "sqlite": "date({col})",
    "postgresql": "CAST(({col} AT TIME ZONE 'UTC') AS date)",
}
_DAY_START = {  # the first instant of the UTC day {day}, comparable to a timestamp
    "sqlite": "{day}",  # '2026-05-19' sorts before every '2026-05-19 hh:mm:ss' text
    "postgresql": "CAST({day} AS timestamp) AT TIME ZONE 'UTC'",
}
_NEXT_DAY_START = {  # the first instant after the UTC day {day}, comparable to a timestamp
    "sqlite": "date({day}, '+1 day')",
    "postgresql": "(CAST({day} AS timestamp) + INTERVAL '1 day') AT TIME ZONE 'UTC'",
}
_WEEK_START = {
    "sqlite": "date({col}, '-6 days', 'weekday 1')",
    "postgresql": "CAST(date_trunc('week', {col} AT TIME ZONE 'UTC') AS date)",
}
_WEEK_LABEL = {  # ISO 8601 week, e.g. 2026-W21 (the week of its Thursday)
    "sqlite": (
        "printf('%s-W%02d', strftime('%Y', date({col}, '-6 days', 'weekday 1', '+3 days')), "
        "(CAST(strftime('%j', date({col}, '-6 days', 'weekday 1', '+3 days')) AS INTEGER) - 1)"
        " / 7 + 1)"
    ),
    "postgresql": "to_char({col} AT TIME ZONE 'UTC', 'IYYY-\"W\"IW')",
}
_MONTH = {
    "sqlite": "strftime('%Y-%m', {col})",
    "postgresql": "to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM')",
}


ALL_METRICS: Final = (*METRICS, "x_engagements")


def _column(metric: str) -> str:
    return "engagements" if metric == "x_engagements" else metric


def _newest_read(post_id: str, before: str | None = None) -> str:
    """The id of a post's newest observation (before ``before`` if given)."""
    bound = f" AND o.observed_at < {before}" if before else ""
    return (
        f"(SELECT o.id FROM observations o WHERE o.post_id = {post_id}{bound}"
        " ORDER BY o.observed_at DESC, o.id DESC LIMIT 1)"
    )


def _metric(metric: str, read: str, post_id: str, before: str | None = None) -> str:
    """The newest non-NULL ``metric``: the newest read's value, or, only when that read
    lacks it (COALESCE stops at the first non-NULL), the newest read that has it. One
    index descent per post for the common case instead of one per metric."""
    column = _column(metric)
    bound = f" AND o.observed_at < {before}" if before else ""
    return (
        f"COALESCE({read}.{column}, (SELECT o.{column} FROM observations o"
        f" WHERE o.post_id = {post_id} AND o.{column} IS NOT NULL{bound}"
        " ORDER BY o.observed_at DESC, o.id DESC LIMIT 1))"
    )


def _engagements(prefix: str = "", suffix: str = "") -> str:
    return " + ".join(f"COALESCE({prefix}{m}{suffix}, 0)" for m in INTERACTIONS)


def _rate(numerator: str, impressions: str) -> str:
    return f"CASE WHEN {impressions} > 0 THEN ({numerator}) * 100.0 / {impressions} END"


def _post_latest() -> str:
    metrics = ",\n    ".join(f"{_metric(m, 'r', 'p.id')} AS {m}" for m in ALL_METRICS)
    return f"""
SELECT m.*,
  {_engagements("m.")} AS engagements,
  {_rate(_engagements("m."), "m.impressions")} AS engagement_rate,
  {_rate("m.x_engagements", "m.impressions")} AS x_engagement_rate
FROM (
  SELECT p.id AS post_id, p.account, a.username, p.created_at, p.content_type,
    p.text, p.lang, p.is_promoted, 'https://x.com/i/status/' || p.id AS url,
    r.observed_at,
    {metrics}
  FROM posts p JOIN accounts a ON a.name = p.account
  LEFT JOIN observations r ON r.id = {_newest_read("p.id")}
) m"""


def _post_daily(dialect: str) -> str:
    # One row per post and day: the day's newest read (r) and the newest read before the day
    # began (b); a day's gain is the difference. No DISTINCT and no window function (LAG):
    # SQLite pushes a WHERE on post_id into neither and would compute every post's every
    # day first (51 s for one week's posts at 100,000 posts, bench/bi_views.py).
    day = _DAY[dialect].format(col="r.observed_at")
    start = _DAY_START[dialect].format(day=day)
    end = _NEXT_DAY_START[dialect].format(day=day)
    values = ",\n    ".join(
        f"{_metric(m, 'r', 'r.post_id', end)} AS {m}, "
        f"{_metric(m, 'b', 'r.post_id', start)} AS {m}_before"
        for m in ALL_METRICS
    )
    gains = ",\n  ".join(
        f"c.{m}, c.{m} - COALESCE(c.{m}_before, 0) AS {m}_gained" for m in ALL_METRICS
    )
    return f"""
SELECT c.account, c.post_id, c.day,
  {gains},
  {_engagements("c.")} AS engagements,
  {_engagements("c.")} - ({_engagements("c.", "_before")}) AS engagements_gained
FROM (
  SELECT p.account, r.post_id, {day} AS day,
    {values}
  FROM observations r
  JOIN posts p ON p.id = r.post_id
  LEFT JOIN observations b ON b.id = {_newest_read("r.post_id", start)}
  WHERE r.id = {_newest_read("r.post_id", end)}
) c"""


def _summary(bucket: str, bucket_cols: str) -> str:
    sums = ",\n  ".join(f"SUM(COALESCE(l.{m}, 0)) AS {m}" for m in METRICS)
    interactions = " + ".join(f"SUM(COALESCE(l.{m}, 0))" for m in INTERACTIONS)
    x_sum = "SUM(l.x_engagements)"
    x_impressions = "SUM(CASE WHEN l.x_engagements IS NOT NULL THEN l.impressions END)"
    return f"""
SELECT l.account, {bucket_cols},
  COUNT(*) AS posts,
  {sums},
  {interactions} AS engagements,
  {_rate(interactions, "SUM(COALESCE(l.impressions, 0))")} AS engagement_rate,
  {x_sum} AS x_engagements,
  COUNT(l.x_engagements) AS posts_with_x_engagements,
  {_rate(x_sum, x_impressions)} AS x_engagement_rate
FROM bi_post_latest l
WHERE l.content_type <> 'retweet'
GROUP BY l.account, {bucket}"""


def view_sql(dialect: str) -> dict[str, str]:
    """Each view's SELECT for ``dialect`` (sqlite or postgresql), in creation order."""
    if dialect not in _DAY:
        raise ValueError(f"no BI views for the {dialect} dialect")
    day = _DAY[dialect].format(col="l.created_at")
    week = _WEEK_START[dialect].format(col="l.created_at")
    label = _WEEK_LABEL[dialect].format(col="l.created_at")
    month = _MONTH[dialect].format(col="l.created_at")
    return {
        "bi_post_latest": _post_latest(),
        "bi_post_daily": _post_daily(dialect),
        "bi_account_daily": _summary(day, f"{day} AS day"),
        "bi_account_weekly": _summary(f"{week}, {label}", f"{week} AS week_start, {label} AS week"),
        "bi_account_monthly": _summary(month, f"{month} AS month"),
        "bi_follower_history": _follower_history(),
    }


def _follower_history() -> str:
    # The store appends a row only when a count changed, so each row is a change; LAG gives
    # the step from the one before (NULL for an account's first row).
    steps = ",\n  ".join(
        f"{f}_count - LAG({f}_count) OVER (PARTITION BY account ORDER BY observed_at, id)"
        f" AS {f}_change"
        for f in ("followers", "following")
    )
    return f"""SELECT account, user_id, observed_at, source,
  followers_count, following_count, tweet_count, listed_count,
  {steps}
FROM profile_counts"""


def drop_views(conn: Connection) -> None:
    """Drop every BI view (dependents first); a missing one is fine."""
    for name in reversed(list(view_sql(conn.dialect.name))):
        conn.execute(text(f"DROP VIEW IF EXISTS {name}"))


def create_views(conn: Connection) -> None:
    """Create (or replace) every BI view."""
    drop_views(conn)
    for name, select in view_sql(conn.dialect.name).items():
        conn.execute(text(f"CREATE VIEW {name} AS {select}"))


@event.listens_for(metadata, "before_drop")
def _drop_before_tables(_target: object, connection: Connection, **_kw: object) -> None:
    # PostgreSQL refuses to drop a table a view depends on: `metadata.drop_all` (tests,
    # resets) drops the views first.
    drop_views(connection)

"""The CSV rendering: one row per post of the period, safe to open in a spreadsheet.

Every text cell goes through :func:`~xpulse.render.escape.csv_cell`, so a post that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a CR is shown as text, never run as a formula.
A missing figure (no impressions, X's count not read) is an empty cell, never 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from xpulse.analytics.document import Report
from xpulse.analytics.figures import PostEntry
from xpulse.render.escape import csv_cell
from xpulse.render.view import as_report, link_for, post_figures

COLUMNS = (
    "id",
    "created_at_utc",
    "created_local",
    "content_type",
    "text",
    "url",
    "impressions",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "bookmarks",
    "engagements",
    "engagement_rate_pct",
    "x_engagements",
    "x_engagement_rate_pct",
    "metrics_observed_at_utc",
)


def _row(post: PostEntry, username: str | None) -> list[object]:
    observed = post.metrics_observed_at
    return [
        post.id,
        post.created_at.isoformat(),
        post.created_local.isoformat(),
        post.content_type,
        post.text,
        link_for(post, username),
        *post_figures(post),
        observed.isoformat() if observed else None,
    ]


def render_csv(document: Report | Mapping[str, Any]) -> str:
    """The posts as CSV text (RFC 4180, CRLF line ends), header first, oldest post first."""
    report = as_report(document)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for post in sorted(report.posts, key=lambda p: (p.created_at, p.id)):
        writer.writerow([csv_cell(v) for v in _row(post, report.account.username)])
    return out.getvalue()

"""Followers, competitors and figure sources in the Slack message and the email (HTML and
plain text): shown when the report has them, with hostile handles and file names inert."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from xpulse.analytics.audience import NOT_ON_PLAN, ProfilePoint, followers_section
from xpulse.analytics.benchmark import Benchmark, BenchmarkRow
from xpulse.analytics.document import Report
from xpulse.analytics.provenance import RULE, FigureSources, ImportedFile
from xpulse.render.email import report_message
from xpulse.render.slack import report_payload

EVIL_HANDLE = "<!channel><script>x</script>&"
EVIL_FILE = "<http://evil.example|bank.com>\n<img src=x onerror=alert(1)>.zip"
BENCH_NOTE = "each account with its own figures, side by side, never summed"
ANGLE = re.compile(r"<([^<>]*)>")


def _row(handle: str, group: str | None, followers: int | None) -> BenchmarkRow:
    return BenchmarkRow(
        account=handle,
        handle=handle,
        group=group,
        posts=7,
        posts_per_week=7.0,
        impressions=None,
        engagements_per_post=12.5,
        engagement_rate=2.5,
        followers=followers,
        follower_growth=None if followers is None else 40,
    )


def with_history(report: Report, *, followers_known: bool) -> Report:
    start, end = report.period.start, report.period.end
    points = [
        ProfilePoint(start - timedelta(days=1), 1000 if followers_known else None, 10, 50, 2),
        ProfilePoint(end - timedelta(hours=1), 1250 if followers_known else None, 11, 57, 3),
    ]
    sources = FigureSources(
        posts_by_source={"api": 3, "archive": 2},
        files=[ImportedFile(kind="archive", file=EVIL_FILE, counts_as_of=end, posts=2)],
        note=RULE,
    )
    bench = Benchmark(
        rows=[_row("brand", None, 1250), _row(EVIL_HANDLE, "<@U123> rivals", None)],
        note=BENCH_NOTE,
    )
    return report.model_copy(
        update={
            "followers": followers_section(points, start, end, report.totals),
            "sources": sources,
            "benchmark": bench,
        }
    )


def slack_text(payload: dict[str, Any]) -> str:
    out = [payload["text"]]
    for b in payload["blocks"]:
        if isinstance(b.get("text"), dict):
            out.append(b["text"]["text"])
        out.extend(f["text"] for f in b.get("fields", []))
        out.extend(e["text"] for e in b.get("elements", []))
    return "\n".join(out)


def parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    return text.get_content(), html.get_content()


def message(report: Report) -> EmailMessage:
    return report_message(report, sender="xpulse@example.com", recipients=["a@example.com"])


def test_slack_shows_followers_competitors_and_sources_inertly(report: Report) -> None:
    assert "Followers" not in slack_text(report_payload(report))  # absent section, no heading
    text = slack_text(report_payload(with_history(report, followers_known=True)))
    assert "*Followers*" in text and "*Competitors*" in text
    assert "*Where the figures came from*" in text
    assert "Followers: 1,250" in text and "Growth over the period: +250, +25.0%" in text
    assert BENCH_NOTE in text and "followers not available" in text
    assert "X's data archive" in text and "impressions of posts known only" in text
    # hostile handle, group and file name: escaped, so no mention, no disguised link
    assert "&lt;!channel&gt;&lt;script&gt;x&lt;/script&gt;&amp;" in text
    assert "&lt;@U123&gt; rivals" in text and "&lt;http://evil.example|bank.com&gt;" in text
    for inner in ANGLE.findall(text):
        assert re.fullmatch(r"https?://[^|\s]+\|.*", inner), inner
    assert "<!channel>" not in text and "<@U123>" not in text


def test_slack_says_followers_are_not_on_the_plan(report: Report) -> None:
    text = slack_text(report_payload(with_history(report, followers_known=False)))
    assert f"Followers: {NOT_ON_PLAN}" in text
    assert "Engagement rate by followers" not in text  # no rate without a count, never a 0


def test_email_parts_show_the_sections_escaped(report: Report) -> None:
    plain, html = parts(message(with_history(report, followers_known=True)))
    for heading in ("Followers", "Competitors", "Where the figures came from"):
        assert f"<h2>{heading}</h2>" in html
        assert heading in plain
    assert "Followers: 1,250" in html and "Followers: 1,250" in plain
    assert BENCH_NOTE in html
    assert "<script>" not in html and "<img src=x" not in html and "<!channel>" not in html
    assert "&lt;!channel&gt;&lt;script&gt;x&lt;/script&gt;&amp;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;.zip" in html
    # the file name's line break stays on one line in both parts
    assert "bank.com> <img src=x onerror=alert(1)>.zip" in plain


def test_email_says_followers_are_not_on_the_plan(report: Report) -> None:
    plain, html = parts(message(with_history(report, followers_known=False)))
    assert "not available on this plan" in html
    assert "not available on this plan" in " ".join(plain.split())
    assert "Engagement rate by followers" not in html

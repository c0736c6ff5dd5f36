"""A partial period says so with its instant; daily figures by the day they happened are
shown with their method, and a day the reads cannot split says so in every rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from xpulse.analytics import ObservationRow, PostRow, ReportInputs, build_report, parse_period
from xpulse.render import render
from xpulse.render.email import report_message
from xpulse.render.html import render_html
from xpulse.render.slack import report_payload
from xpulse.render.view import BY_POSTING_DAY, DAILY_TITLE

NOW = datetime(2026, 5, 27, 12, 0, tzinfo=UTC)  # a Wednesday


def _report(spec: str) -> object:
    monday = datetime(2026, 5, 25, 9, 0, tzinfo=UTC)
    posts, obs = [], []
    for i in range(3):
        created = monday + timedelta(hours=5 * i)
        posts.append(
            PostRow(
                id=f"p{i}", account="acme", created_at=created, text=f"post {i}",
                content_type="text", impressions=500 + i, likes=5, observed_at=NOW,
            )
        )  # fmt: skip
        obs.append(ObservationRow(f"p{i}", created + timedelta(hours=1), 100, 1))
    inputs = ReportInputs("acme", posts, obs, username="acme")
    return build_report(inputs, parse_period(spec, "UTC", NOW), generated_at=NOW)


def test_partial_period_is_labelled_with_its_instant_everywhere() -> None:
    report = _report("this-week")
    for fmt in ("text", "md", "html"):
        out = render(report, fmt, width=240).replace("\\", "")  # type: ignore[arg-type]
        assert "2026-W22 (partial)" in out, fmt
        assert "computed, at 2026-05-27 12:00 UTC" in out, fmt
        assert "Wed 27 May 2026 12:00" in out and "computed at this instant" in out, fmt


def test_days_by_when_it_happened_with_method_and_unknown_days() -> None:
    report = _report("this-week")
    for fmt in ("text", "md", "html"):
        out = render(report, fmt, width=240)  # type: ignore[arg-type]
        assert "Daily, by the day it happened" in out, fmt
        assert "not known: reads too sparse to split this day" in out, fmt
        assert "by the day posts were published" in out.replace("By the day", "by the day"), fmt
    # The publishing-day chart is named so in the page, the email (heading and image text)
    # and Slack's sparklines.
    assert f"<h2>{DAILY_TITLE}</h2>" in render(report, "html")  # type: ignore[arg-type]
    mail = report_message(report, sender="r@example.com", recipients=["t@example.com"])  # type: ignore[arg-type]
    page = mail.get_body(("html",))
    assert page is not None and f"<h2>{DAILY_TITLE}</h2>" in page.get_content()
    assert f'alt="{DAILY_TITLE}. Daily impressions (bars' in page.get_content()
    slack = json.dumps(report_payload(report), ensure_ascii=False)  # type: ignore[arg-type]
    assert f"*Daily, {BY_POSTING_DAY}* (" in slack
    # Monday: three posts read 1 h after posting, all on Monday: 300 placed, known; their
    # later growth (to the report instant, across midnight) leaves Monday to Wednesday open.
    days = {d.date.day: d for d in report.daily_happened.days}  # type: ignore[attr-defined]
    assert days[25].impressions_placed == 300 and not days[25].known


def test_a_period_before_the_first_collect_says_no_data_everywhere() -> None:
    start = datetime(2026, 5, 25, 9, 0, tzinfo=UTC)
    post = PostRow(
        id="p", account="acme", created_at=start, text="first", content_type="text",
        impressions=800, likes=8, observed_at=NOW,
    )  # fmt: skip
    inputs = ReportInputs("acme", [post], [], username="acme", history_start=start)
    before = build_report(inputs, parse_period("2026-W20", "UTC", NOW), generated_at=NOW)
    assert (before.collected, before.previous.collected) == (False, False)
    assert before.previous.change.impressions is None
    slack = json.dumps(report_payload(before), ensure_ascii=False)
    mail = report_message(before, sender="r@example.com", recipients=["t@example.com"])
    mail_html = mail.get_body(("html",))
    assert mail_html is not None
    for fmt, out in [
        *((f, render(before, f, width=240).replace("\\", "")) for f in ("text", "md", "html")),
        ("pdf-page", render_html(before, static=True)),
        ("slack", slack),
        ("email", mail_html.get_content()),
    ]:
        assert "No data collected for this period" in out, fmt
        assert "No posts in this period" not in out, fmt  # no empty chart beside it
    # Only the period's own charts go: the best-time heatmap (a look-back) stays.
    assert "chart-top" not in render(before, "html") and "chart-best-time" in render(before, "html")
    images = [p.get_filename() for p in mail.walk() if p.get_content_type() == "image/png"]
    assert images == []
    # The first collected week: its own figures, but last week is not compared as zero.
    first = build_report(inputs, parse_period("this-week", "UTC", NOW), generated_at=NOW)
    assert (first.collected, first.previous.collected) == (True, False)
    assert first.totals.impressions == 800 and first.previous.change.impressions is None
    assert any("No data collected for the previous period" in n for n in first.notes)

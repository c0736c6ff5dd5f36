"""The "beyond public counts" section in the Slack payload and in both parts of the email."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import Any

from xpulse.analytics.detail import (
    DetailInputs,
    DetailPost,
    MediaCounts,
    SeriesBucket,
    build_detail,
)
from xpulse.analytics.document import Report
from xpulse.render.email import report_message
from xpulse.render.slack import report_payload, validate_payload

TITLE = "Beyond public counts"
EVIL_ID = "<!channel> <script>alert(1)</script> & <@U123>"
PERIOD_DAYS = [datetime(2026, 5, 18 + i, tzinfo=UTC).date() for i in range(7)]


def with_detail(report: Report, video_post: str = "2001", refusals: int = 0) -> Report:
    """The report with a detail section built by the real analytics from known rows."""
    posts = [
        DetailPost(
            id="2001",
            impressions=30_000,
            interactions=840,
            x_engagements=1_500,
            url_link_clicks=600,
            user_profile_clicks=90,
            organic={"impressions": 24_000, "likes": 500, "url_link_clicks": 450},
            promoted={"impressions": 6_000, "likes": 200, "url_link_clicks": 150},
        ),
        DetailPost(id="2002", impressions=2_000, interactions=48, x_engagements=100),
    ]
    media = [MediaCounts(video_post, "13_1", 5_000, {0: 4_000, 25: 3_000, 50: 2_000, 75: 1_000})]
    day = datetime(2026, 5, 19, tzinfo=UTC)
    buckets = [SeriesBucket("2001", "/2/tweets/analytics", "day", day, {"impressions": 12_345})]
    detail = build_detail(
        DetailInputs(posts=posts, media=media, buckets=buckets, refusals=refusals),
        PERIOD_DAYS,
        "UTC",
    )
    return report.model_copy(update={"detail": detail})


def slack_text(payload: dict[str, Any]) -> str:
    return "\n".join(
        b["text"]["text"] for b in payload["blocks"] if isinstance(b.get("text"), dict)
    )


def raw_parts(report: Report) -> tuple[str, str]:
    msg = report_message(report, sender="r@example.com", recipients=["t@example.com"])
    parsed = email.message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def parts(report: Report) -> tuple[str, str]:
    plain, html = raw_parts(report)
    # The plain part is wrapped at its width: compare with whitespace collapsed.
    return " ".join(plain.split()), html


def detail_block(payload: dict[str, Any]) -> str:
    found = [
        b["text"]["text"]
        for b in payload["blocks"]
        if isinstance(b.get("text"), dict) and b["text"]["text"].startswith(f"*{TITLE}*")
    ]
    assert len(found) == 1, found
    return found[0]


def test_slack_shows_the_detail_figures(report: Report) -> None:
    payload = report_payload(with_detail(report))
    validate_payload(payload)
    text = detail_block(payload)
    lines = text.split("\n")
    assert lines[0] == f"*{TITLE}*" and all(line.startswith("• ") for line in lines[1:])
    assert (
        "• Organic: 24,000 impressions, 500 likes, 450 link clicks (1 posts)" in lines
    )  # organic apart from promoted
    assert "20.0% of impressions were paid" in text
    assert "Link clicks: 600 (2.00% of impressions); profile clicks: 90 (0.30%)" in text
    assert "Engagement rate: 5.00% = X's engagements / impressions" in text
    assert "Video 13_1 in post 2001: 5,000 views; played to 0%: 4,000, 25%: 3,000 (-25.0%)" in text
    assert "Daily impressions from the /2/tweets/analytics daily series" in text
    assert "05-19 12,345" in text


def test_slack_detail_comes_after_the_public_sections(report: Report) -> None:
    payload = report_payload(with_detail(report))
    texts = [b["text"]["text"] for b in payload["blocks"] if isinstance(b.get("text"), dict)]
    best = next(i for i, t in enumerate(texts) if t.startswith("*Best time to post*"))
    detail = next(i for i, t in enumerate(texts) if t.startswith(f"*{TITLE}*"))
    assert detail > best
    # The rest of the message is what it was without the detail.
    plain_texts = slack_text(report_payload(report))
    assert slack_text(payload).replace("\n" + detail_block(payload), "") == plain_texts


def test_slack_without_detail_has_no_section(report: Report, empty_report: Report) -> None:
    for doc in (report, empty_report):
        assert doc.detail is None
        assert TITLE not in slack_text(report_payload(doc))


def test_slack_detail_with_nothing_private_is_left_out(report: Report) -> None:
    """A public-token read: the detail has only the interactions-based rate and a note."""
    detail = build_detail(
        DetailInputs(posts=[DetailPost(id="2001", impressions=30_000, interactions=840)]),
        PERIOD_DAYS,
        "UTC",
    )
    payload = report_payload(report.model_copy(update={"detail": detail}))
    assert TITLE not in slack_text(payload)


def test_slack_detail_hostile_text_stays_inert(report: Report) -> None:
    doc = with_detail(report, video_post=EVIL_ID, refusals=2)
    data = doc.to_dict()
    data["detail"]["notes"].append("<http://evil.example|click> " + "&" * 3000)
    payload = report_payload(Report.from_dict(data))
    validate_payload(payload)
    text = detail_block(payload)
    assert "<!channel>" not in text and "<@U123>" not in text and "<http" not in text
    assert (
        "Video 13_1 in post &lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; " in text
    )
    assert "&lt;http://evil.example|click&gt;" in text
    assert re.search(r"&(?!amp;|lt;|gt;)", text) is None  # no cut inside an entity
    assert "X refused private fields 2 time(s)" in text
    assert len(text) <= 3000


def test_slack_many_videos_stay_compact(report: Report) -> None:
    doc = with_detail(report)
    assert doc.detail is not None
    video = doc.detail.video_retention[0]
    videos = [video.model_copy(update={"post_id": f"9{i:03d}"}) for i in range(40)]
    detail = doc.detail.model_copy(update={"video_retention": videos})
    doc = doc.model_copy(update={"detail": detail})
    text = detail_block(report_payload(doc))
    assert text.count("Video 13_1 in post 9") == 3
    assert "... and 37 more video(s) in the JSON report" in text


def test_email_parts_show_the_detail_figures(report: Report) -> None:
    plain, html = parts(with_detail(report))
    for figures in (
        "Organic: 24,000 impressions, 500 likes, 450 link clicks",
        "Link clicks: 600 (2.00% of impressions); profile clicks: 90 (0.30%)",
        "Video 13_1 in post 2001: 5,000 views; played to 0%: 4,000, 25%: 3,000 (-25.0%)",
        "05-19 12,345",
    ):
        assert figures in plain
        assert figures in html
    assert TITLE in plain
    section = re.search(r'<section class="detail" id="detail">(.*?)</section>', html, re.S)
    assert section is not None and f"<h2>{TITLE}</h2>" in section.group(1)
    assert section.group(1).count("<li>") >= 5
    # Still nothing fetched from outside the message.
    srcs = re.findall(r'\bsrc="([^"]*)"', html)
    assert srcs and all(s.startswith("cid:") for s in srcs)


def test_email_plain_part_puts_each_figure_on_its_own_line(report: Report) -> None:
    plain, _ = raw_parts(with_detail(report, refusals=1))
    lines = plain.splitlines()
    start = lines.index(TITLE)
    starts = [line.split(":")[0] for line in lines[start + 1 :] if line.startswith("  ")]
    assert starts[:6] == [
        "  Organic",
        "  Promoted",
        "  Link clicks",
        "  Engagement rate",
        "  Video 13_1 in post 2001",
        "  Daily impressions from the /2/tweets/analytics daily series (1 posts)",
    ]
    assert any(line.startswith("  X refused private fields 1 time(s)") for line in lines)


def test_email_without_detail_has_no_section(report: Report) -> None:
    plain, html = parts(report)
    assert TITLE not in plain and TITLE not in html and 'id="detail"' not in html


def test_email_detail_hostile_text_is_escaped(report: Report) -> None:
    plain, html = parts(with_detail(report, video_post=EVIL_ID))
    assert "<script>" not in html and "<!channel>" not in html
    assert (
        "Video 13_1 in post &lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; " in html
    )
    # The plain part shows the text as it is: plain text runs nothing.
    assert "Video 13_1 in post <!channel> <script>alert(1)</script> & <@U123>" in plain


def test_html_and_email_show_the_same_lines(report: Report) -> None:
    """One formatter for every rendering: the email's lines are the HTML page's lines."""
    from xpulse.render.html import render_html

    doc = with_detail(report)
    _, email_html = parts(doc)
    page = render_html(doc)

    def items(html: str) -> list[str]:
        m = re.search(r'<section class="detail" id="detail">(.*?)</section>', html, re.S)
        assert m is not None
        return re.findall(r"<li>(.*?)</li>", m.group(1))

    assert items(email_html) == items(page)


def test_every_rendering_names_each_video_by_its_own_id_and_its_post(report: Report) -> None:
    """A video is not its post: each line names the video by its media key, then the post
    it is in, in the same words everywhere, so two videos of one post stay two."""
    from xpulse.render.escape import markdown_text
    from xpulse.render.html import render_html
    from xpulse.render.markdown import render_markdown
    from xpulse.render.terminal import render_text
    from xpulse.web.pages import Nav, account_page

    doc = with_detail(report)
    assert doc.detail is not None
    first = doc.detail.video_retention[0]
    second = first.model_copy(update={"media_key": "13_2"})
    detail = doc.detail.model_copy(update={"video_retention": [first, second]})
    doc = doc.model_copy(update={"detail": detail})
    plain, mail_html = parts(doc)
    dashboard = account_page(doc, nav=Nav([], []), reads={}, weekly=[], monthly=[], inline=False)
    renderings = {
        "html": render_html(doc),
        "pdf page": render_html(doc, static=True),
        "email html": mail_html,
        "email text": plain,
        "slack": detail_block(report_payload(doc)),
        "markdown": render_markdown(doc),
        "text": " ".join(render_text(doc, width=200).split()),
        "dashboard": dashboard,
    }
    for name, text in renderings.items():
        for key in ("13_1", "13_2"):
            line = f"Video {key} in post 2001: 5,000 views; played to"
            # Markdown escapes the media key's underscore; it reads the same once rendered.
            shown = markdown_text(line) if name == "markdown" else line
            assert shown in text, (name, key)
        assert "Video of post" not in text and "post ID" not in text, name
    # The dashboard's retention chart draws one line per video, named as above (its
    # figures as text, beside the chart).
    for key in ("13_1", "13_2"):
        assert f"Video {key} in post 2001 at 0%: 4,000 viewers" in dashboard

"""The MIME rendering: structure, inline cid charts, nothing external, header injection."""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage

import pytest

from xpulse.analytics.document import Report
from xpulse.render.email import alert_message, report_message

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def parse(msg: EmailMessage) -> EmailMessage:
    """Round-trip through bytes, as a mail server would see it."""
    parsed = email.message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def structure(msg: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in msg.walk()]


def test_message_structure_text_html_and_cid_images(report: Report) -> None:
    msg = parse(
        report_message(
            report, sender="X Reports <reports@example.com>", recipients=["team@example.org"]
        )
    )
    assert structure(msg) == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "image/png",
    ]
    assert msg["Subject"] == "X report · @brand · 2026-W21"
    assert msg["To"] == "team@example.org"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    assert "32,500" in plain and "968" in plain and "2.98%" in plain  # totals in the text
    page = html.get_content()
    assert "32,500" in page
    cids = set(re.findall(r'src="cid:([^"]+)"', page))
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert {p["Content-ID"].strip().strip("<>") for p in images} == cids and len(cids) == 2
    for image in images:
        assert image.get_content_disposition() == "inline"
        assert image.get_content().startswith(PNG_MAGIC)


def test_html_part_references_nothing_outside_the_message(report: Report) -> None:
    msg = parse(report_message(report, sender="r@example.com", recipients=["t@example.com"]))
    html = msg.get_body(("html",))
    assert html is not None
    page = html.get_content()
    srcs = re.findall(r'\bsrc="([^"]*)"', page)
    assert srcs and all(s.startswith("cid:") for s in srcs)
    assert "<svg" not in page and "data:" not in page and "<script" not in page.lower()
    assert not re.search(r"url\(|@import|<link\b", page, re.IGNORECASE)
    hrefs = re.findall(r'\bhref="([^"]*)"', page)
    assert hrefs and all(re.fullmatch(r"https://x\.com/brand/status/\d+", h) for h in hrefs), hrefs
    # Hostile post text is inert in the HTML part.
    assert "&lt;!channel&gt; &lt;http://evil.example|x.com&gt;" in page


def test_empty_report_message_says_so(empty_report: Report) -> None:
    msg = parse(report_message(empty_report, sender="r@example.com", recipients=["t@example.com"]))
    body = msg.get_body(("plain",))
    assert body is not None and "No posts in this period." in body.get_content()


def test_subject_and_names_cannot_inject_headers(report: Report) -> None:
    msg = report_message(
        report,
        sender="r@example.com",
        recipients=["t@example.com"],
        subject="Weekly\r\nBcc: victim@example.net",
    )
    raw = msg.as_bytes()
    parsed = parse(msg)
    assert parsed["Bcc"] is None and b"\nBcc:" not in raw
    assert parsed["Subject"] == "Weekly Bcc: victim@example.net"
    for bad in ("Evil\r\nBcc: v@example.net <r@example.com>", "r@example.com\nBcc: v@x.org"):
        with pytest.raises(ValueError, match="line break"):
            report_message(report, sender=bad, recipients=["t@example.com"])
    with pytest.raises(ValueError, match="recipient"):
        report_message(report, sender="r@example.com", recipients=[])


def test_alert_message_is_one_plain_part_without_injection() -> None:
    msg = parse(
        alert_message(
            "Budget at 80%\r\nBcc: v@example.net",
            ["Spent $4.00 of $5.00 this month.", "Next run: Monday 09:00."],
            "warning",
            sender="xpulse@example.com",
            recipients=["ops@example.com"],
        )
    )
    assert msg.get_content_type() == "text/plain" and msg["Bcc"] is None
    assert msg["Subject"] == "[xpulse warning] Budget at 80% Bcc: v@example.net"
    assert "Spent $4.00 of $5.00 this month." in msg.get_content()

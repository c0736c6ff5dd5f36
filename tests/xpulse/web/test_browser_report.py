"""The HTML report, the email's HTML part and the files archive index in a real browser:
charts drawn (report) or shown (email PNGs), nothing from outside, no sideways scrolling
at phone, email and desktop widths."""

from __future__ import annotations

import base64
import email
import email.policy
import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from xpulse_web_browser import (
    WIDTHS,
    hover_value,
    low_contrast,
    marks,
    open_page,
    overflow,
    shot,
    wait_for_charts,
)
from xpulse_web_world import World

from xpulse.analytics.document import Report
from xpulse.config.delivery import FilesConfig
from xpulse.operations.destinations import FilesTarget
from xpulse.render.email import report_message


def _report(world: World) -> Report:
    out = world.xpulse(
        "report", "-a", "main", "-p", "last-week", "--as-of", world.now.isoformat(), "-f", "json"
    )
    return Report.from_dict(json.loads(out.stdout))


def test_html_report_draws_its_charts_offline(browser: Any, world: World, tmp_path: Path) -> None:
    path = tmp_path / "week.html"
    world.xpulse("report", "-a", "main", "-p", "last-week", "--as-of", world.now.isoformat(),
                 "--out", str(path))  # fmt: skip
    page, watch = open_page(browser, "file://")
    page.goto(path.as_uri())
    drawn = wait_for_charts(page)
    assert set(drawn) == {"chart-daily", "chart-top", "chart-best-time", "chart-content-types"}
    for chart in drawn:
        assert marks(page, chart) > 0, chart
    assert "Engagements" in hover_value(page, "chart-daily")
    assert not low_contrast(page), low_contrast(page)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        assert overflow(page) == 0, f"the HTML report scrolls sideways at {width} px"
        shot(page, f"report-html-{width}")
    watch.clean()


def _inline_images(msg: EmailMessage) -> str:
    """The HTML part with its cid: images as data: URLs, as a mail client shows it."""
    html = msg.get_body(("html",))
    assert isinstance(html, EmailMessage)
    page = html.get_content()
    for part in msg.walk():
        cid = part.get("Content-ID")
        if cid:
            data = base64.b64encode(part.get_content()).decode()
            page = page.replace(f"cid:{cid.strip('<>')}", f"data:image/png;base64,{data}")
    assert "cid:" not in page
    return page


def test_email_html_reads_at_600_px(browser: Any, world: World) -> None:
    raw = report_message(_report(world), sender="r@example.com", recipients=["t@example.com"])
    msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    page, watch = open_page(browser, "about:", width=600)
    page.set_content(_inline_images(msg))
    loaded = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0 && i.alt.length > 0)"
    )
    assert loaded == [True, True]
    assert not low_contrast(page), low_contrast(page)
    for width in (375, 600):
        page.set_viewport_size({"width": width, "height": 900})
        assert overflow(page) == 0, f"the email scrolls sideways at {width} px"
        shot(page, f"email-{width}")
    watch.clean()


def test_archive_index_reads_on_a_phone(browser: Any, world: World, tmp_path: Path) -> None:
    FilesTarget(FilesConfig(folder=str(tmp_path / "files"))).write(_report(world))
    index = tmp_path / "files" / "main" / "index.html"
    page, watch = open_page(browser, "file://")
    page.goto(index.as_uri())
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert overflow(page) == 0, f"the archive index scrolls sideways at {width} px"
        # every report's files in view, not behind a table that scrolls on its own
        edges = page.eval_on_selector_all(
            "td a", "links => links.map(a => a.getBoundingClientRect().right)"
        )
        assert edges and max(edges) <= width, f"a file link is out of view at {width} px"
        shot(page, f"archive-index-{width}")
    watch.clean()

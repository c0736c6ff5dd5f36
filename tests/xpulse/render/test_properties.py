"""Property tests: whatever a post says, it stays text in every format."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xpulse.render.csv import render_csv
from xpulse.render.escape import csv_cell, markdown_text, terminal_text
from xpulse.render.html import render_html

# Text rich in the characters that matter to HTML, Markdown, rich markup and spreadsheets.
TRICKY = st.text(
    alphabet=st.sampled_from(list("<>&\"'`[]()*_#|=+-@!\\/:;\t\r\n\x1b\u202e ascriptjv12")),
    max_size=60,
)


@given(TRICKY)
def test_markdown_text_has_no_raw_html_or_newline(text: str) -> None:
    out = markdown_text(text)
    assert "<" not in out and ">" not in out and "\n" not in out
    assert not re.search(r"(?<!\\)[\[\]|`]", out)


@given(TRICKY)
def test_terminal_text_has_no_escape_character(text: str) -> None:
    assert "\x1b" not in terminal_text(text) and "\u202e" not in terminal_text(text)


@given(TRICKY)
def test_csv_cell_never_starts_a_formula(text: str) -> None:
    cell = csv_cell(text)
    assert isinstance(cell, str)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


class TagCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(TRICKY)
def test_html_post_text_never_adds_a_tag(builders: Any, text: str) -> None:
    created = builders.week_start + timedelta(hours=33)
    baseline = builders.report([builders.post("9", created, "plain", 500, 10, "text")])
    hostile = builders.report([builders.post("9", created, text, 500, 10, "text")])

    def tags(page: str) -> list[str]:
        parser = TagCounter()
        parser.feed(page)
        return parser.tags

    assert tags(render_html(hostile)) == tags(render_html(baseline))
    row = next(csv.DictReader(io.StringIO(render_csv(hostile))))
    assert row["id"] == "9"

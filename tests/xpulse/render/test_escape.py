"""Untrusted text stays inert in every output format."""

from __future__ import annotations

import csv
import io

import pytest
from rich.console import Console
from rich.text import Text

from xpulse.render.escape import (
    csv_cell,
    html_text,
    markdown_link,
    markdown_text,
    post_url,
    safe_url,
    terminal_text,
)

EVIL = '<script>alert(1)</script> [red]x[/red] =HYPERLINK("http://e") javascript:alert(1)'


def test_html_text_escapes_markup() -> None:
    out = str(html_text(EVIL))
    assert "<script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&#34;http://e&#34;" in out  # quotes escaped: safe inside attributes too


def test_terminal_text_keeps_rich_tags_literal() -> None:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(terminal_text(EVIL))
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    assert "[red]x[/red]" in printed
    assert Text.from_markup(terminal_text("[bold]hi[/bold]")).spans == []


def test_terminal_text_drops_escape_sequences() -> None:
    assert "\x1b" not in terminal_text("title\x1b]0;pwned\x07 \x1b[31mred")
    assert "\u202e" not in terminal_text("abc\u202edef")


def test_markdown_text_is_inert() -> None:
    out = markdown_text(EVIL + "\n# heading\n| a | b |")
    assert "<" not in out and ">" not in out.replace("&gt;", "")
    assert "\\[red\\]" in out
    assert "\n" not in out
    assert "\\|" in out  # cannot split a table cell
    assert markdown_text("# heading").startswith("\\#")
    assert markdown_text("1. item") == "1\\. item"
    assert markdown_text("> quote") == "&gt; quote"
    assert markdown_text("a & b") == "a &amp; b"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://x.com/i/status/1", True),
        ("http://example.com/a?b=c", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example/x", False),
        ("https://exa mple.com", False),
        ("https:///nohost", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url_allows_only_http_s(url: str | None, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok


def test_markdown_link_only_for_http_s() -> None:
    assert markdown_link("post", "javascript:alert(1)") == "post"
    link = markdown_link("a [b]", "https://x.com/i/status/12")
    assert link == "[a \\[b\\]](<https://x.com/i/status/12>)"


def test_post_url_is_built_from_valid_parts_only() -> None:
    assert post_url("123", "jack") == "https://x.com/jack/status/123"
    assert post_url("123", "bad name/../") == "https://x.com/i/status/123"
    assert post_url("12a") is None


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cell_neutralises_formula_starts(start: str) -> None:
    cell = csv_cell(start + "HYPERLINK(1)")
    assert isinstance(cell, str) and cell.startswith("'")


def test_csv_cell_keeps_numbers_and_plain_text() -> None:
    assert csv_cell(-5) == -5
    assert csv_cell(2.5) == 2.5
    assert csv_cell("hello = world") == "hello = world"
    assert csv_cell(None) == ""


def test_csv_roundtrip_of_evil_text_is_text() -> None:
    buf = io.StringIO()
    csv.writer(buf).writerow([csv_cell(EVIL), csv_cell("=1+1")])
    row = next(csv.reader(io.StringIO(buf.getvalue())))
    assert row[0] == EVIL  # does not start with a formula character: unchanged
    assert row[1] == "'=1+1"

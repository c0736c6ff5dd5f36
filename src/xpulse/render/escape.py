"""Escaping of untrusted text (post text, names, URLs) for every output format.

Post text is written by whoever posted it, so it is data everywhere: inert in HTML, in
terminal markup, in Markdown and in spreadsheet cells. Only ``http``/``https`` URLs are
ever made into links, and the renderers build post links themselves from a validated id.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape
from rich.markup import escape as rich_escape

from xpulse.render.cells import CONTROLS, csv_cell, strip_controls

__all__ = [
    "csv_cell",
    "html_text",
    "markdown_link",
    "markdown_text",
    "one_line",
    "post_url",
    "safe_url",
    "strip_controls",
    "terminal_text",
]

_POST_ID = re.compile(r"[0-9]{1,25}")
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
# Markdown (CommonMark + GFM tables) punctuation that changes meaning anywhere in a line,
# and what only matters at its start (headings, lists, quotes, setext underlines).
_MD_INLINE = re.compile(r"([\\`*_{}\[\]()|~])")
_MD_LEADING = re.compile(r"^([#+\-=!]|\d+[.)])")


def one_line(text: str) -> str:
    """Collapse whitespace so a post fits one table cell or one line."""
    return " ".join(strip_controls(text).split())


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL with a host and no whitespace, else None."""
    if not url or any(ch.isspace() for ch in url) or CONTROLS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def post_url(post_id: str, username: str | None = None) -> str | None:
    """The x.com permalink of a post, built only from a numeric id and a valid handle."""
    if not _POST_ID.fullmatch(post_id):
        return None
    if username and _USERNAME.fullmatch(username):
        return f"https://x.com/{username}/status/{post_id}"
    return f"https://x.com/i/status/{post_id}"


def html_text(text: str) -> Markup:
    """Text escaped for HTML element content and quoted attributes."""
    return escape(strip_controls(text))


def terminal_text(text: str) -> str:
    """Text safe inside rich markup: no markup tags, no terminal escape sequences."""
    return rich_escape(strip_controls(text))


def markdown_text(text: str) -> str:
    """Text inert in Markdown: punctuation backslash-escaped, HTML characters as entities.

    Newlines become spaces so that a post cannot start a heading, a list or break a table.
    """
    flat = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MD_INLINE.sub(r"\\\1", flat)
    return _MD_LEADING.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], escaped)


def markdown_link(label: str, url: str | None) -> str:
    """A Markdown link when ``url`` is http(s), else just the escaped label."""
    safe = safe_url(url)
    text = markdown_text(label)
    if safe is None:
        return text
    # Angle-bracket destinations allow parentheses; escape the few characters they forbid.
    dest = safe.replace("<", "%3C").replace(">", "%3E")
    return f"[{text}](<{dest}>)"


def truncate(content: str, limit: int) -> str:
    """One line of at most ``limit`` characters, with an ellipsis when cut."""
    flat = " ".join(strip_controls(content).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"

"""The email's HTML part is built with the HTML rendering's public environment and context."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from xpulse.analytics.document import Report
from xpulse.render import email, html

_CLASSES = re.compile(r'class="(?:delta|num) (up|down|na)"')


def test_email_uses_only_public_html_helpers_and_no_environment_of_its_own() -> None:
    tree = ast.parse(Path(email.__file__).read_text("utf-8"))
    from_html = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "xpulse.render.html"
        for alias in node.names
    ]
    assert from_html and not [name for name in from_html if name.startswith("_")]
    assert not any(isinstance(n, ast.ImportFrom) and n.module == "jinja2" for n in ast.walk(tree))


def test_email_and_page_mark_the_same_changes_alike(report: Report) -> None:
    page = html.render_html(report)
    mail = email.render_email_html(report, email._images(report))
    assert _CLASSES.findall(page) and _CLASSES.findall(mail) == _CLASSES.findall(page)
    assert html.environment() is html.environment()  # one cached environment for both


def test_tone_names_the_direction_of_a_change() -> None:
    assert [html.tone(c) for c in ("+12.0%", "-3.1%", "+0.0%", "n/a")] == ["up", "down", "", "na"]

"""The files archive's index page: escaped, and linking only names inside the folder."""

from __future__ import annotations

from xpulse.render.archive_index import archive_index_html


def test_only_names_inside_the_folder_become_links() -> None:
    files = {"html": "a-2026-W21.html", "md": "../etc/passwd", "csv": ".hidden", "json": "a b"}
    doc = {
        "account": "brand",
        "username": None,
        "reports": [
            {"label": "<b>W21</b>", "start": "2026-05-18", "files": files, "partial": True},
        ],
    }
    page = archive_index_html(doc)
    assert '<a href="a-2026-W21.html">html</a>' in page
    for unsafe in ("../etc/passwd", ".hidden", "a b"):
        assert unsafe not in page
    assert "&lt;b&gt;W21&lt;/b&gt; (partial)" in page and "<b>W21" not in page
    assert "<title>X reports brand</title>" in page


def test_no_reports_yet() -> None:
    page = archive_index_html({"account": "brand", "username": "acme", "reports": []})
    assert "No reports yet." in page and "X reports: @acme" in page

"""The PDF rendering: the HTML report's print version, paginated by WeasyPrint.

The page is :func:`xpulse.render.html.render_html` with ``static=True``: the same charts
drawn as inline SVG by vl-convert, so they stay vectors in the PDF. Its ``@media print``
rules keep a section, table row or chart from splitting across pages. WeasyPrint fetches
nothing: every URL it would load is refused, so post text cannot make it reach anywhere.
WeasyPrint needs Pango from the system (Debian: ``libpango-1.0-0``) and is the ``pdf``
extra: ``pip install 'xpulse[pdf]'``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from xpulse.analytics.document import Report
from xpulse.errors import PdfUnavailable
from xpulse.render.html import render_html
from xpulse.render.view import as_report


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"the PDF loads nothing from outside ({url[:60]!r} refused)")


def render_pdf(document: Report | Mapping[str, Any], *, compressed: bool = True) -> bytes:
    """The report as PDF bytes (``compressed=False``: its objects readable, for checks)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            "PDF needs WeasyPrint and Pango: pip install 'xpulse[pdf]' "
            f"(and on Debian apt-get install libpango-1.0-0) ({exc})"
        ) from None
    report = as_report(document)
    html = weasyprint.HTML(string=render_html(report, static=True), url_fetcher=_refuse)
    pdf: bytes = html.write_pdf(uncompressed_pdf=not compressed) or b""
    return pdf

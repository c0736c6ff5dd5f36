"""Renderings of the one report document: terminal, Markdown, HTML, JSON, CSV, PDF, XLSX.

Renderings only format what the document holds; they never compute analytics. Every one
takes the :class:`~xpulse.analytics.document.Report` (or its JSON dict) and escapes the
untrusted text (post text, names, URLs) for its own format.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any, Literal

from xpulse.analytics.document import Report
from xpulse.errors import XlsxUnavailable

Format = Literal["text", "md", "html", "json", "csv"]
FORMATS: tuple[Format, ...] = ("text", "md", "html", "json", "csv")
# What a file can hold: the text formats, PDF and XLSX (bytes; the ``pdf`` and ``xlsx``
# extras).
FileFormat = Format | Literal["pdf", "xlsx"]
FILE_FORMATS: tuple[FileFormat, ...] = (*FORMATS, "pdf", "xlsx")
BINARY_FORMATS: tuple[FileFormat, ...] = ("pdf", "xlsx")
SUFFIXES: dict[str, FileFormat] = {
    ".txt": "text",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".csv": "csv",
    ".pdf": "pdf",
    ".xlsx": "xlsx",
}


def render(
    document: Report | Mapping[str, Any], fmt: Format, *, width: int = 100, color: bool = False
) -> str:
    """The report in ``fmt``; ``width``/``color`` apply to the terminal text only."""
    # Imported here so that one format does not load the others' dependencies.
    if fmt == "text":
        from xpulse.render.terminal import render_text

        return render_text(document, width=width, color=color)
    if fmt == "md":
        from xpulse.render.markdown import render_markdown

        return render_markdown(document)
    if fmt == "html":
        from xpulse.render.html import render_html

        return render_html(document)
    if fmt == "json":
        from xpulse.render.json import render_json

        return render_json(document)
    if fmt == "csv":
        from xpulse.render.csv import render_csv

        return render_csv(document)
    raise ValueError(f"unknown format {fmt!r}")


def render_file(document: Report | Mapping[str, Any], fmt: FileFormat) -> str | bytes:
    """The report as a file's content: text for the text formats, bytes for PDF and XLSX."""
    if fmt == "pdf":
        from xpulse.render.pdf import render_pdf

        return render_pdf(document)
    if fmt == "xlsx":
        return xlsx_module().render_xlsx(document)  # type: ignore[no-any-return]
    return render(document, fmt)


def xlsx_module() -> ModuleType:
    """:mod:`xpulse.render.xlsx`, or one line naming the extra that brings XlsxWriter."""
    try:
        from xpulse.render import xlsx
    except ImportError:
        raise XlsxUnavailable("xlsx needs XlsxWriter: pip install 'xpulse[xlsx]'") from None
    return xlsx

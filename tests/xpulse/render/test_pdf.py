"""The PDF rendering: the print version of the HTML report, charts as vectors, paginated."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from xpulse.analytics.document import Report
from xpulse.cli import cli

try:
    import weasyprint  # noqa: F401 - needs Pango from the system, which .ci/run installs
except (ImportError, OSError) as exc:
    if os.environ.get("CI") == "true":
        raise
    pytest.skip(f"WeasyPrint cannot load: {exc}", allow_module_level=True)

from xpulse.render.pdf import render_pdf


def test_pdf_has_pages_and_vector_charts(report: Report) -> None:
    pdf = render_pdf(report, compressed=False)
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages >= 2
    # The four charts are SVG drawn as PDF vector forms, never raster images.
    assert not re.search(rb"/Subtype\s*/Image", pdf)
    assert len(re.findall(rb"/Subtype\s*/Form", pdf)) >= 4


def test_report_pdf_needs_a_file(isolated_env: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--format", "pdf"])
    assert result.exit_code == 2
    assert "--format pdf needs --out FILE" in result.output

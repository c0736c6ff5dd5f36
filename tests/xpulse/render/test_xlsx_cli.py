"""Usage mistakes around xlsx and ``--to sheets``: one line, exit 2, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from xpulse.cli import cli


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--to", "sheets", "--format", "json"], "--to sheets writes one account"),
        (["report", "--to", "sheets", "--all-accounts"], "--to sheets writes one account"),
        (["report", "--out", "week.xls"], ".xlsx"),  # the refusal lists xlsx among the suffixes
        (["export", "--format", "xlsx"], "xlsx is binary: give --out FILE.xlsx"),
    ],
)
def test_xlsx_and_sheets_usage_errors(isolated_env: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output

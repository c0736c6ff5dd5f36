"""``xpulse competitors`` refusals: one line, non-zero, nothing stored."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from xpulse.cli import cli


def _config(home: Path) -> None:
    (home / "config.toml").write_text(
        '[api]\nbase_url = "http://127.0.0.1:9"\n\n[[accounts]]\nname = "me"\nusername = "me"\n'
    )


def test_bad_handle_missing_token_unknown_and_empty(isolated_env: Path) -> None:
    _config(isolated_env)
    runner = CliRunner()
    bad = runner.invoke(cli, ["competitors", "add", "no spaces!", "--group", "g", "--yes"])
    assert bad.exit_code == 2 and "is not an X username" in bad.output
    no_token = runner.invoke(cli, ["competitors", "add", "rivalco", "--group", "g", "--yes"])
    assert no_token.exit_code != 0 and "XPULSE_BEARER_TOKEN" in no_token.output
    assert "Traceback" not in no_token.output
    unknown = runner.invoke(cli, ["competitors", "remove", "@nobody"])
    assert unknown.exit_code == 2 and "@nobody is not a competitor" in unknown.output
    empty = runner.invoke(cli, ["competitors", "list"])
    assert empty.exit_code == 0 and "no competitors" in empty.output

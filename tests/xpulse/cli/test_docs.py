"""Every command and subcommand is documented: `xpulse NAME` appears in the README or a
docs page (each one's --help example is held by test_help.py)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from xpulse.cli import cli

ROOT = Path(__file__).resolve().parents[3]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _paths(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()) -> list[str]:
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"{' '.join((*prefix, name))} is registered but missing"
        found.append(" ".join((*prefix, name)))
        if isinstance(command, click.Group):
            found += _paths(command, ctx, (*prefix, name))
    return found


with click.Context(cli) as _ctx:
    COMMAND_PATHS = _paths(cli, _ctx)
DOCS = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)


def test_the_docs_and_the_commands_are_found() -> None:
    assert (ROOT / "README.md").is_file() and len(PAGES) > 1
    assert "collect" in COMMAND_PATHS and "auth login" in COMMAND_PATHS


@pytest.mark.parametrize("path", COMMAND_PATHS)
def test_every_command_is_documented(path: str) -> None:
    # `xpulse auth login`, whole words: `xpulse run` is not found in `xpulse runs`
    spelled = re.compile(rf"\bxpulse {re.escape(path)}(?![\w-])")
    assert spelled.search(DOCS), f"`xpulse {path}` is in no docs page nor the README"

"""`xpulse --help` imports no command; `xpulse CMD --help` imports only CMD's module."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from xpulse.cli import COMMANDS

HEAVY = (
    "xpulse.config.settings",
    "xpulse.api.client",
    "xpulse.analytics",
    "xpulse.render",
    "xpulse.store",
)


def _modules_after(args: list[str]) -> list[str]:
    code = (
        "import sys, json\n"
        "from xpulse.cli import cli\n"
        "try:\n"
        f"    cli.main({args!r}, prog_name='xpulse')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('xpulse'))),"
        " file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


def test_top_level_help_imports_no_command() -> None:
    loaded = _modules_after(["--help"])
    assert loaded == ["xpulse", "xpulse.cli", "xpulse.errors"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_help_imports_only_that_command(name: str) -> None:
    loaded = _modules_after([name, "--help"])
    module = COMMANDS[name].target.split(":")[0]
    shared = ("xpulse.cli.failure", "xpulse.cli.options")  # light, shared by commands
    commands = [m for m in loaded if m.startswith("xpulse.cli.") and m not in shared]
    assert commands == [module]
    assert not [m for m in loaded if m.startswith(HEAVY)], loaded


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_kept_summary_is_the_command_own_short_help(name: str) -> None:
    module, attr = COMMANDS[name].target.split(":")
    command = getattr(importlib.import_module(module), attr)
    assert COMMANDS[name].summary == command.get_short_help_str(1000)


def test_spelled_out_choices_match_the_library() -> None:
    from xpulse.cli.report import FORMAT_NAMES
    from xpulse.cli.run import DESTINATION_NAMES
    from xpulse.config.delivery import DESTINATIONS
    from xpulse.render import FILE_FORMATS

    assert FORMAT_NAMES == FILE_FORMATS
    assert DESTINATION_NAMES == DESTINATIONS

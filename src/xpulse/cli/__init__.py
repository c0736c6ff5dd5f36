"""The ``xpulse`` command line: thin commands over the library.

Each command lives in its own module and is imported only when it runs, so that
``xpulse --help`` and cron runs stay fast. Library errors (:class:`XpulseError`) become
one line on stderr and a non-zero exit; they never show a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from xpulse import __version__
from xpulse.errors import XpulseError

# name -> "module:attribute"; each module defines one click command or group.
COMMANDS: dict[str, str] = {
    "init": "xpulse.cli.setup:init",
    "auth": "xpulse.cli.auth:auth",
    "backfill": "xpulse.cli.backfill:backfill",
    "collect": "xpulse.cli.collect:collect",
    "cost": "xpulse.cli.cost:cost",
    "export": "xpulse.cli.export:export",
    "report": "xpulse.cli.report:report",
    "run": "xpulse.cli.run:run",
    "schedule": "xpulse.cli.schedule:schedule",
    "config": "xpulse.cli.config:config",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except XpulseError as exc:
            click.echo(f"xpulse: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xpulse")
def cli() -> None:
    """Automated X (Twitter) analytics reports.

    Example:

        xpulse init && xpulse auth login && xpulse collect
    """


def main() -> None:
    sys.exit(cli.main(standalone_mode=True))

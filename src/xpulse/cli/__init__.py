"""The ``xpulse`` command line: thin commands over the library.

Each command lives in its own module and is imported only when it runs, so that
``xpulse --help`` and cron runs stay fast. Library errors (:class:`XpulseError`) become
one line on stderr and a non-zero exit; so do the environment's own failures (``OSError``,
a database error: exit 1, redacted, see :mod:`xpulse.cli.failure`) and Ctrl-C (exit 130).
``--debug`` or ``XPULSE_DEBUG=1`` adds the traceback; a bug still shows its traceback.
"""

from __future__ import annotations

import importlib
import sys
import traceback
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
    "competitors": "xpulse.cli.competitors:competitors",
    "cost": "xpulse.cli.cost:cost",
    "export": "xpulse.cli.export:export",
    "import": "xpulse.cli.imports:import_",
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
            _show_traceback(ctx)
            click.echo(f"xpulse: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            _show_traceback(ctx)
            click.echo("xpulse: interrupted", err=True)
            ctx.exit(INTERRUPTED)
        except Exception as exc:
            from xpulse.cli import failure

            if not failure.handled(exc):
                raise  # a bug: its traceback is what a report needs
            _show_traceback(ctx)
            hint = "" if _debug(ctx) else " (--debug shows the traceback)"
            click.echo(f"xpulse: error: {failure.message(exc)}{hint}", err=True)
            ctx.exit(1)


INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.find_root().params.get("debug"))


def _show_traceback(ctx: click.Context) -> None:
    if _debug(ctx):
        click.echo(traceback.format_exc().rstrip(), err=True)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xpulse")
@click.option(
    "--debug",
    is_flag=True,
    envvar="XPULSE_DEBUG",
    help="Show the traceback of an error (also XPULSE_DEBUG=1).",
)
def cli(debug: bool) -> None:
    """Automated X (Twitter) analytics reports.

    Example:

        xpulse init && xpulse auth login && xpulse collect
    """


def main() -> None:
    sys.exit(cli.main(standalone_mode=True))

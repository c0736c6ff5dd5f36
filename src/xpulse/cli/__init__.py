"""The ``xpulse`` command line: thin commands over the library.

Each command lives in its own module and is imported only when it runs or shows its
help; ``xpulse --help`` lists them from the summaries kept here and imports none, so that
it and cron runs stay fast (``bench/cli_startup.py``). Library errors (:class:`XpulseError`) become
one line on stderr and the exit code of their kind; so do the environment's own failures
(``OSError``, a database error: exit 1, redacted) and Ctrl-C (exit 130). Every exit code
comes from :mod:`xpulse.cli.failure`.
``--debug`` or ``XPULSE_DEBUG=1`` adds the traceback; a bug still shows its traceback.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from typing import Any, NamedTuple

import click

from xpulse import __version__
from xpulse.errors import XpulseError


class CommandInfo(NamedTuple):
    """Where a command lives and the line `xpulse --help` shows for it."""

    target: str  # "module:attribute"; the module defines one click command or group
    summary: str  # the first sentence of its help (a test keeps it equal to click's)


# name -> command; `xpulse --help` lists them from here without importing any.
COMMANDS: dict[str, CommandInfo] = {
    "init": CommandInfo(
        "xpulse.cli.init:init",
        (
            "Write a commented config file (in XPULSE_HOME or the user config dir), with "
            "report files on."
        ),
    ),
    "auth": CommandInfo(
        "xpulse.cli.auth:auth",
        "Sign in to X, check sign-in status, sign out.",
    ),
    "backfill": CommandInfo(
        "xpulse.cli.backfill:backfill",
        "Fill the per-post metric series that reports use for daily figures.",
    ),
    "collect": CommandInfo(
        "xpulse.cli.collect:collect",
        "Collect new posts and refresh metrics that are due, for every account.",
    ),
    "competitors": CommandInfo(
        "xpulse.cli.competitors:competitors",
        (
            "Accounts to benchmark against: public metrics through the app bearer token "
            "(XPULSE_BEARER_TOKEN), priced at X's rate for others' posts, never summed "
            "with yours."
        ),
    ),
    "cost": CommandInfo(
        "xpulse.cli.cost:cost",
        "Show what the API reads cost this month, per account and endpoint.",
    ),
    "export": CommandInfo(
        "xpulse.cli.export:export",
        ("Export stored posts with their latest metrics (or --observations: every read)."),
    ),
    "import": CommandInfo(
        "xpulse.cli.imports:import_",
        ("Import history you already hold: X's data archive and analytics exports."),
    ),
    "report": CommandInfo(
        "xpulse.cli.report:report",
        (
            "Report how the account's posts did: totals against the previous period, top "
            "posts, best time to post, content types, spikes, lifecycle and the "
            "collection's cost."
        ),
    ),
    "run": CommandInfo(
        "xpulse.cli.run:run",
        (
            "Collect, make the period's report and deliver it to every configured "
            "destination (Slack, email, files), then send any alerts."
        ),
    ),
    "schedule": CommandInfo(
        "xpulse.cli.schedule:schedule",
        (
            "Schedule `xpulse run` on delivery.cadence (e.g. weekly on monday at 09:00), "
            "in each account's time zone: a systemd user timer where systemd runs, else a"
            " crontab entry."
        ),
    ),
    "config": CommandInfo(
        "xpulse.cli.config:config",
        "Inspect the configuration.",
    ),
    "worker": CommandInfo(
        "xpulse.cli.worker:worker",
        (
            "Run a worker: take collect and run jobs from the queue in PostgreSQL, and "
            "start runs on the configured cadence."
        ),
    ),
    "enqueue": CommandInfo(
        "xpulse.cli.worker:enqueue",
        ("Queue jobs for the workers: one per account, none twice while one is waiting."),
    ),
    "workers": CommandInfo(
        "xpulse.cli.worker:workers",
        "What the workers are doing.",
    ),
    "dashboard": CommandInfo(
        "xpulse.cli.dashboard:dashboard",
        (
            "Write the dashboard: a page per account and period, and the portfolio, as "
            "files that open from disk with no network and no server."
        ),
    ),
    "serve": CommandInfo(
        "xpulse.cli.serve:serve",
        "Serve the dashboard read-only from the store, as it is at each request.",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the kept summaries: no command module is imported for it."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            # A stand-in with the kept summary shortens it exactly as click would.
            shown = click.Command(name, help=COMMANDS[name].summary)
            rows.append((name, shown.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        info = COMMANDS.get(cmd_name)
        if info is None:
            return None
        target = info.target
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        from xpulse.cli import failure

        try:
            return super().invoke(ctx)
        except XpulseError as exc:
            _show_traceback(ctx)
            click.echo(f"xpulse: error: {exc}", err=True)
            ctx.exit(failure.exit_code(exc))
        except KeyboardInterrupt as exc:
            _show_traceback(ctx)
            click.echo("xpulse: interrupted", err=True)
            ctx.exit(failure.exit_code(exc))
        except (click.ClickException, click.exceptions.Exit):
            raise  # click's own: usage errors, --help and --version
        except Exception as exc:
            if not failure.handled(exc):
                raise  # a bug: its traceback is what a report needs
            _show_traceback(ctx)
            hint = "" if _debug(ctx) else " (--debug shows the traceback)"
            click.echo(f"xpulse: error: {failure.message(exc)}{hint}", err=True)
            ctx.exit(failure.exit_code(exc))


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
    envvar="XPULSE_DEBUG",  # in xpulse.config.env's table; spelled here: help imports nothing
    help="Show the traceback of an error (also XPULSE_DEBUG=1).",
)
def cli(debug: bool) -> None:
    """Automated X (Twitter) analytics reports.

    Example:

        xpulse init && xpulse auth login && xpulse collect
    """


def main() -> None:
    sys.exit(cli.main(standalone_mode=True))

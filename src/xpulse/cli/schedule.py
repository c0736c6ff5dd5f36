"""``xpulse schedule install|show|remove``: run ``xpulse run`` on the configured cadence."""

from __future__ import annotations

from datetime import UTC, datetime

import click

BACKENDS = ("cron", "systemd")


@click.group()
def schedule() -> None:
    """Schedule `xpulse run` on delivery.cadence (e.g. weekly on monday at 09:00), in each
    account's time zone: a systemd user timer where systemd runs, else a crontab entry.

    Example:

    \b
        xpulse schedule install && xpulse schedule show
    """


@schedule.command()
@click.option("--backend", type=click.Choice(BACKENDS), help="Force cron or systemd.")
def install(backend: str | None) -> None:
    """Write the crontab entry or systemd timer and print exactly what was written. Where
    neither cron nor a systemd user session runs, print both, to install by hand (exit 1).

    Example:

        xpulse schedule install --backend cron
    """
    from xpulse.config.settings import load_config
    from xpulse.errors import NoScheduler
    from xpulse.operations.schedule import Backend, RealSystem
    from xpulse.operations.schedule import install as do_install

    chosen: Backend | None = "cron" if backend == "cron" else None
    if backend == "systemd":
        chosen = "systemd"
    try:
        lines = do_install(load_config(), RealSystem(), chosen)
    except NoScheduler as exc:
        for line in exc.manual:
            click.echo(line)
        raise
    for line in lines:
        click.echo(line)


@schedule.command()
def show() -> None:
    """Say where the schedule is installed and when the next run is.

    Example:

        xpulse schedule show
    """
    from xpulse.config.settings import load_config
    from xpulse.operations.schedule import RealSystem
    from xpulse.operations.schedule import show as do_show

    for line in do_show(load_config(), RealSystem(), datetime.now(UTC)):
        click.echo(line)


@schedule.command()
def remove() -> None:
    """Remove the crontab entry or systemd timer that `install` wrote.

    Example:

        xpulse schedule remove
    """
    from xpulse.operations.schedule import RealSystem
    from xpulse.operations.schedule import remove as do_remove

    for line in do_remove(RealSystem()):
        click.echo(line)

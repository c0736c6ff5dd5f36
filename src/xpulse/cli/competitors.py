"""``xpulse competitors``: follow other accounts' public metrics, apart from your own."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from xpulse.cli.options import opened_store


@click.group()
def competitors() -> None:
    """Accounts to benchmark against: public metrics through the app bearer token
    (XPULSE_BEARER_TOKEN), priced at X's rate for others' posts, never summed with yours.

    Example:

        xpulse competitors add rivalco --group rivals
    """


@competitors.command()
@click.argument("handle")
@click.option("--group", "group", required=True, metavar="NAME", help="Benchmark group.")
@click.option("--yes", is_flag=True, help="Add without asking, after showing the cost.")
def add(handle: str, group: str, yes: bool) -> None:
    """Look HANDLE up (a user read and its 20 newest posts, $0.110), show its monthly cost,
    then add it to --group.

    Example:

        xpulse competitors add @rivalco --group rivals --yes
    """
    from xpulse.collect.competitors import add as add_competitor
    from xpulse.collect.competitors import look_up
    from xpulse.config.settings import load_config

    config = load_config()
    now = datetime.now(UTC)
    candidate = look_up(config, handle, now)
    for line in candidate.estimate.lines(candidate.handle, config.history_days):
        click.echo(line)
    if not yes and not click.confirm(f"add @{candidate.handle} to group {group!r}?"):
        click.echo("not added")
        return
    add_competitor(config, candidate, group, now)
    click.echo(f"added @{candidate.handle} to {group!r}; `xpulse collect` reads it from now on")


@competitors.command(name="list")
def list_() -> None:
    """The competitors, by group, with their latest followers where X returns them.

    Example:

        xpulse competitors list
    """
    from xpulse.config.settings import load_config
    from xpulse.store import history

    config = load_config()
    now = datetime.now(UTC)
    with opened_store(config) as engine, engine.connect() as conn:
        rows = history.list_competitors(conn)
        counts = {
            c.handle: history.latest_profile_counts(conn, history.competitor_account(c.handle), now)
            for c in rows
        }
    if not rows:
        click.echo("no competitors; add one with `xpulse competitors add HANDLE --group NAME`")
        return
    for c in rows:
        known = counts[c.handle]
        followers = (
            f"{known.followers_count:,} followers"
            if known is not None and known.followers_count is not None
            else "followers not available on this plan"
        )
        click.echo(f"{c.group}\t@{c.display_handle}\t{followers}\tadded {c.added_at:%Y-%m-%d}")


@competitors.command()
@click.argument("handle")
def remove(handle: str) -> None:
    """Stop following HANDLE (what was collected stays in the store).

    Example:

        xpulse competitors remove rivalco
    """
    from xpulse.config.settings import load_config
    from xpulse.errors import UsageProblem
    from xpulse.store import history

    config = load_config()
    with opened_store(config) as engine, engine.begin() as conn:
        if not history.remove_competitor(conn, handle.removeprefix("@")):
            raise UsageProblem(f"@{handle.removeprefix('@')} is not a competitor")
    click.echo(f"removed @{handle.removeprefix('@')}")

"""``xpulse backfill``: hourly history of an account's posts from the Engagement API."""

from __future__ import annotations

from datetime import UTC, datetime

import click


@click.command()
@click.option(
    "--source",
    type=click.Choice(["engagement-api"]),
    required=True,
    help="Where the history comes from (the enterprise Engagement API).",
)
@click.option(
    "--since", "since", required=True, metavar="DATE", help="First day to fill (YYYY-MM-DD, UTC)."
)
@click.option("--account", "account", metavar="NAME", help="The account (default: the only one).")
def backfill(source: str, since: str, account: str | None) -> None:
    """Fill the per-post hourly series from the enterprise Engagement API.

    Needs OAuth 1.0a user context in the environment: XPULSE_OAUTH1_CONSUMER_KEY,
    XPULSE_OAUTH1_CONSUMER_SECRET, XPULSE_OAUTH1_TOKEN_<NAME> and
    XPULSE_OAUTH1_TOKEN_SECRET_<NAME>. Posts must be collected first (xpulse collect).

    Example:

        xpulse backfill --source engagement-api --since 2026-04-01 --account main
    """
    from xpulse.api.engagement import EngagementClient
    from xpulse.collect.backfill import backfill_engagement, engagement_base, oauth1_from_env
    from xpulse.config import load_config
    from xpulse.errors import ConfigError
    from xpulse.store import open_store

    try:
        start = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ConfigError(f"--since {since!r} is not a date (use YYYY-MM-DD)") from None
    config = load_config()
    chosen = config.account(account)
    credentials = oauth1_from_env(chosen.env_suffix)
    engine = open_store(config.db_url())
    try:
        with EngagementClient(engagement_base(), oauth1=credentials) as client:
            result = backfill_engagement(engine, client, chosen.name, start)
    finally:
        engine.dispose()
    for error in result.errors:
        click.echo(f"xpulse: {source}: {error}", err=True)
    click.echo(result.summary(chosen.name, start))

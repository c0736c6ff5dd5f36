"""``xpulse backfill``: hourly history of an account's posts from the Engagement API."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from xpulse.cli.options import account_option, opened_store


@click.command()
@click.option(
    "--source",
    type=click.Choice(["engagement-api", "tweets-analytics", "media-analytics"]),
    required=True,
    help="engagement-api (enterprise, hourly, OAuth 1.0a), tweets-analytics "
    "(GET /2/tweets/analytics with the account's sign-in) or media-analytics (video "
    "retention from GET /2/media/analytics).",
)
@click.option(
    "--since", "since", required=True, metavar="DATE", help="First day to fill (YYYY-MM-DD, UTC)."
)
@account_option("The account (default: the only one).")
@click.option(
    "--granularity",
    type=click.Choice(["hourly", "daily"]),
    default="daily",
    show_default=True,
    help="Bucket size for tweets-analytics (the Engagement API is always hourly).",
)
def backfill(source: str, since: str, account: str | None, granularity: str) -> None:
    """Fill the per-post metric series that reports use for daily figures.

    engagement-api needs OAuth 1.0a user context in the environment:
    XPULSE_OAUTH1_CONSUMER_KEY, XPULSE_OAUTH1_CONSUMER_SECRET, XPULSE_OAUTH1_TOKEN_<NAME>
    and XPULSE_OAUTH1_TOKEN_SECRET_<NAME> (base URL: XPULSE_ENGAGEMENT_BASE).
    tweets-analytics uses the account's sign-in. Posts must be collected first
    (xpulse collect).

    Example:

        xpulse backfill --source engagement-api --since 2026-04-01 --account main

        xpulse backfill --source tweets-analytics --since 2026-05-01

        xpulse backfill --source media-analytics --since 2026-05-01
    """
    from xpulse.accounts.clients import open_client
    from xpulse.api.engagement import EngagementClient
    from xpulse.collect.backfill import (
        backfill_analytics,
        backfill_engagement,
        backfill_media,
        engagement_base,
        oauth1_from_env,
    )
    from xpulse.config.settings import load_config
    from xpulse.errors import UsageProblem

    try:
        start = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise UsageProblem(f"--since {since!r} is not a date (use YYYY-MM-DD)") from None
    config = load_config()
    chosen = config.account(account)
    if source == "engagement-api":
        credentials = oauth1_from_env(chosen.env_suffix)
    with opened_store(config) as engine:
        if source == "engagement-api":
            with EngagementClient(engagement_base(), oauth1=credentials) as client:
                result = backfill_engagement(engine, client, chosen.name, start)
        elif source == "media-analytics":
            with open_client(config, chosen) as x:
                result = backfill_media(engine, x.transport, chosen.name, start)
        else:
            with open_client(config, chosen) as x:
                result = backfill_analytics(
                    engine, x.transport, chosen.name, start,
                    granularity="hourly" if granularity == "hourly" else "daily",
                )  # fmt: skip
    for note in result.notes:
        click.echo(f"xpulse: {note}", err=True)
    for error in result.errors:
        click.echo(f"xpulse: {source}: {error}", err=True)
    click.echo(result.summary(chosen.name, start))

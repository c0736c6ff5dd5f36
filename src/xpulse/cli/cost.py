"""``xpulse cost``: month-to-date reads and dollars, per account and endpoint, forecast."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from xpulse.cli.options import opened_store

if TYPE_CHECKING:
    from xpulse.collect.cost import DayUsage
    from xpulse.config.settings import Config


@click.command()
@click.option("--month", metavar="YYYY-MM", help="A past month instead of the current one.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--reconcile",
    is_flag=True,
    help="Compare with X's own count (GET /2/usage/tweets, app bearer XPULSE_BEARER_TOKEN).",
)
def cost(month: str | None, as_json: bool, reconcile: bool) -> None:
    """Show what the API reads cost this month, per account and endpoint.

    The figures are X's billing rules for the configured plan applied to every call
    xpulse made (a post read again the same UTC day is free). One-off reads (first
    sweeps) are shown apart from recurring ones, and the forecast to the month's end
    extrapolates the recurring ones only. The plan's monthly read cap: used and left.

    Example:

        xpulse cost --json

        xpulse cost --reconcile
    """
    from xpulse.collect.cost import cost_report
    from xpulse.collect.pricing import plan_prices
    from xpulse.config.settings import load_config

    config = load_config()
    with opened_store(config) as engine, engine.connect() as conn:
        report = cost_report(
            conn, config.monthly_budget_usd, month=month, prices=plan_prices(config.plan)
        )
    days = _reconcile(config, month) if reconcile else None
    if as_json:
        out = report.to_json()
        if days is not None:
            out["reconcile"] = [
                {"day": d.day, "x_reads": d.x_reads, "xpulse_reads": d.our_reads} for d in days[0]
            ]
        click.echo(json.dumps(out, indent=2))
        return
    for line in report.lines():
        click.echo(line)
    if days is not None:
        from xpulse.collect.cost import reconcile_lines

        for line in reconcile_lines(*days):
            click.echo(line)


def _reconcile(config: Config, month: str | None) -> tuple[list[DayUsage], dict[str, Any]]:
    """X's daily usage this month (to 90 days, X's limit) beside xpulse's reads."""
    from datetime import UTC, datetime

    from xpulse.accounts.clients import BEARER_ENV, env_value
    from xpulse.api.auth import BearerAuth
    from xpulse.api.client import XClient
    from xpulse.collect.cost import USAGE_FIELDS, reconcile
    from xpulse.errors import ConfigError, UsageProblem

    if month is not None:
        raise UsageProblem("--reconcile compares this month only (X's usage has no past months)")
    token = env_value(BEARER_ENV)
    if not token:
        raise ConfigError(f"--reconcile needs the app's bearer token: set {BEARER_ENV}")
    now = datetime.now(UTC)
    with XClient(config.api_base(), BearerAuth(token, source=BEARER_ENV)) as client:
        usage = client.get_usage(days=now.day, fields=USAGE_FIELDS)
    with opened_store(config) as engine, engine.connect() as conn:
        return reconcile(conn, usage, now), usage

"""``xpulse cost``: month-to-date reads and dollars, per account and endpoint, forecast."""

from __future__ import annotations

import json

import click


@click.command()
@click.option("--month", metavar="YYYY-MM", help="A past month instead of the current one.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def cost(month: str | None, as_json: bool) -> None:
    """Show what the API reads cost this month, per account and endpoint.

    The figures are X's billing rules applied to every call xpulse made (a post read
    again the same UTC day is free), with a straight-line forecast to the month's end.

    Example:

        xpulse cost --json
    """
    from xpulse.collect.cost import cost_report
    from xpulse.config import load_config
    from xpulse.store import open_store

    config = load_config()
    engine = open_store(config.db_url())
    try:
        with engine.connect() as conn:
            report = cost_report(conn, config.monthly_budget_usd, month=month)
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for line in report.lines():
            click.echo(line)

"""The portfolio (``xpulse report --all-accounts``) rendered: terminal, Markdown, HTML, CSV.

The document and its figures are :mod:`xpulse.analytics.portfolio`'s; this module only
formats them. An account nothing was ever collected for shows :data:`NO_DATA` in place of
its figures in every rendering: 0 would read as "posted nothing".
"""

from __future__ import annotations

import csv
import io
from typing import Any

from jinja2 import Template
from rich.console import Console
from rich.table import Table
from rich.text import Text

from xpulse.analytics.portfolio import NO_DATA, Portfolio, PortfolioRow
from xpulse.render import fmt
from xpulse.render.escape import csv_cell, markdown_text, one_line

HEADERS = ("Account", "Posts", "Impressions", "Engagements", "Rate", "Impr. change", "Rate change")


def _name(row: PortfolioRow) -> str:
    if row.account in ("all", "competitors") and row.username is None:
        return "all own accounts" if row.account == "all" else "competitors (not in the total)"
    name = f"@{row.username}" if row.username else row.account
    return f"{name} (competitor)" if row.group == "competitor" else name


def _cells(row: PortfolioRow, note: str | None = None) -> list[str]:
    """The row's cells; an account never collected has ``note`` (default: its own) in place
    of the figures."""
    if not row.collected:
        return [_name(row), note or row.note or NO_DATA, *[""] * (len(HEADERS) - 2)]
    return [
        _name(row),
        fmt.count(row.posts),
        fmt.count(row.impressions),
        fmt.count(row.engagements),
        fmt.percent(row.engagement_rate),
        fmt.change(row.change_impressions),
        fmt.NA
        if row.change_engagement_rate_points is None
        else f"{row.change_engagement_rate_points:+.2f} pts",
    ]


def _heading(p: Portfolio) -> str:
    return (
        f"Portfolio · {p.period.label} ({p.period.tz}) against {p.previous_period.label}, "
        f"{len(p.accounts)} accounts"
    )


def portfolio_table(p: Portfolio) -> Table:
    table = Table(title=Text(_heading(p)), title_justify="left")
    for i, name in enumerate(HEADERS):
        table.add_column(name, justify="left" if i == 0 else "right")
    missing: list[str] = []
    for row in p.accounts:
        # The full note would make a column too wide for the terminal: a short one in the
        # row, the full one under the table.
        table.add_row(*(Text(one_line(c)) for c in _cells(row, note="no data yet")))
        if not row.collected:
            missing.append(one_line(f"{_name(row)}: {row.note or NO_DATA}"))
    table.add_section()
    for total in p.totals():
        table.add_row(*(Text(c, style="bold") for c in _cells(total)))
    table.caption = Text("\n".join([*missing, p.engagement_rate_formula]))
    table.caption_justify = "left"
    return table


def render_portfolio_text(p: Portfolio, width: int = 100, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, color_system="truecolor" if color else None,
        force_terminal=color, highlight=False, emoji=False,
    )  # fmt: skip
    console.print(portfolio_table(p))
    return buffer.getvalue()


def render_portfolio_markdown(p: Portfolio) -> str:
    lines = [f"# {markdown_text(_heading(p))}", ""]
    lines.append("| " + " | ".join(HEADERS) + " |")
    lines.append("| --- |" + " ---: |" * (len(HEADERS) - 1))
    for row in [*p.accounts, *p.totals()]:
        lines.append("| " + " | ".join(markdown_text(c) for c in _cells(row)) + " |")
    lines.extend(["", f"`{p.engagement_rate_formula.replace('`', '')}`", ""])
    return "\n".join(lines)


_HTML = Template(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{{ heading }}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1f2328; max-width: 1040px; margin: 0 auto; padding: 24px 20px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid #d0d7de; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f6f8fa; } tr.nodata td + td { text-align: left; color: #57606a; }
tr.total td { font-weight: 600; border-top: 2px solid #1f2328; }
p { color: #57606a; }
@media print { body { font-size: 11px; padding: 0; } tr { break-inside: avoid; } }
</style></head><body>
<h1>{{ heading }}</h1>
<table><thead><tr>{% for h in headers %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in rows %}{% if row.note is none -%}
<tr>{% for c in row.cells %}<td>{{ c }}</td>{% endfor %}</tr>
{% else -%}
<tr class="nodata"><td>{{ row.cells[0] }}</td><td colspan="{{ span }}">{{ row.note }}</td></tr>
{% endif %}{% endfor %}{% for t in totals -%}
<tr class="total">{% for c in t %}<td>{{ c }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table>
<p><code>{{ formula }}</code></p>
</body></html>
""",
    autoescape=True,
)


def render_portfolio_html(p: Portfolio) -> str:
    page: str = _HTML.render(
        heading=_heading(p),
        headers=HEADERS,
        rows=[
            {"cells": _cells(r), "note": None if r.collected else (r.note or NO_DATA)}
            for r in p.accounts
        ],
        span=len(HEADERS) - 1,
        totals=[_cells(t) for t in p.totals()],
        formula=p.engagement_rate_formula,
    )
    return page


def render_portfolio_csv(p: Portfolio) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    fields = list(PortfolioRow.model_fields)
    writer.writerow(fields)
    for row in [*p.accounts, *p.totals()]:
        data: dict[str, Any] = row.model_dump()
        writer.writerow([csv_cell(data[f]) for f in fields])
    return out.getvalue()

"""The terminal rendering: rich panels and tables, sparklines for the daily series.

Every untrusted string goes through :func:`terminal_text` (rich markup escaped, control
characters dropped) or is passed as a :class:`rich.text.Text`, which is never parsed as
markup. Only http(s) post links become terminal hyperlinks.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from xpulse.analytics.document import Report
from xpulse.analytics.figures import PostEntry
from xpulse.render import fmt
from xpulse.render.charts import WEEKDAYS
from xpulse.render.detail import TITLE as DETAIL_TITLE
from xpulse.render.detail import detail_lines
from xpulse.render.escape import one_line, truncate
from xpulse.render.history import history_sections
from xpulse.render.sparkline import sparkline
from xpulse.render.view import (
    HAPPENED_TITLE,
    as_report,
    cost_text,
    formula_lines,
    happened_rows,
    heat_cells,
    interval_text,
    link_for,
    local_time,
    no_posts_text,
    period_text,
    post_label,
    previous_text,
    slot_text,
    summary_rows,
    times,
    title,
)


def _plain(value: str, style: str = "") -> Text:
    """Untrusted text as a Text object: rich never interprets it as markup."""
    return Text(one_line(value), style=style)


def _summary(report: Report) -> Table:
    table = Table(title="This period against the previous one", title_justify="left")
    table.add_column("")
    table.add_column(_plain(report.period.label), justify="right")
    table.add_column(_plain(report.previous.period.label), justify="right")
    table.add_column("Change", justify="right")
    for row in summary_rows(report):
        style = "green" if row.change.startswith("+") else "red" if row.change[:1] == "-" else ""
        table.add_row(row.label, row.current, row.previous, Text(row.change, style=style))
    return table


def _daily(report: Report) -> Table:
    table = Table(title="Daily, by the day posts were published", title_justify="left")
    table.add_column("Series")
    table.add_column("Trend")
    table.add_column("Total", justify="right")
    table.add_column("Peak day", justify="right")
    series = (
        ("Posts", [d.posts for d in report.daily]),
        ("Impressions", [d.impressions for d in report.daily]),
        ("Engagements", [d.engagements for d in report.daily]),
    )
    for name, values in series:
        peak = max(range(len(values)), key=lambda i: values[i], default=None)
        peak_text = (
            fmt.NA
            if peak is None or values[peak] == 0
            else f"{report.daily[peak].date.strftime('%a %d')}: {fmt.count(values[peak])}"
        )
        table.add_row(
            name, Text(sparkline(values), style="cyan"), fmt.count(sum(values)), peak_text
        )
    if report.daily:
        first, last = report.daily[0].date, report.daily[-1].date
        table.caption = (
            f"{first.strftime('%a %d %b')} → {last.strftime('%a %d %b')}, one block a day"
        )
    return table


def _happened(report: Report) -> Table | None:
    rows = happened_rows(report)
    if not rows or report.daily_happened is None:
        return None
    table = Table(title=HAPPENED_TITLE, title_justify="left")
    table.add_column("Day")
    table.add_column("Impressions", justify="right")
    table.add_column("Engagements", justify="right")
    table.add_column("Note")
    for row in rows:
        table.add_row(row.day, row.impressions, row.engagements, _plain(row.note))
    table.caption = _plain(f"Method: {report.daily_happened.method}")
    return table


def _post_cell(post: PostEntry, username: str | None) -> Text:
    text = _plain(post_label(post, 70))
    url = link_for(post, username)
    if url:
        text.stylize(f"link {url}")
    return text


def _top(report: Report, posts: list[PostEntry], heading: str) -> RenderableType:
    if not posts:
        return Text(f"{heading}: none.", style="dim")
    table = Table(title=heading, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Post", overflow="fold", ratio=1)
    table.add_column("Type")
    table.add_column("Posted", no_wrap=True)
    table.add_column("Impr.", justify="right")
    table.add_column("Eng.", justify="right")
    table.add_column("Rate", justify="right")
    for i, post in enumerate(posts, 1):
        table.add_row(
            str(i),
            _post_cell(post, report.account.username),
            _plain(post.content_type),
            local_time(post.created_local),
            fmt.count(post.impressions),
            fmt.count(post.engagements),
            fmt.percent(post.engagement_rate),
        )
    return table


def _best_time(report: Report) -> RenderableType:
    bt = report.best_time
    head = (
        f"Best time to post ({bt.lookback_days}-day look-back, {bt.posts} posts, "
        f"{report.period.tz})"
    )
    if not bt.best_slots:
        return Text(
            f"{head}: no slot has {bt.min_posts} or more posts yet, so none is ranked.",
            style="dim",
        )
    table = Table(title=head, title_justify="left")
    table.add_column("Rank", justify="right")
    table.add_column("Slot")
    table.add_column("Posts", justify="right")
    table.add_column("Score", justify="right")
    table.add_column("Mean rate", justify="right")
    for slot in bt.best_slots:
        table.add_row(
            str(slot.rank),
            slot_text(slot.weekday, slot.hour),
            str(slot.posts),
            fmt.number(slot.score),
            fmt.percent(slot.mean_post_rate),
        )
    return Group(table, _grid(report), _plain(f"Method: {bt.method}", "dim"))


SHADES = " ░▒▓█"


def _grid(report: Report) -> Text:
    """A weekday x hour map: shade by score (darker is better), ``·`` set aside, digits
    for the ranked slots. Shades split the scored cells' range in four equal steps."""
    cells = heat_cells(report)
    scores = [c.value for row in cells for c in row if c.value is not None and not c.set_aside]
    low, high = min(scores, default=0.0), max(scores, default=0.0)
    out = Text("     " + "".join(f"{h:<3d}" for h in range(0, 24, 3)).rstrip() + "\n")
    for day, row in enumerate(cells):
        out.append(f"{WEEKDAYS[day]}  ")
        for cell in row:
            if cell.rank is not None and cell.rank < 10:
                out.append(str(cell.rank), style="bold reverse")
            elif cell.posts == 0:
                out.append(" ")
            elif cell.set_aside or cell.value is None:
                out.append("·", style="dim")
            else:
                share = 1.0 if high <= low else (cell.value - low) / (high - low)
                out.append(SHADES[1 + min(3, int(share * 4))], style="blue")
        out.append("\n")
    out.append("digits: ranked best slots · dot: too few posts · darker: higher score", "dim")
    return out


def _content_types(report: Report) -> RenderableType:
    ct = report.content_types
    shown = [t for t in ct.types if t.posts > 0]
    head = f"Content types ({ct.window} window)"
    if not shown:
        return Text(f"{head}: no posts.", style="dim")
    table = Table(title=head, title_justify="left")
    for name in ("Type", "Posts", "Impressions", "Rate", "Interval"):
        table.add_column(name, justify="left" if name == "Type" else "right")
    for t in shown:
        table.add_row(
            _plain(t.content_type),
            fmt.count(t.posts),
            fmt.count(t.impressions),
            fmt.percent(t.engagement_rate),
            interval_text(t),
        )
    method = f"Method: {ct.method}"
    return Group(table, _plain(method, "dim"))


def _spikes(report: Report) -> RenderableType:
    sp = report.spikes
    if not sp.posts:
        return Text(
            f"Spikes: none found among {sp.checked} posts checked"
            + (f" ({sp.unchecked} with too little history to judge)." if sp.unchecked else "."),
            style="dim",
        )
    table = Table(title="Spikes: far above the usual for their age", title_justify="left")
    for name in ("Post", "Age", "Impressions", "Usual", "× usual"):
        table.add_column(name, justify="left" if name == "Post" else "right")
    for spike in sp.posts:
        table.add_row(
            _plain(truncate(spike.text, 120) or spike.post_id),
            f"{spike.age_hours:.0f} h",
            fmt.count(spike.impressions),
            fmt.count(spike.usual_impressions),
            times(spike.ratio),
        )
    return Group(table, _plain(f"Method: {sp.method}", "dim"))


def _lifecycle(report: Report) -> Text:
    lc = report.lifecycle
    parts = [
        f"{p.label}: {fmt.percent(None if p.share_median is None else p.share_median * 100, 0)}"
        for p in lc.checkpoints
    ]
    line = f"Lifecycle (median share of impressions, {lc.eligible_posts} posts): " + ", ".join(
        parts
    )
    return Text(line + (f"\n  {lc.status}" if lc.status else ""))


def renderables(document: Report | Mapping[str, Any]) -> list[RenderableType]:
    """The report as rich renderables, top to bottom."""
    report = as_report(document)
    header = Group(
        Text(period_text(report)),
        Text(f"Compared with {previous_text(report)}", style="dim"),
    )
    out: list[RenderableType] = [
        Panel(header, title=_plain(title(report), "bold"), title_align="left", expand=False),
    ]
    if report.totals.posts == 0:
        out.append(Text(no_posts_text(report), style="bold yellow"))
    out.append(_summary(report))
    out.append(Text("\n".join(formula_lines(report)), style="dim"))
    if report.totals.posts:
        out.append(_daily(report))
    happened = _happened(report)
    if happened is not None:
        out.append(happened)
    if report.totals.posts:
        top = report.top_posts
        out.append(_top(report, top.by_engagements, "Top posts by engagements"))
        floor = fmt.count(top.min_impressions)
        out.append(
            _top(
                report,
                top.by_engagement_rate,
                f"Top posts by engagement rate (at least {floor} impressions)",
            )
        )
        out.append(_content_types(report))
        out.append(_spikes(report))
    out.append(_best_time(report))
    out.append(_lifecycle(report))
    out.append(Text(cost_text(report)))
    if report.detail is not None:
        # One Text per line: _plain flattens line breaks (untrusted text stays on its line).
        lines = [
            _plain(DETAIL_TITLE, "bold"),
            *(Text("  ") + _plain(x) for x in detail_lines(report.detail)),
        ]
        out.append(Text("\n").join(lines))
    for heading, body in history_sections(report):
        section = [_plain(heading, "bold"), *(Text("  ") + _plain(x) for x in body)]
        out.append(Text("\n").join(section))
    for note in report.notes:
        out.append(_plain(f"Note: {note}", "dim"))
    return out


def print_report(document: Report | Mapping[str, Any], console: Console) -> None:
    for item in renderables(document):
        console.print(item)
        console.print()


def render_text(document: Report | Mapping[str, Any], width: int = 100, color: bool = False) -> str:
    """The terminal rendering as a string (plain text unless ``color``)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system="truecolor" if color else None,
        force_terminal=color,
        legacy_windows=False,
        emoji=False,
        highlight=False,
    )
    print_report(document, console)
    return buffer.getvalue()

"""The Slack rendering: a Block Kit message built from the one report document.

Slack's mrkdwn turns ``<…>`` into mentions (``<!channel>``, ``<@U123>``) and links
(``<http://evil|x.com>``), so every piece of untrusted text (post text, names, URLs) has
``&``, ``<`` and ``>`` escaped, and is cut on whole characters *after* escaping, so a cut
never lands inside an entity. The only ``<…|…>`` links are ones built here from http(s) URLs.
Every payload is checked with slack_sdk's Block Kit models (:func:`validate_payload`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from xpulse.analytics.detail import MetricsDetail
from xpulse.analytics.document import Report
from xpulse.render import fmt
from xpulse.render.detail import TITLE as DETAIL_TITLE
from xpulse.render.detail import detail_lines
from xpulse.render.escape import one_line, post_url, safe_url
from xpulse.render.history import history_sections
from xpulse.render.sparkline import sparkline
from xpulse.render.view import (
    BY_POSTING_DAY,
    WEEKDAY_NAMES,
    as_report,
    cost_text,
    link_for,
    no_posts_text,
    period_text,
    points,
    title,
)

Severity = Literal["info", "warning", "critical"]

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks); slack_sdk checks
# some of them, the rest are checked in validate_payload.
HEADER_MAX: Final = 150
SECTION_TEXT_MAX: Final = 3000
FIELD_MAX: Final = 2000
FIELDS_MAX: Final = 10
CONTEXT_TEXT_MAX: Final = 2000
CONTEXT_ELEMENTS_MAX: Final = 10
BLOCKS_MAX: Final = 50
FALLBACK_MAX: Final = 3000
POST_QUOTE_MAX: Final = 600
DETAIL_LINE_MAX: Final = 400
DETAIL_VIDEOS: Final = 3
ALLOWED_BLOCKS: Final = frozenset({"header", "section", "context", "divider"})
ELLIPSIS: Final = "…"

_ICONS: Final[dict[str, str]] = {
    "info": ":information_source:",
    "warning": ":warning:",
    "critical": ":rotating_light:",
}
_ENTITIES: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def mrkdwn(text: str, limit: int | None = None) -> str:
    """``text`` on one line, escaped for Slack mrkdwn and cut to ``limit`` characters.

    The cut is counted on the escaped form and falls between whole characters, so
    ``&lt;`` is never split into a stray ``&l``.
    """
    pieces = [_ENTITIES.get(ch, ch) for ch in one_line(text)]
    whole = "".join(pieces)
    if limit is None or len(whole) <= limit:
        return whole
    out: list[str] = []
    used = 0
    for piece in pieces:
        if used + len(piece) > limit - len(ELLIPSIS):
            break
        out.append(piece)
        used += len(piece)
    return "".join(out).rstrip() + ELLIPSIS


def plain(text: str, limit: int) -> str:
    """Plain text (headers, fallback): one line, escaped like mrkdwn, cut safely."""
    return mrkdwn(text, limit)


def link(url: str | None, label: str, limit: int = 300) -> str:
    """``<url|label>`` when ``url`` is http(s), else the escaped label alone."""
    text = mrkdwn(label, limit)
    safe = safe_url(url)
    if safe is None:
        return text
    # In a Slack link the URL ends at '|' or '>': percent-encode them, escape '&' and '<'.
    dest = safe.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{dest}|{text}>"


def _who(report: Report) -> str:
    return title(report).rsplit(" · ", 1)[0]


def _field(label: str, value: str, change: str, previous_label: str) -> dict[str, Any]:
    text = f"*{label}*\n{value}  ({change} vs {mrkdwn(previous_label, 60)})"
    return {"type": "mrkdwn", "text": text}


def _fields(report: Report) -> list[dict[str, Any]]:
    cur, change = report.totals, report.previous.change
    prev_label = report.previous.period.label
    fields = [
        _field(
            "Impressions", fmt.count(cur.impressions), fmt.change(change.impressions), prev_label
        ),
        _field(
            "Engagements", fmt.count(cur.engagements), fmt.change(change.engagements), prev_label
        ),
        _field(
            "Engagement rate",
            fmt.percent(cur.engagement_rate),
            points(change.engagement_rate_points),
            prev_label,
        ),
        _field("Posts", fmt.count(cur.posts), fmt.change(change.posts), prev_label),
    ]
    if cur.x_engagement_rate is not None:
        fields.append(
            _field(
                "X engagement rate",
                fmt.percent(cur.x_engagement_rate),
                fmt.change(change.x_engagement_rate),
                prev_label,
            )
        )
    return fields


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(*texts: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": t} for t in texts],
    }


def _top_post(report: Report) -> dict[str, Any] | None:
    if not report.top_posts.by_engagements:
        return None
    post = report.top_posts.by_engagements[0]
    head = (
        f"*Top post* · {fmt.count(post.engagements)} engagements · "
        f"{fmt.count(post.impressions)} impressions · {fmt.percent(post.engagement_rate)}"
    )
    quote = mrkdwn(post.text, POST_QUOTE_MAX) or f"post {mrkdwn(post.id, 40)}"
    url = link_for(post, report.account.username)
    lines = [head, f">{quote}"]
    if url:
        lines.append(link(url, "View on X"))
    return _section("\n".join(lines))


def _daily(report: Report) -> dict[str, Any] | None:
    days = report.daily
    if not days:
        return None
    first, last = days[0].date, days[-1].date
    peak = max(days, key=lambda d: d.impressions)
    text = (
        f"*Daily, {BY_POSTING_DAY}* ({first:%a %d %b} – {last:%a %d %b})\n"
        f"Impressions `{sparkline([d.impressions for d in days])}`\n"
        f"Engagements `{sparkline([d.engagements for d in days])}`\n"
        f"Peak: {peak.date:%a %d %b}, {fmt.count(peak.impressions)} impressions"
    )
    return _section(text)


def _content_types(report: Report) -> str:
    types = [t for t in report.content_types.types if t.posts > 0]
    if not types:
        return "*Content types*: no posts."
    ranked = sorted((t for t in types if t.rank is not None), key=lambda t: t.rank or 0)
    parts = [
        f"{mrkdwn(t.content_type, 20)} {fmt.percent(t.engagement_rate)} ({t.posts} posts)"
        for t in ranked
    ]
    few = [f"{mrkdwn(t.content_type, 20)} ({t.posts})" for t in types if t.rank is None]
    if few:
        minimum = report.content_types.min_posts
        parts.append(f"too few posts to rank (under {minimum}): " + ", ".join(few))
    return "*Content types* (engagement rate): " + " · ".join(parts)


def _best_time(report: Report) -> str:
    bt = report.best_time
    zone = mrkdwn(report.period.tz, 60)
    head = f"*Best time to post* ({bt.lookback_days}-day look-back, {zone} time)"
    if not bt.best_slots:
        return f"{head}: no slot has {bt.min_posts} or more posts yet."
    slots = [
        f"{s.rank}. {WEEKDAY_NAMES[s.weekday]} {s.hour:02d}:00 "
        f"(score {fmt.number(s.score)}, {s.posts} posts)"
        for s in bt.best_slots[:3]
    ]
    return f"{head}: " + " · ".join(slots)


def _spikes(report: Report) -> str | None:
    spikes = report.spikes.posts[:3]
    if not spikes:
        return None
    items = []
    for s in spikes:
        url = post_url(s.post_id, report.account.username) or safe_url(s.url)
        label = one_line(s.text)[:80] or f"post {s.post_id}"
        ratio = "n/a" if s.ratio is None else f"{s.ratio:.1f}×"
        items.append(
            f"• {link(url, label, 200)} — {fmt.count(s.impressions)} impressions, {ratio} usual"
        )
    return "*Taking off*\n" + "\n".join(items)


def _has_private_data(detail: MetricsDetail) -> bool:
    """Whether the detail holds anything the public counts above do not already say."""
    return bool(
        detail.organic_promoted
        or detail.clicks
        or detail.video_retention
        or detail.daily_series
        or detail.engagement.basis == "x_engagements"
    )


def _detail(report: Report) -> str | None:
    """The detail section as a few bullet lines, each escaped and cut on its own."""
    detail = report.detail
    if detail is None or not _has_private_data(detail):
        return None
    lines = [mrkdwn(x, DETAIL_LINE_MAX) for x in detail_lines(detail, DETAIL_VIDEOS)]
    return f"*{DETAIL_TITLE}*\n" + "\n".join(f"• {x}" for x in lines if x)


def _history(report: Report) -> list[str]:
    """Followers, competitors and figure sources: one section each, every line escaped."""
    return [
        f"*{heading}*\n" + "\n".join(f"• {mrkdwn(x, DETAIL_LINE_MAX)}" for x in body)
        for heading, body in history_sections(report)
    ]


def report_payload(document: Report | Mapping[str, Any]) -> dict[str, Any]:
    """The Block Kit message (incoming-webhook body) for one report."""
    report = as_report(document)
    heading = f"X report · {_who(report)} · {report.period.label}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": plain(heading, HEADER_MAX)}},
        _context(
            f"{mrkdwn(period_text(report), 400)} · compared with "
            f"{mrkdwn(report.previous.period.label, 60)}"
        ),
        {"type": "section", "fields": _fields(report)},
    ]
    if report.totals.posts == 0:
        blocks.append(_section(f"*{mrkdwn(no_posts_text(report), 300)}*"))
    for block in (_top_post(report), _daily(report) if report.totals.posts else None):
        if block is not None:
            blocks.append(block)
    blocks.append({"type": "divider"})
    lines = [_content_types(report), _best_time(report)]
    spikes = _spikes(report)
    if spikes:
        lines.append(spikes)
    detail = _detail(report)
    if detail:
        lines.append(detail)
    lines.extend(_history(report))
    blocks.extend(_section(_cut_lines(line, SECTION_TEXT_MAX)) for line in lines)
    blocks.append(
        _context(mrkdwn(cost_text(report), 400), mrkdwn(report.formulas.engagement_rate, 400))
    )
    cur = report.totals
    fallback = (
        f"{heading}: {fmt.count(cur.impressions)} impressions "
        f"({fmt.change(report.previous.change.impressions)}), "
        f"{fmt.count(cur.engagements)} engagements, rate {fmt.percent(cur.engagement_rate)}"
    )
    payload = {
        "text": plain(fallback, FALLBACK_MAX),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }
    validate_payload(payload)
    return payload


def alert_payload(
    alert_title: str, lines: Sequence[str], severity: Severity = "warning"
) -> dict[str, Any]:
    """A short alert message; title and lines are treated as untrusted text."""
    if severity not in _ICONS:
        raise ValueError(f"unknown severity {severity!r} (use info, warning or critical)")
    icon = _ICONS[severity]
    heading = plain(alert_title, HEADER_MAX - len(icon) - 1) or "xpulse alert"
    body = "\n".join(mrkdwn(line, 500) for line in lines if line.strip())
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"{icon} {heading}"}}
    ]
    if body:
        blocks.append(_section(_cut_lines(body, SECTION_TEXT_MAX)))
    blocks.append(_context(f"xpulse alert · severity: {severity}"))
    payload = {"text": plain(f"xpulse {severity}: {alert_title}", FALLBACK_MAX), "blocks": blocks}
    validate_payload(payload)
    return payload


def _cut_lines(text: str, limit: int) -> str:
    """Whole lines up to ``limit`` characters (each line is already escaped and short)."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        if used + len(line) + 1 > limit - len(ELLIPSIS) - 1:
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join([*kept, ELLIPSIS])


_MENTION_OR_LINK = re.compile(r"<([^<>]*)>")


def validate_payload(payload: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` unless every block parses and validates with slack_sdk's models
    and stays within Block Kit's text limits; only our known block types are allowed."""
    from slack_sdk.errors import SlackObjectFormationError
    from slack_sdk.models.blocks import Block

    blocks = payload.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        raise ValueError("a Slack payload needs a non-empty list of blocks")
    if len(blocks) > BLOCKS_MAX:
        raise ValueError(f"{len(blocks)} blocks; Slack allows {BLOCKS_MAX}")
    text = payload.get("text")
    if not isinstance(text, str) or not text or len(text) > FALLBACK_MAX:
        raise ValueError(f"the fallback text must be 1 to {FALLBACK_MAX} characters")
    for i, raw in enumerate(blocks):
        kind = raw.get("type") if isinstance(raw, dict) else None
        if kind not in ALLOWED_BLOCKS:
            raise ValueError(f"block {i}: type {kind!r} is not one xpulse sends")
        try:
            block = Block.parse(raw)
            if block is None:
                raise ValueError(f"block {i}: slack_sdk does not know type {kind!r}")
            block.validate_json()
            parsed = block.to_dict()
        except (SlackObjectFormationError, TypeError, KeyError, AttributeError) as e:
            raise ValueError(f"block {i} ({kind}): {e}") from None
        if parsed != raw:
            # slack_sdk drops what it does not know (with a debug log only): an unknown key,
            # a malformed text object. What it would not send as given is not valid.
            unknown = sorted(set(raw) - set(parsed)) or ["a nested value"]
            raise ValueError(f"block {i} ({kind}): slack_sdk does not accept {', '.join(unknown)}")
        _check_limits(i, raw)


def _texts(raw: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    kind = raw["type"]
    out: list[tuple[str, str, int]] = []
    if kind == "header":
        out.append(("text", raw["text"]["text"], HEADER_MAX))
    elif kind == "section":
        if raw.get("text"):
            out.append(("text", raw["text"]["text"], SECTION_TEXT_MAX))
        out.extend(("field", f["text"], FIELD_MAX) for f in raw.get("fields") or [])
    elif kind == "context":
        out.extend(("element", e["text"], CONTEXT_TEXT_MAX) for e in raw.get("elements") or [])
    return out


def _check_limits(i: int, raw: Mapping[str, Any]) -> None:
    kind = raw["type"]
    if kind == "section" and len(raw.get("fields") or []) > FIELDS_MAX:
        raise ValueError(f"block {i}: more than {FIELDS_MAX} fields")
    if kind == "context" and len(raw.get("elements") or []) > CONTEXT_ELEMENTS_MAX:
        raise ValueError(f"block {i}: more than {CONTEXT_ELEMENTS_MAX} elements")
    for where, text, limit in _texts(raw):
        if not text or len(text) > limit:
            raise ValueError(f"block {i} ({kind}) {where}: {len(text)} characters, limit {limit}")
        for inner in _MENTION_OR_LINK.findall(text):
            # Only http(s) links may appear; a mention or a special command never does.
            if not re.fullmatch(r"https?://[^|\s]+\|.*", inner):
                raise ValueError(f"block {i} ({kind}): unexpected <{inner[:30]}> sequence")

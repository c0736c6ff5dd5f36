"""The email rendering: one MIME message from the one report document.

    multipart/alternative
    ├── text/plain            the plain terminal rendering (tables drawn with box characters)
    └── multipart/related
        ├── text/html         the HTML rendering's content, charts as <img src="cid:…">
        ├── image/png         daily impressions and engagements   (Content-ID, inline)
        └── image/png         engagement rate by content type     (Content-ID, inline)

The images are drawn by vl-convert from the same Vega-Lite specs the pages draw.

Mail clients do not show inline SVG reliably and many block ``data:`` images, so the charts
are PNG parts of the message itself; the HTML references nothing outside the message.
Headers are built from validated addresses and a one-line subject, so a name or a subject
holding CR/LF cannot add a header.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from typing import Any, Final

from xpulse.analytics.document import Report
from xpulse.render import vega
from xpulse.render.charts import Chart
from xpulse.render.escape import one_line
from xpulse.render.html import environment, template_context
from xpulse.render.terminal import render_text
from xpulse.render.view import as_report, shown_charts, title

TEXT_WIDTH: Final = 88
MSGID_DOMAIN: Final = "xpulse.local"
SUBJECT_MAX: Final = 200


def _address(value: str) -> Address:
    """One address as a header value. The config checked the address is plausible
    (:func:`xpulse.config.delivery.check_address`); what a header needs is checked here:
    no line break (header injection) and one address, not several."""
    if any(ch in value for ch in "\r\n\x00"):
        raise ValueError(f"{one_line(value)[:60]!r} contains a line break")
    if len(getaddresses([value])) != 1:
        raise ValueError(f"{value[:60]!r} is not one email address")
    name, addr = parseaddr(value.strip())
    local, sep, domain = addr.rpartition("@")
    if not sep or not local or not domain:
        raise ValueError(f"{value[:60]!r} is not a valid email address (like name@example.com)")
    return Address(display_name=one_line(name), username=local, domain=domain)


def default_subject(report: Report) -> str:
    """``X report · @brand · 2026-W21``."""
    return f"X report · {title(report)}"


def _subject(text: str) -> str:
    flat = one_line(text)
    return flat if len(flat) <= SUBJECT_MAX else flat[: SUBJECT_MAX - 1] + "…"


def _plain_text(report: Report) -> str:
    text = render_text(report, width=TEXT_WIDTH, color=False)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _cid(name: str) -> str:
    """A short Content-ID (no header folding), unique per message."""
    return f"{name}.{secrets.token_hex(8)}@{MSGID_DOMAIN}"


# Email clients show about 600 px; the images fit inside the body's padding.
IMAGE_WIDTH: Final = 560


def _images(report: Report) -> dict[str, dict[str, Any]]:
    """The chart PNGs (the page's own specs, drawn by vl-convert), each with a fresh
    Content-ID and its text alternative."""
    found = shown_charts(report)
    return {
        key: {
            "cid": _cid(name),
            "png": vega.png(found[key], IMAGE_WIDTH),
            "alt": _alt(found[key]),
            "width": IMAGE_WIDTH,
            "filename": f"{name}.png",
        }
        for key, name in (("daily", "daily"), ("content", "content-types"))
        if key in found
    }


def _alt(chart: Chart) -> str:
    """The image's text: its title first (what the figures are counted by), then its figures."""
    if chart.description.startswith(chart.title):
        return chart.description
    return f"{chart.title}. {chart.description}"


def render_email_html(report: Report, images: Mapping[str, Mapping[str, Any]]) -> str:
    """The HTML part: the HTML rendering's content with the charts as ``cid:`` images."""
    context = template_context(report)
    bt = report.best_time
    context["best_time"]["intro"] = (
        f"Look-back {bt.lookback_days} days ({bt.window_start:%d %b %Y} – "
        f"{bt.window_end:%d %b %Y}), {bt.posts} posts, local time. Slots with fewer than "
        f"{bt.min_posts} posts are set aside."
    )
    context["images"] = images
    return environment().get_template("report_email.html.j2").render(context)


def report_message(
    document: Report | Mapping[str, Any],
    *,
    sender: str,
    recipients: Sequence[str],
    subject: str | None = None,
) -> EmailMessage:
    """The report as a ready-to-send message (``ValueError`` for a bad address)."""
    report = as_report(document)
    if isinstance(recipients, str):
        recipients = [recipients]
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    msg = EmailMessage()
    msg["Subject"] = _subject(subject if subject is not None else default_subject(report))
    msg["From"] = _address(sender)
    msg["To"] = [_address(r) for r in recipients]
    msg["Date"] = formatdate(report.generated_at.timestamp(), usegmt=True)
    msg["Message-ID"] = make_msgid("report", domain=MSGID_DOMAIN)
    msg["X-Xpulse-Period"] = one_line(f"{report.account.name} {report.period.label}")
    msg.set_content(_plain_text(report), subtype="plain", charset="utf-8")
    images = _images(report)
    msg.add_alternative(render_email_html(report, images), subtype="html", charset="utf-8")
    html_part = msg.get_body(preferencelist=("html",))
    if not isinstance(html_part, EmailMessage):  # pragma: no cover - added just above
        raise TypeError("the HTML part is missing")
    for image in images.values():
        html_part.add_related(
            image["png"],
            maintype="image",
            subtype="png",
            cid=f"<{image['cid']}>",
            disposition="inline",
            filename=image["filename"],
        )
    return msg


def alert_message(
    alert_title: str,
    lines: Sequence[str],
    severity: str = "warning",
    *,
    sender: str,
    recipients: Sequence[str],
) -> EmailMessage:
    """A short plain-text alert (budget, spike, sign-in needed, failed run) for email."""
    if isinstance(recipients, str):
        recipients = [recipients]
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    msg = EmailMessage()
    msg["Subject"] = _subject(f"[xpulse {one_line(severity)}] {alert_title}")
    msg["From"] = _address(sender)
    msg["To"] = [_address(r) for r in recipients]
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid("alert", domain=MSGID_DOMAIN)
    body = [one_line(alert_title), "", *(one_line(line) for line in lines if line.strip())]
    msg.set_content("\n".join(body) + "\n", subtype="plain", charset="utf-8")
    return msg

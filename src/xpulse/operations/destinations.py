"""The four kinds of destination, one object each: ``send``, ``describe`` and ``check``.

Each object is one account's destination with its secrets resolved
(:mod:`xpulse.operations.targets` makes them). ``send`` renders what its transport moves
(a Block Kit payload, a MIME message, the files of each format, spreadsheet rows), keeps
it in the outbox where a resend must find the very same bytes, and hands it to
:mod:`xpulse.deliver`. ``describe`` says where it sends, without a secret (``--dry-run``,
``config check``). ``check`` makes sure a send could work, sending nothing: the files
folder can be made, and with ``network`` Slack's host answers, the SMTP server accepts the
login, the spreadsheet is reachable. A problem is an :class:`~xpulse.errors.XpulseError`
whose message starts with the kind's name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from xpulse.analytics.document import Report
from xpulse.api import redact
from xpulse.config.delivery import (
    FILE_SUFFIXES,
    DestinationName,
    EmailConfig,
    FilesConfig,
    SheetsConfig,
)
from xpulse.deliver.files import FilesDestination, Period
from xpulse.deliver.smtp import SmtpDestination
from xpulse.errors import DeliveryError
from xpulse.operations.outbox import Outbox, Transports

if TYPE_CHECKING:  # Google's client loads only when a spreadsheet is written
    from xpulse.deliver.sheets import Cell, SheetsDestination, Worksheet
    from xpulse.render.slack import Severity

log = logging.getLogger(__name__)


class AlertChannel(Protocol):
    """A destination alerts can go to (``[delivery.alerts] channel``)."""

    name: ClassVar[DestinationName]

    def alert(
        self, title: str, lines: Sequence[str], severity: Severity, transports: Transports
    ) -> None:
        """Send one alert, rendered for this kind."""
        ...


class Destination(Protocol):
    """What the run, the dry run and the config check need of any destination."""

    name: ClassVar[DestinationName]

    def send(self, report: Report, outbox: Outbox, transports: Transports) -> list[str]:
        """Deliver ``report``; the files written or sent. Raises DeliveryError."""
        ...

    def describe(self, report: Report | None) -> str:
        """Where it sends (the report's own files when given), without a secret."""
        ...

    def check(self, transports: Transports, *, network: bool) -> str | None:
        """What was found usable, or None when nothing can be checked offline."""
        ...


@dataclass(frozen=True)
class SlackTarget:
    """An incoming webhook: the report's Block Kit payload, kept in the outbox."""

    name: ClassVar[DestinationName] = "slack"
    webhook_url: str = field(repr=False)  # its path is the secret
    where: str  # the URL without its secret path

    def post(self, payload: dict[str, Any], transports: Transports) -> None:
        """Post a rendered payload, once it passes the Block Kit checks Slack applies."""
        from xpulse.deliver.slack import SlackDestination
        from xpulse.render.slack import validate_payload

        try:
            validate_payload(payload)
        except ValueError as e:
            raise DeliveryError(
                self.name, f"payload not sent, it is invalid: {e}", retryable=False
            ) from None
        SlackDestination(
            self.webhook_url, sleep=transports.sleep, timeout=transports.slack_timeout
        ).send(payload)

    def alert(
        self, title: str, lines: Sequence[str], severity: Severity, transports: Transports
    ) -> None:
        from xpulse.render.slack import alert_payload

        self.post(alert_payload(title, list(lines), severity), transports)

    def send(self, report: Report, outbox: Outbox, transports: Transports) -> list[str]:
        payload, path = outbox.slack_payload(report)
        self.post(payload, transports)
        return [str(path)]

    def describe(self, report: Report | None) -> str:
        return f"slack {self.where}"

    def check(self, transports: Transports, *, network: bool) -> str | None:
        if network:
            from xpulse.deliver.slack import check_reachable

            try:
                check_reachable(self.webhook_url)
            except ValueError as exc:
                raise DeliveryError(
                    self.name, f"{self.where}: {exc}; check the network or the webhook URL"
                ) from None
        return self.describe(None)


@dataclass(frozen=True)
class EmailTarget:
    """An SMTP server and its recipients: the report's MIME message, kept in the outbox."""

    name: ClassVar[DestinationName] = "email"
    config: EmailConfig
    password: str | None = field(repr=False)

    def smtp(self, transports: Transports) -> SmtpDestination:
        conf = self.config
        return SmtpDestination(
            host=conf.host,
            port=conf.effective_port,
            security=conf.security,
            username=conf.username,
            password=self.password,
            sender=conf.sender,
            recipients=conf.recipients,
            timeout=transports.smtp_timeout,
            ssl_context=transports.smtp_ssl_context,
        )

    def alert(
        self, title: str, lines: Sequence[str], severity: Severity, transports: Transports
    ) -> None:
        from xpulse.render.email import alert_message

        conf = self.config
        message = alert_message(
            title, lines, severity, sender=conf.sender, recipients=conf.recipients
        )
        self.smtp(transports).send(message)

    def send(self, report: Report, outbox: Outbox, transports: Transports) -> list[str]:
        message, path = outbox.email_message(report, self.config)
        self.smtp(transports).send(message)
        return [str(path)]

    def describe(self, report: Report | None) -> str:
        conf = self.config
        n = len(conf.recipients)
        return (
            f"email to {n} recipient{'s' if n != 1 else ''} via {conf.host}:{conf.effective_port}"
        )

    def check(self, transports: Transports, *, network: bool) -> str | None:
        if network:
            try:
                self.smtp(transports).check()
            except DeliveryError as exc:
                raise DeliveryError(
                    self.name,
                    f"{str(exc).removeprefix('email: ')}; fix [delivery.email] or the password",
                ) from None
        return self.describe(None)


@dataclass(frozen=True)
class FilesTarget:
    """A folder: each configured format of the report, dated, with the archive's index."""

    name: ClassVar[DestinationName] = "files"
    config: FilesConfig

    def destination(self) -> FilesDestination:
        from xpulse.render.archive_index import archive_index_html

        return FilesDestination(self.config.path(), archive_index_html)

    def _suffixes(self) -> dict[str, str]:
        return {f: FILE_SUFFIXES[f] for f in self.config.formats}

    def send(self, report: Report, outbox: Outbox, transports: Transports) -> list[str]:
        return [str(p) for p in self.write(report)]

    def write(self, report: Report) -> list[Path]:
        """Render every configured format and write them with the archive's index."""
        from xpulse.render import render_file

        files = {
            f: (suffix, render_file(report, f))  # type: ignore[arg-type]
            for f, suffix in self._suffixes().items()
        }
        account = report.account
        period = Period(account.name, account.username, report.period.label, files, _entry(report))
        return self.destination().send(period)

    def describe(self, report: Report | None) -> str:
        files = self.destination()
        if report is None:
            return f"files {', '.join(self.config.formats)} in {files.folder}"
        paths = files.paths_for(report.account.name, report.period.label, self._suffixes())
        return "files " + ", ".join(str(p) for p in paths.values())

    def check(self, transports: Transports, *, network: bool) -> str | None:
        problem = _unwritable(self.config.path())
        if problem:
            raise DeliveryError(self.name, problem, retryable=False)
        return self.describe(None)


@dataclass(frozen=True)
class SheetsTarget:
    """A Google spreadsheet: the period's summary row and posts, updated in place."""

    name: ClassVar[DestinationName] = "sheets"
    config: SheetsConfig
    key_file: Path  # read when sending: a file made unreadable fails that send alone

    def destination(self, transports: Transports) -> SheetsDestination:
        from xpulse.deliver.sheets import SheetsDestination

        conf = self.config
        return SheetsDestination(
            conf.spreadsheet_id,
            self.key_file,
            report_worksheets(conf.weekly_worksheet, conf.posts_worksheet),
            api_base_url=conf.api_base_url,
            token_url=conf.token_url,
            sleep=transports.sleep,
            remember=redact.remember,
        )

    def send(self, report: Report, outbox: Outbox, transports: Transports) -> list[str]:
        return [self.write(report, transports)]

    def write(self, report: Report, transports: Transports) -> str:
        """The report's rows into the spreadsheet; its URL."""
        url = self.destination(transports).send(report_rows(report))
        log.info("sheets: wrote %s %s", report.account.name, report.period.label)
        return url

    def describe(self, report: Report | None) -> str:
        sheet = self.config
        return (
            f"sheets spreadsheet {sheet.spreadsheet_id} (worksheets "
            f"{sheet.weekly_worksheet!r}, {sheet.posts_worksheet!r})"
        )

    def check(self, transports: Transports, *, network: bool) -> str | None:
        if not network:  # everything worth knowing is on Google's side
            return None
        dest = self.destination(transports)
        dest.retries = 0  # one try, no backoff: a checklist answers now
        return dest.check()


def report_worksheets(weekly_title: str, posts_title: str) -> tuple[Worksheet, Worksheet]:
    """The report's two worksheets: the period's summary row, the period's posts."""
    from xpulse.deliver.sheets import Worksheet
    from xpulse.render.sheet_rows import POST_COLUMNS, POST_KEY, WEEKLY_COLUMNS, WEEKLY_KEY

    return (
        Worksheet(
            "weekly",
            weekly_title,
            tuple(c.name for c in WEEKLY_COLUMNS),
            tuple(c.kind for c in WEEKLY_COLUMNS),
            WEEKLY_KEY,
        ),
        Worksheet(
            "posts",
            posts_title,
            tuple(c.name for c in POST_COLUMNS),
            tuple(c.kind for c in POST_COLUMNS),
            POST_KEY,
        ),
    )


def report_rows(report: Report) -> dict[str, list[list[Cell]]]:
    """The report as rows, by the role of the worksheet they go to."""
    from xpulse.render.sheet_rows import post_rows, weekly_row

    return {"weekly": [weekly_row(report)], "posts": post_rows(report)}


def _entry(report: Report) -> dict[str, Any]:
    """The period's line in the files archive's index."""
    period, totals = report.period, report.totals
    return {
        "label": period.label,
        "kind": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "tz": period.tz,
        "partial": period.partial,
        "generated_at": report.generated_at.isoformat(),
        "totals": {
            "posts": totals.posts,
            "impressions": totals.impressions,
            "engagements": totals.engagements,
            "engagement_rate": totals.engagement_rate,
        },
    }


def _unwritable(folder: Path) -> str | None:
    """Why a run could not write into ``folder`` (made on first use), or None."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot make the folder {folder}: {existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot write in {existing}: permission denied"
    return None

"""The outbox: each period's report and its renderings on disk before anything is sent.

    <data_dir>/outbox/<account>/<period>/report.json   the report document
                                         slack.json    the Block Kit payload
                                         email.eml     the MIME message

A delivery that fails leaves these files; the next run sends the very same bytes (same
figures, same Message-ID) instead of a report recomputed from newer data. The senders here
turn one destination plus the outbox into one send; they know nothing of the schedule.
"""

from __future__ import annotations

import email
import email.policy
import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xpulse.analytics.document import Report
from xpulse.config.delivery import AccountTargets, EmailConfig, SheetsTarget
from xpulse.config.paths import data_dir
from xpulse.deliver.files import FilesDestination, slug
from xpulse.deliver.slack import SlackDestination
from xpulse.deliver.smtp import SmtpDestination
from xpulse.fsutil import write_atomic

if TYPE_CHECKING:  # Google's client loads only when a spreadsheet is written
    from xpulse.deliver.sheets import SheetsDestination


@dataclass(frozen=True)
class Transports:
    """What the senders need from the outside world; tests and the demo replace parts."""

    sleep: Callable[[float], None] = time.sleep  # Slack's Retry-After waits
    smtp_ssl_context: ssl.SSLContext | None = None
    smtp_timeout: float = 30.0
    slack_timeout: float = 15.0


@dataclass
class Outbox:
    account: str
    period: str
    root: Path = field(default_factory=lambda: data_dir() / "outbox")

    @property
    def folder(self) -> Path:
        return self.root / slug(self.account) / slug(self.period)

    @property
    def report_path(self) -> Path:
        return self.folder / "report.json"

    def load(self) -> Report | None:
        """The report already rendered for this period, if a previous run left one."""
        try:
            data = json.loads(self.report_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        try:
            return Report.from_dict(data)
        except ValueError:
            return None  # an older document shape: render again

    def save(self, report: Report) -> Path:
        write_atomic(self.report_path, report.to_json() + "\n", make_parents=True)
        return self.report_path

    def slack_payload(self, report: Report) -> tuple[dict[str, Any], Path]:
        path = self.folder / "slack.json"
        try:
            payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return payload, path
        except (FileNotFoundError, ValueError):
            pass
        from xpulse.render.slack import report_payload

        payload = report_payload(report)
        write_atomic(path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return payload, path

    def email_message(self, report: Report, conf: EmailConfig) -> tuple[EmailMessage, Path]:
        path = self.folder / "email.eml"
        if path.exists():
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if isinstance(parsed, EmailMessage):
                return parsed, path
        from xpulse.render.email import report_message

        message = report_message(report, sender=conf.sender, recipients=conf.recipients)
        write_atomic(path, message.as_bytes(policy=email.policy.SMTP), make_parents=True)
        return message, path


def smtp_destination(conf: EmailConfig, transports: Transports) -> SmtpDestination:
    return SmtpDestination(
        host=conf.host,
        port=conf.effective_port,
        security=conf.security,
        username=conf.username,
        password_env=conf.password_env,
        sender=conf.sender,
        recipients=conf.recipients,
        timeout=transports.smtp_timeout,
        ssl_context=transports.smtp_ssl_context,
    )


def send_to(
    destination: str,
    targets: AccountTargets,
    report: Report,
    outbox: Outbox,
    transports: Transports,
) -> list[str]:
    """Send ``report`` to one destination; the files written or sent. Raises DeliveryError
    (or ValueError for a payload that cannot be rendered)."""
    if destination == "slack" and targets.slack is not None:
        payload, path = outbox.slack_payload(report)
        SlackDestination(
            targets.slack.webhook_url, sleep=transports.sleep, timeout=transports.slack_timeout
        ).send(payload)
        return [str(path)]
    if destination == "email" and targets.email is not None:
        message, path = outbox.email_message(report, targets.email.config)
        smtp_destination(targets.email.config, transports).send(message)
        return [str(path)]
    if destination == "files" and targets.files is not None:
        written = FilesDestination(targets.files.path(), targets.files.formats).send(report)
        return [str(p) for p in written]
    if destination == "sheets" and targets.sheets is not None:
        return [sheets_destination(targets.sheets, transports).send(report)]
    raise ValueError(f"{destination} is not configured for {targets.account}")


def sheets_destination(target: SheetsTarget, transports: Transports) -> SheetsDestination:
    from xpulse.deliver.sheets import SheetsDestination

    conf = target.config
    return SheetsDestination(
        conf.spreadsheet_id,
        target.key_file,
        api_base_url=conf.api_base_url,
        token_url=conf.token_url,
        weekly_worksheet=conf.weekly_worksheet,
        posts_worksheet=conf.posts_worksheet,
        sleep=transports.sleep,
    )


def describe(destination: str, targets: AccountTargets, report: Report | None) -> str:
    """Where a destination sends, for ``--dry-run`` and summaries (no secret)."""
    if destination == "slack" and targets.slack is not None:
        return f"slack {targets.slack.where}"
    if destination == "email" and targets.email is not None:
        conf = targets.email.config
        n = len(conf.recipients)
        return (
            f"email to {n} recipient{'s' if n != 1 else ''} via {conf.host}:{conf.effective_port}"
        )
    if destination == "files" and targets.files is not None:
        files = FilesDestination(targets.files.path(), targets.files.formats)
        if report is None:
            return f"files {', '.join(files.formats)} in {files.folder}"
        return "files " + ", ".join(str(p) for p in files.paths_for(report).values())
    if destination == "sheets" and targets.sheets is not None:
        sheet = targets.sheets.config
        return (
            f"sheets spreadsheet {sheet.spreadsheet_id} (worksheets "
            f"{sheet.weekly_worksheet!r}, {sheet.posts_worksheet!r})"
        )
    return destination

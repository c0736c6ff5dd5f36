"""The outbox: each period's report and its renderings on disk before anything is sent.

    <data_dir>/outbox/<account>/<period>/report.json   the report document
                                         slack.json    the Block Kit payload
                                         email.eml     the MIME message

A delivery that fails leaves these files; the next run sends the very same bytes (same
figures, same Message-ID) instead of a report recomputed from newer data. The senders
(:mod:`xpulse.operations.destinations`) read their renderings from here; this module knows
nothing of the schedule.
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
from typing import Any

from xpulse.analytics.document import Report
from xpulse.config.delivery import EmailConfig
from xpulse.config.paths import data_dir
from xpulse.deliver.files import slug
from xpulse.fsutil import write_atomic


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

"""The config file ``xpulse init`` writes: its settings, each commented, and the
``[delivery]`` part with files on and Slack and email shown commented out.

The variables it lists at the top come from the table of :mod:`xpulse.config.env`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from xpulse.config.env import ACCOUNT, HOME, IN_INIT, SLACK_WEBHOOK, SMTP_PASSWORD
from xpulse.config.paths import data_dir, home_dir

if TYPE_CHECKING:
    import tomlkit


def _variables(secret: bool) -> list[str]:
    return [f"  {v.name:<30} {v.meaning}" for v in IN_INIT if v.secret is secret]


HEADER = "\n".join(
    [
        "xpulse configuration, written by `xpulse init`. Edit freely; `xpulse auth status` "
        "checks it.",
        "Secrets never go in this file. They come from the environment or the token store:",
        *_variables(secret=True),
        "Settings the environment gives over this file:",
        *_variables(secret=False),
        f"{ACCOUNT} is an account's name in upper case, '-' as '_'.",
    ]
)


def build_document(
    *,
    callback_url: str,
    client_id: str,
    api_base: str,
    account: str | None,
    username: str | None,
    timezone: str,
    plan: str,
    budget: float,
    port: int,
    owns_app: bool | None = None,
) -> tomlkit.TOMLDocument:
    """The config's settings part, commented; ``callback_url`` is the sign-in's callback the
    app must register (``port``'s)."""
    import tomlkit

    doc = tomlkit.document()
    for line in HEADER.splitlines():
        doc.add(tomlkit.comment(line))
    doc.add(tomlkit.nl())
    doc.add("timezone", tomlkit.item(timezone).comment("IANA name; reports use it"))
    for line in PLAN_NOTE.splitlines():
        doc.add(tomlkit.comment(line))
    doc.add(
        "plan",
        tomlkit.item(plan).comment(
            "pay-per-use | basic (legacy) | pro | enterprise: prices and monthly read cap"
        ),
    )
    doc.add(
        "monthly_budget_usd",
        tomlkit.item(budget).comment("USD a month; collect plans within it and stops before it"),
    )
    doc.add(
        "refresh_schedule",
        tomlkit.item("weekly").comment("weekly | lifecycle (1h,6h,24h,3d,7d,28d: more reads)"),
    )
    doc.add(
        "history_days",
        tomlkit.item(90).comment(
            "days a new account's first collect reaches back (1..3650; at most 3,200 posts)"
        ),
    )
    doc.add(
        "database_url",
        tomlkit.item("").comment(f"empty: SQLite in {data_dir()}; or a PostgreSQL URL"),
    )
    api = tomlkit.table()
    api.add("base_url", tomlkit.item(api_base).comment("the X API, or a local xsim"))
    api.add(
        "client_id",
        tomlkit.item(client_id).comment("OAuth 2.0 client id from the X developer portal"),
    )
    api.add(
        "callback_port",
        tomlkit.item(port).comment(f"register {callback_url} as the app's callback"),
    )
    api.add("timeout_seconds", 30.0)
    api.add("max_retries", tomlkit.item(4).comment("for 5xx, timeouts, dropped connections"))
    api.add("max_concurrency_per_token", 4)
    api.add(tomlkit.comment('authorize_url = ""  # default: x.com for X, <base_url>/i/... else'))
    doc.add("api", api)
    accounts = tomlkit.aot()
    if username:
        entry = tomlkit.table()
        entry.add("name", account or "main")
        entry.add("username", username.removeprefix("@"))
        entry.add("auth", tomlkit.item("oauth2").comment('"bearer": public metrics only'))
        entry.add("own", True)
        owns = "does this sign-in own the developer app? its own posts cost $0.001 if so"
        if owns_app is None:
            entry.add(tomlkit.comment(f"owns_app = true   # {owns}, else $0.005"))
        else:
            entry.add("owns_app", tomlkit.item(owns_app).comment(f"{owns}, else $0.005"))
        accounts.append(entry)
        doc.add("accounts", accounts)
    else:
        doc.add(tomlkit.nl())
        doc.add(tomlkit.comment("[[accounts]]"))
        doc.add(tomlkit.comment('name = "main"'))
        doc.add(tomlkit.comment('username = "your_handle"'))
        doc.add(tomlkit.comment('auth = "oauth2"   # or "bearer" for an account you do not own'))
    return doc


PLAN_NOTE = """\
Your X API plan and what xpulse may spend. `plan` prices every read: pay-per-use bills
each post read ($0.001 your own, $0.005 anyone else's, $0.010 a user lookup, once per
UTC day); basic and pro are monthly plans with a read cap. `xpulse collect --dry-run`
shows a run's reads and dollars; a collect that would pass the budget stops first."""

DELIVERY_NOTE = """\

# Where `xpulse run` sends each period's report (docs/delivery.md); `xpulse config check`
# checks every destination. Files are on: each report is written there in every format.
[delivery]
cadence = "weekly on monday at 09:00"  # for `xpulse schedule install`, in each account's zone
period = "last-week"

[delivery.files]
folder = {folder}
formats = ["html", "md", "json", "csv"]

# Slack: create an incoming webhook (Slack app > Incoming Webhooks), put its URL in the
# environment (it is a secret, never in this file), then uncomment:
# [delivery.slack]
# webhook_url_env = "{slack_env}"

# Email: an SMTP server that accepts your login; the password goes in the environment
# (or the OS keyring as "smtp:<username>@<host>"), then uncomment and fill in:
# [delivery.email]
# host = "smtp.example.com"
# port = 587                    # 465 with security = "ssl"
# security = "starttls"         # starttls | ssl | none (a relay on this machine only)
# sender = "xpulse@example.com"
# recipients = ["team@example.com"]
# username = "xpulse@example.com"
# password_env = "{smtp_env}"

# Alerts (budget, spiking posts, an account needing sign-in, a failed run) go to Slack or
# email once that destination is set up:
# [delivery.alerts]
# channel = "slack"
"""


def default_reports_folder() -> Path:
    """Next to the config under XPULSE_HOME; else a folder in the user's home."""
    if os.environ.get(HOME.name, "").strip():
        return home_dir() / "reports"
    return Path.home() / "xpulse-reports"


def delivery_section(folder: Path) -> str:
    """The ``[delivery]`` text: files on, Slack and email commented with what they need."""
    import tomlkit

    return DELIVERY_NOTE.format(
        folder=tomlkit.item(str(folder)).as_string(),
        slack_env=SLACK_WEBHOOK.name,
        smtp_env=SMTP_PASSWORD.name,
    )

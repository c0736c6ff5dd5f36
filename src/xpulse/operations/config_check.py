"""``xpulse config check``: everything a run needs, checked without reading from X.

Each check is one line of a checklist, ok or not, never with a secret in it: the file and
its values, that the API answers (asked without a token: nothing read, nothing billed),
each account's sign-in (present, and not known to be refused), the database, each
account's destinations (webhook URL format, SMTP settings and recipients, the secrets
present in the environment or the keyring, and the servers reachable: Slack's by a
connection, SMTP by connecting and logging in; nothing is posted or sent), the cadence and
the alert channel. ``network=False`` leaves out the checks that connect anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xpulse.config.delivery import DESTINATIONS
from xpulse.config.settings import Config, account_timezone, load_config
from xpulse.errors import XpulseError
from xpulse.operations.outbox import Transports
from xpulse.operations.targets import RESOLVERS, check_account_names


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str
    detail: str

    def line(self) -> str:
        return f"[{'ok' if self.ok else 'FAIL'}] {self.what}: {self.detail}"


def _try(what: str, fn: Callable[[], str]) -> Check:
    try:
        return Check(True, what, str(fn()))
    except XpulseError as exc:
        return Check(False, what, str(exc))


def _sign_in(config: Config, name: str) -> Check:
    from xpulse.accounts.signin import status

    st = status(config, config.account(name))
    detail = f"{st.state} (credential from {st.source})"
    if st.reason:
        detail = f"{st.state}: {st.reason} (credential from {st.source})"
    if not st.usable:
        detail += f"; run: {st.fix}"
    return Check(st.usable, f"account {name} sign-in", detail)


def _database(config: Config) -> str:
    from xpulse.store import open_store
    from xpulse.store.db import safe_url

    engine = open_store(config.db_url())
    engine.dispose()
    return f"{safe_url(config.db_url())} opens and is migrated"


def _api(config: Config) -> Check:
    from xpulse.api.probe import check_api_base

    try:
        return Check(True, "API", check_api_base(config.api_base(), timeout=5.0, wait=0.0))
    except XpulseError as exc:
        return Check(False, "API", str(exc))


def _destinations(config: Config, name: str, network: bool = True) -> list[Check]:
    """One line per destination, each resolved and checked on its own so that every
    problem shows. Offline, a spreadsheet has a line only when its key file is not named:
    the rest of its check is on Google's side."""
    dests = config.delivery.for_account(name)
    label = f"delivery ({name})"
    transports = Transports(smtp_timeout=10.0)
    out = []
    for dest in DESTINATIONS:
        conf = getattr(dests, dest)
        if conf is None:
            continue
        what = f"account {name} {dest}"
        try:
            detail = RESOLVERS[dest](conf, label).check(transports, network=network)
        except XpulseError as exc:
            problem = str(exc).removeprefix(f"{label}.{dest}: ").removeprefix(f"{dest}: ")
            out.append(Check(False, what, problem))
            continue
        if detail is not None:
            out.append(Check(True, what, detail))
    if any(getattr(dests, dest) is not None for dest in DESTINATIONS):
        return out
    return [Check(False, f"account {name} delivery", "no destination under [delivery]")]


def _spending(config: Config) -> list[Check]:
    """The plan and its prices, and what cannot be priced (budget, app ownership)."""
    from xpulse.collect.budget import spending_problems
    from xpulse.collect.pricing import plan_prices

    problems = spending_problems(config)
    out = [Check(True, "plan", plan_prices(config.plan).describe())]
    return out + [Check(False, what, detail) for what, detail in problems]


def _cadence(config: Config, now: datetime) -> list[Check]:
    from xpulse.operations.schedule import entries, next_run

    out = []
    for entry in entries(config):
        at = next_run(entry.cadence, entry.tz, now)
        who = ", ".join(entry.accounts) or "every account"
        out.append(
            Check(
                True,
                f"schedule ({who})",
                f"{entry.cadence.text} {entry.tz}; next {at:%a %Y-%m-%d %H:%M %Z}",
            )
        )
    return out


def _overrides(config: Config) -> str:
    check_account_names(config)
    names = ", ".join(config.delivery.accounts) or "none"
    return f"per-account destinations: {names}"


def _alerts(config: Config) -> str:
    from xpulse.operations.alerts import alert_channel

    sender = alert_channel(config, Transports())
    if sender is None:
        return "off (add [delivery.alerts] to get them)"
    return f"sent on {sender.channel}"


def run_checks(path: Path | None, now: datetime, *, network: bool = True) -> list[Check]:
    """The checklist; stops after the first check when the file itself cannot load."""
    try:
        config = load_config(path)
    except XpulseError as exc:
        return [Check(False, "config file", str(exc))]
    checks = [Check(True, "config file", f"{config.path} is valid")]
    if not config.accounts:
        checks.append(Check(False, "accounts", "no [[accounts]] configured; see `xpulse init`"))
        return checks
    checks.append(_try("delivery overrides", lambda: _overrides(config)))
    checks.append(_try("database", lambda: _database(config)))
    checks += _spending(config)
    if network:
        checks.append(_api(config))
    for account in config.accounts:
        checks.append(_sign_in(config, account.name))
        checks.append(
            Check(True, f"account {account.name} time zone", account_timezone(config, account))
        )
        checks += _destinations(config, account.name, network)
    try:
        checks += _cadence(config, now)
    except XpulseError as exc:
        checks.append(Check(False, "schedule", str(exc)))
    checks.append(_try("alerts", lambda: _alerts(config)))
    return checks

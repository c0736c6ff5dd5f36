"""``xpulse run`` end to end: xsim, a local Slack webhook, a local SMTP server, files."""

from __future__ import annotations

import email
import email.policy
import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from xpulse_delivery_config import write_delivery
from xpulse_run_stack import NOW, Stack, load_demo

from xpulse.cli import cli
from xpulse.config.settings import load_config
from xpulse.errors import ConfigError
from xpulse.store import open_store
from xpulse.store.schema import deliveries


def _rows(stack: Stack) -> list[tuple[str, str, str, str, int]]:
    engine = open_store(load_config().db_url())
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                deliveries.c.account, deliveries.c.period, deliveries.c.destination,
                deliveries.c.status, deliveries.c.attempts,
            ).order_by(deliveries.c.account, deliveries.c.destination)
        ).all()  # fmt: skip
    engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_run_delivers_everywhere_once_and_a_rerun_sends_nothing(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stack.write_config()
    first = stack.run()
    assert first.ok, first.lines()
    assert [a.period for a in first.accounts] == ["2026-W21", "2026-W21"]

    # Slack: one report payload per account, naming the account and the period.
    assert len(stack.slack.payloads) == 2
    headers = [p["blocks"][0]["text"]["text"] for p in stack.slack.payloads]
    assert all("2026-W21" in h for h in headers)
    # Email: one multipart message per account to both recipients, with the period.
    assert len(stack.mail.messages) == 2
    msg = email.message_from_bytes(stack.mail.messages[0], policy=email.policy.default)
    assert "2026-W21" in msg["Subject"] and "boss@example.com" in msg["To"]
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    # Files: the two formats for each account, with stable dated names.
    run_usd = 0.0
    for name in ("alpha", "beta"):
        doc = json.loads((stack.files / name / f"{name}-2026-W21.json").read_text("utf-8"))
        assert doc["period"]["label"] == "2026-W21" and doc["account"]["name"] == name
        assert (stack.files / name / f"{name}-2026-W21.html").is_file()
        run_usd += doc["cost"]["run_usd"]  # this run's spend on the account, labelled
        assert doc["cost"]["data_usd"] is not None
    assert run_usd == pytest.approx(first.cost_micros / 1_000_000, abs=1e-9)
    reads_after_first = stack.ledger()["totals"]["post_reads"]
    assert reads_after_first > 0 and first.cost_micros > 0

    second = stack.run()
    assert second.ok
    assert len(stack.slack.payloads) == 2 and len(stack.mail.messages) == 2  # nothing twice
    assert all(sorted(a.already) == ["email", "files", "slack"] for a in second.accounts)
    assert stack.ledger()["totals"]["post_reads"] == reads_after_first  # and nothing read
    assert all(r[3] == "sent" and r[4] == 1 for r in _rows(stack))
    assert len(_rows(stack)) == 6
    webhook_path = stack.slack.url.split("/services/")[1]
    assert caplog.records and webhook_path not in caplog.text  # the secret is never logged


def test_a_failed_destination_is_retried_alone_with_the_same_report(stack: Stack) -> None:
    stack.write_config()
    stack.slack.fail_next = 1  # the first post gets a 500
    first = stack.run()
    assert not first.ok
    failed = [a for a in first.accounts if "slack" in a.failed]
    assert len(failed) == 1 and "HTTP 500" in failed[0].failed["slack"]
    assert failed[0].line().startswith(f"{failed[0].name} 2026-W21: FAILED: ")
    assert stack.slack.url not in "\n".join(first.lines())  # the webhook is a secret
    outbox = Path(failed[0].failed["slack"].split("stays in ")[1].split(";")[0])
    kept = json.loads((outbox / "slack.json").read_text("utf-8"))
    assert len(stack.mail.messages) == 2  # the other destinations went out

    second = stack.run()
    assert second.ok, second.lines()
    assert len(stack.mail.messages) == 2  # not resent
    retried = next(a for a in second.accounts if a.name == failed[0].name)
    assert list(retried.sent) == ["slack"]
    assert stack.slack.payloads[-1] == kept  # the very payload rendered the first time
    attempts = {(r[0], r[2]): (r[3], r[4]) for r in _rows(stack)}
    assert attempts[(failed[0].name, "slack")] == ("sent", 2)


def test_an_unreachable_smtp_server_is_retried_with_the_same_message(stack: Stack) -> None:
    stack.write_config(smtp_port=load_demo().free_port())  # nothing listens there
    first = stack.run(only=("email",), accounts=("alpha",))
    assert not first.ok and "cannot" in first.accounts[0].failed["email"].lower()
    outbox = Path(first.accounts[0].failed["email"].split("stays in ")[1].split(";")[0])
    kept = email.message_from_bytes((outbox / "email.eml").read_bytes())
    stack.write_config()  # the server is back
    second = stack.run(only=("email",), accounts=("alpha",))
    assert second.ok and list(second.accounts[0].sent) == ["email"]
    (received,) = [email.message_from_bytes(m) for m in stack.mail.messages]
    assert received["Message-ID"] == kept["Message-ID"]  # the same message, not a new one


def test_dry_run_reads_spends_and_sends_nothing(cli_stack: Stack) -> None:
    stack = cli_stack
    stack.write_config()
    result = CliRunner().invoke(cli, ["run", "--dry-run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "would read: alpha: 1 user lookup" in result.output
    assert "would read: plan: " in result.output
    assert "would send alpha " in result.output and ": slack http://127.0.0.1:" in result.output
    assert stack.slack.url not in result.output
    assert "email to 2 recipients via 127.0.0.1" in result.output
    assert stack.ledger()["totals"]["post_reads"] == 0
    assert stack.slack.payloads == [] and stack.mail.messages == []
    assert not stack.files.exists()


def test_only_and_period_pick_destination_and_week(stack: Stack) -> None:
    stack.write_config()
    outcome = stack.run(only=("files",), period="2026-W20")
    assert outcome.ok and [a.period for a in outcome.accounts] == ["2026-W20"] * 2
    assert (stack.files / "alpha" / "alpha-2026-W20.json").is_file()
    assert stack.slack.payloads == [] and stack.mail.messages == []
    # Slack and email for that week are still owed; files are not sent twice.
    rest = stack.run(period="2026-W20")
    assert all(
        sorted(a.sent) == ["email", "slack"] and a.already == ["files"] for a in rest.accounts
    )


def test_only_checks_just_the_destinations_it_names(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack.write_config()
    monkeypatch.delenv("XPULSE_SLACK_WEBHOOK")  # Slack is configured but its secret is unset
    with pytest.raises(ConfigError, match=r"slack: no webhook URL: set \$XPULSE_SLACK_WEBHOOK"):
        stack.run()
    assert stack.ledger()["totals"]["post_reads"] == 0  # refused before reading
    outcome = stack.run(only=("files",), period="2026-W20")
    assert outcome.ok and all(list(a.sent) == ["files"] for a in outcome.accounts)
    assert (stack.files / "alpha" / "alpha-2026-W20.json").is_file()


def test_run_with_a_bad_period_or_only_is_one_line(isolated_env: Path, tmp_path: Path) -> None:
    write_delivery(isolated_env, f"[delivery.files]\nfolder = '{tmp_path / 'out'}'\n")
    result = CliRunner().invoke(cli, ["run", "--period", "someday"])
    assert result.exit_code == 2
    assert result.output.startswith("xpulse: error: ") and len(result.output.splitlines()) == 1
    result = CliRunner().invoke(cli, ["run", "--only", "email"])
    assert result.exit_code == 2
    assert "no email destination is configured under [delivery] for main" in result.output


def test_cli_exit_codes_and_one_line_per_account(cli_stack: Stack) -> None:
    stack = cli_stack
    stack.write_config()
    stack.slack.fail_next = 10
    result = CliRunner().invoke(cli, ["run", "--only", "slack", "--account", "alpha"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("alpha ") and "; slack FAILED: " in lines[0]
    assert lines[-1].startswith("cost of this run: $")
    assert stack.slack.url not in result.output


def test_alerts_sign_in_and_failed_run_are_sent_once(stack: Stack, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    stack.write_config(extra='[delivery.alerts]\nchannel = "slack"\nspikes = false')
    monkeypatch.setenv("XPULSE_REFRESH_TOKEN_BETA", "rt-made-up-and-not-known-to-xsim")
    first = stack.run()
    assert not first.ok
    beta = next(a for a in first.accounts if a.name == "beta")
    assert "needs sign-in" in beta.failed["collect"]
    assert first.alerts is not None
    titles = [a.title for a in first.alerts.sent]
    assert "Account beta needs to sign in again" in titles
    assert "xpulse run failed for beta (2026-W21)" in titles
    alert_headers = [p["blocks"][0]["text"]["text"] for p in stack.slack.payloads]
    assert any("beta needs to sign in again" in h for h in alert_headers)
    count = len(stack.slack.payloads)

    again = stack.run()
    assert not again.ok and again.alerts is not None
    assert again.alerts.sent == []  # the same events: not sent twice
    assert len(stack.slack.payloads) == count


def test_budget_crossing_alerts_once_per_threshold(stack: Stack) -> None:
    stack.write_config(
        budget=0.2, extra='[delivery.alerts]\nchannel = "email"\nspikes = false\n'
        "budget_percent = [10, 100]",
    )  # fmt: skip
    outcome = stack.run(only=("files",), allow_over_budget=True)
    assert outcome.alerts is not None
    sent = [a.title for a in outcome.alerts.sent]
    assert len(sent) == 1 and sent[0].startswith("API budget ")
    alert_mail = [
        email.message_from_bytes(m, policy=email.policy.default) for m in stack.mail.messages
    ]
    assert any(m["Subject"].startswith("[xpulse ") for m in alert_mail)
    again = stack.run(only=("files",), period="2026-W20", allow_over_budget=True)
    assert again.alerts is not None and again.alerts.sent == []
    assert NOW.strftime("%Y-%m") in sent[0]


def test_a_run_over_budget_reads_and_sends_nothing(stack: Stack) -> None:
    stack.write_config(budget=0.01)
    outcome = stack.run()
    assert not outcome.ok
    for account in outcome.accounts:
        assert "would pass the monthly budget" in account.failed["collect"]
        assert "--allow-over-budget" in account.failed["collect"]
        assert account.sent == {}
    assert stack.ledger()["totals"]["post_reads"] == 0
    assert stack.slack.payloads == [] and stack.mail.messages == []


def test_a_busy_token_lock_alerts_a_failed_run_not_a_lost_sign_in(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from filelock import FileLock

    from xpulse.accounts import clients as factory
    from xpulse.accounts.tokens import refresh_lock
    from xpulse.store.schema import accounts

    stack.write_config(extra='[delivery.alerts]\nchannel = "slack"\nspikes = false')
    # Beta's seeded token is expired, so its first call refreshes under the lock, which
    # "another process" holds; the run must not wait 120 s for it.
    monkeypatch.setattr(factory, "refresh_lock", lambda name: refresh_lock(name, timeout=0))
    with FileLock(refresh_lock("beta").lock_file):
        first = stack.run()
    beta = next(a for a in first.accounts if a.name == "beta")
    assert "refreshing its token; try again" in beta.failed["collect"]
    assert beta.collected is not None and not beta.collected.needs_sign_in
    assert first.alerts is not None
    titles = [a.title for a in first.alerts.sent]
    assert "xpulse run failed for beta (2026-W21)" in titles
    assert not any("sign in" in t for t in titles)
    engine = open_store(load_config().db_url())
    with engine.connect() as conn:
        flags = dict(conn.execute(select(accounts.c.name, accounts.c.needs_sign_in)).all())
    engine.dispose()
    assert flags == {"alpha": False, "beta": False}
    # The lock is free again: the retry collects and delivers beta.
    again = stack.run()
    assert again.ok, again.lines()


def test_an_account_never_signed_in_alerts_sign_in(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NeedsSignIn raised before any call (no token at all) carries the flag too."""
    stack.write_config(extra='[delivery.alerts]\nchannel = "slack"\nspikes = false')
    monkeypatch.delenv("XPULSE_REFRESH_TOKEN_BETA")
    first = stack.run()
    beta = next(a for a in first.accounts if a.name == "beta")
    assert beta.collected is not None and beta.collected.needs_sign_in
    assert "not signed in" in beta.failed["collect"]
    assert first.alerts is not None
    assert "Account beta needs to sign in again" in [a.title for a in first.alerts.sent]

"""``make demo`` end to end on a small world: everything lands where the demo says."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime
from pathlib import Path

from xpulse_run_stack import load_demo


def test_demo_runs_the_whole_job_and_is_rerunnable(isolated_env: Path, tmp_path: Path) -> None:
    demo = load_demo()
    out, state = tmp_path / "demo-out", tmp_path / ".demo"
    printed: list[str] = []
    now = datetime(2026, 5, 27, 10, 0, tzinfo=UTC)
    result = demo.run_demo(out, state, users=2, days=21, posts_per_week=10, now=now,
                           echo=printed.append)  # fmt: skip
    assert result.outcome.ok, printed
    assert result.signed_in_by_oauth == [result.outcome.accounts[0].name]  # real PKCE flow
    names = [a.name for a in result.outcome.accounts]
    assert result.rerun is not None and result.rerun.ok and result.rerun.cost_micros == 0
    assert all(a.sent == {} and len(a.already) == 3 for a in result.rerun.accounts)

    # Slack: one Block Kit payload per account, saved as JSON.
    assert len(result.slack_files) == 2
    payload = json.loads(result.slack_files[0].read_text("utf-8"))
    assert payload["blocks"][0]["type"] == "header" and "2026-W21" in payload["text"]
    # Email: one .eml per account, multipart with the report's period.
    assert len(result.email_files) == 2
    msg = email.message_from_bytes(result.email_files[0].read_bytes(), policy=email.policy.default)
    assert "2026-W21" in msg["Subject"] and msg.get_body(("html",)) is not None
    # Files: each account's dated renderings.
    for name in names:
        doc = json.loads((out / "files" / name / f"{name}-2026-W21.json").read_text("utf-8"))
        assert doc["totals"]["posts"] >= 1 and doc["account"]["name"] == name
    # The cost agrees with xsim's own ledger: the run's per account, the sign-in's one user
    # read (made before the run) in what the store holds beside it.
    ledger_usd = result.ledger["totals"]["cost_usd"]
    assert result.spent_micros == round(ledger_usd * 1e6)
    for account in result.outcome.accounts:
        assert account.collected is not None and account.report is not None
        before = account.name in result.signed_in_by_oauth  # its users/me was the sign-in's
        billed = sum(
            e["charged_usd"]
            for e in result.ledger["entries"]
            if e["user_id"] == account.report.account.user_id
            and not (before and e["endpoint"] == "users_me")
        )
        assert account.collected.micros == round(billed * 1e6), account.name
    text = "\n".join(printed)
    assert f"files ({len(result.files)}) in {out / 'files'}:" in text
    assert "cost: xpulse metered $" in text and str(result.slack_files[0]) in text

    again = demo.run_demo(out, state, users=2, days=21, posts_per_week=10, now=now,
                          echo=lambda _line: None)  # fmt: skip
    assert again.outcome.ok and len(again.slack_files) == 2  # fresh state: delivered again
    assert not (isolated_env / "config.toml").exists()  # the demo kept to its own folders

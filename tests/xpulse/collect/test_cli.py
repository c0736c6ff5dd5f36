"""``xpulse collect``, ``cost`` and ``export`` as a user runs them, against xsim over HTTP.

xsim runs on the real clock here, as the CLI does; sign-in comes from the CI/cron
environment variables (a refresh token per account), through the real token lifecycle.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from xpulse.cli import cli
from xsim.clock import RealClock
from xsim.server.http import build_app, serve_app
from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions
from xsim.world.model import World


@dataclass
class Live:
    url: str
    world: World
    home: Path

    def ledger(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_sim/ledger", timeout=10).json()  # type: ignore[no-any-return]


def _config(live: Live, budget: float, names: list[str]) -> None:
    app = next(a for a in live.world.apps.values() if a.client_secret)
    users = [live.world.users[t.user_id] for t in live.world.tokens]
    lines = [f"monthly_budget_usd = {budget}", "", "[api]", f'base_url = "{live.url}"',
             f'client_id = "{app.client_id}"', ""]  # fmt: skip
    for name, user in zip(names, users, strict=False):
        owns = "true" if app.owner in (None, user.id) else "false"
        lines += ["[[accounts]]", f'name = "{name}"', f'username = "{user.username}"',
                  f"owns_app = {owns}", ""]  # fmt: skip
    (live.home / "config.toml").write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def live(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    now = datetime.now(UTC).replace(microsecond=0)
    world = generate_world(GenerateOptions(seed=4, users=2, days=20, now=now, posts_per_week=40))
    app = next(a for a in world.apps.values() if a.client_secret)
    monkeypatch.setenv("XPULSE_CLIENT_SECRET", app.client_secret or "")
    for name, token in zip(["alpha", "beta"], world.tokens, strict=False):
        monkeypatch.setenv(f"XPULSE_REFRESH_TOKEN_{name.upper()}", token.refresh_token or "")
    with serve_app(build_app(world, clock=RealClock())) as url:
        yield Live(url, world, isolated_env)


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_dry_run_prints_the_plan_and_reads_nothing(live: Live) -> None:
    _config(live, 50.0, ["alpha", "beta"])
    result = _run("collect", "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        "alpha: 1 user lookup, first sweep (last 90 days, private fields for the last 29): "
        "~3,200 (0-3,200) posts (post count unknown" in result.output
    )
    assert "plan: 6,402 reads, $19.220 (range $0.020-$19.220" in result.output
    assert (
        result.output.strip()
        .splitlines()[-1]
        .startswith("collect would first read the post count of alpha, beta")
    )
    assert live.ledger()["totals"]["post_reads"] == 0
    assert live.ledger()["totals"]["user_reads"] == 0


def test_history_days_flag_sets_the_first_sweep_window(live: Live) -> None:
    _config(live, 50.0, ["alpha"])
    result = _run("collect", "--dry-run", "--history-days", "20")
    assert "first sweep (last 20 days): ~3,200 (0-3,200) posts" in result.output
    bad = CliRunner().invoke(cli, ["collect", "--dry-run", "--history-days", "0"])
    assert bad.exit_code == 2
    assert "--history-days" in bad.output


def test_over_budget_run_does_not_start(live: Live) -> None:
    # two first collects of ~140 posts each: alpha's own posts at $0.001 (its user owns the
    # app), beta's at $0.005: about $0.84, which $0.50 does not cover
    _config(live, 0.5, ["alpha", "beta"])
    result = CliRunner().invoke(cli, ["collect"])
    assert result.exit_code != 0
    last = result.output.strip().splitlines()[-1]
    # the guard counts every post of each first sweep's window (xsim's accounts are years
    # older than their posts: the expected figure at their average rate is far lower)
    assert last.startswith("xpulse: error: the run would pass the monthly budget: up to $")
    assert "--allow-over-budget" in last and "fit alone: --account alpha" in last
    totals = live.ledger()["totals"]
    # only the two user lookups were read (the post counts); they are in `cost` too
    assert totals["post_reads"] == 0 and totals["user_reads"] == 2
    assert json.loads(_run("cost", "--json").output)["cost_usd"] == pytest.approx(0.02)


def test_collect_then_cost_agrees_with_the_ledger_and_export_is_safe(
    live: Live, tmp_path: Path
) -> None:
    _config(live, 50.0, ["alpha", "beta"])
    result = _run("collect")
    assert result.exit_code == 0, result.output
    summary = result.output.strip().splitlines()[-1]
    assert summary.startswith("collected 2 account(s): ") and " new posts, " in summary

    cost = json.loads(_run("cost", "--json").output)
    ledger = live.ledger()["totals"]
    assert cost["cost_usd"] == pytest.approx(ledger["cost_usd"], abs=1e-9)
    assert cost["reads"] == ledger["post_reads"]
    assert set(cost["by_account"]) == {"alpha", "beta"}
    assert "forecast to month end" in _run("cost").output

    out = tmp_path / "posts.csv"
    assert _run("export", "--format", "csv", "--out", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    read = {e["resource_id"] for e in live.ledger()["entries"] if e["resource_type"] == "post"}
    assert len(rows) == len(read)
    # X's owned-read rule: only alpha's user owns the app, so only alpha's posts cost $0.001
    alpha = live.world.tokens[0].user_id
    assert live.world.apps[next(iter(live.world.apps))].owner == alpha
    by_owner = {e["own"] for e in live.ledger()["entries"] if e["resource_type"] == "post"}
    assert by_owner == {True, False}
    prices = {
        (e["user_id"] == alpha, e["price_usd"])
        for e in live.ledger()["entries"]
        if e["resource_type"] == "post"
    }
    assert prices == {(True, 0.001), (False, 0.005)}
    assert all(r["impressions"] != "" for r in rows)
    for r in rows:  # no cell can start a formula
        assert not r["text"].startswith(("=", "+", "-", "@", "\t", "\r"))

    jsonl = _run("export", "--format", "jsonl", "--observations", "--account", "beta").output
    records = [json.loads(line) for line in jsonl.splitlines()]
    assert records and {r["account"] for r in records} == {"beta"}


def test_an_account_that_needs_sign_in_fails_alone(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config(live, 50.0, ["alpha", "beta"])
    monkeypatch.setenv("XPULSE_REFRESH_TOKEN_BETA", "rt-made-up-and-revoked")
    result = CliRunner().invoke(cli, ["collect"])
    assert result.exit_code == 1
    assert "xpulse: beta: account 'beta' needs sign-in" in result.output
    assert "xpulse auth login --account beta" in result.output
    assert "rt-made-up" not in result.output
    assert "1 account(s) failed" in result.output
    ledger = live.ledger()["entries"]
    alpha_user = live.world.tokens[0].user_id
    assert ledger and all(e["user_id"] == alpha_user for e in ledger)  # alpha went on


def test_a_second_collect_does_not_start_while_one_runs(live: Live) -> None:
    from filelock import FileLock

    _config(live, 50.0, ["alpha", "beta"])
    with FileLock(str(live.home / "state" / "collect.lock")):
        result = CliRunner().invoke(cli, ["collect"])
    assert result.exit_code == 1
    assert "another `xpulse collect` is running" in result.output.strip().splitlines()[-1]
    assert live.ledger()["totals"]["post_reads"] == 0


def test_collect_one_account_only(live: Live) -> None:
    _config(live, 50.0, ["alpha", "beta"])
    result = _run("collect", "--account", "beta")
    assert result.exit_code == 0, result.output
    assert "alpha:" not in result.output
    beta_user = live.world.tokens[1].user_id
    entries = live.ledger()["entries"]
    assert entries and {e["user_id"] for e in entries} == {beta_user}
    unknown = CliRunner().invoke(cli, ["collect", "--account", "gamma"])
    assert unknown.exit_code != 0
    assert "no account named 'gamma'" in unknown.output


def test_auth_status_reads_env_sign_in_and_the_cached_user_id(live: Live) -> None:
    _config(live, 50.0, ["alpha", "beta"])
    before = _run("auth", "status")
    assert before.exit_code == 0, before.output
    assert "not signed in" not in before.output
    assert "(XPULSE_REFRESH_TOKEN_ALPHA is set: each new value seeds it once)" in before.output
    assert "user id: -" in before.output  # nothing has looked it up yet
    assert not (live.home / "data" / "xpulse.db").exists()  # status creates no database
    for token in live.world.tokens:  # no secret in the status
        assert token.refresh_token is not None and token.refresh_token not in before.output

    assert _run("collect").exit_code == 0
    after = _run("auth", "status")
    for name, token in zip(["alpha", "beta"], live.world.tokens, strict=False):
        block = after.output.split(f"{name} (@")[1]
        assert f"user id: {token.user_id}" in block.splitlines()[1], after.output


def test_cost_reconciles_with_xs_usage_and_explains_a_difference(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config(live, 5.0, ["alpha"])  # the default budget: the first collect fits and runs
    assert _run("collect").exit_code == 0
    app = next(a for a in live.world.apps.values() if a.client_secret)
    monkeypatch.setenv("XPULSE_BEARER_TOKEN", app.bearer_tokens[0])
    today = datetime.now(UTC).date().isoformat()
    agreed = _run("cost", "--reconcile").output
    posts = live.ledger()["totals"]["post_reads"]
    assert f"  {today}: X {posts:,}, xpulse {posts:,}: agrees" in agreed
    # a read X served (and counts) that xpulse never received: as a dropped connection
    some = [e["resource_id"] for e in live.ledger()["entries"] if e["resource_type"] == "post"]
    httpx.get(f"{live.url}/2/tweets", params={"ids": ",".join(some[:3])},
              headers={"Authorization": f"Bearer {app.bearer_tokens[0]}"}, timeout=10)  # fmt: skip
    differs = _run("cost", "--reconcile").output
    assert f"  {today}: X {posts + 3:,}, xpulse {posts:,}: X counts 3 more: posts X sent " in (
        differs
    )
    assert "never arrived whole" in differs
    data = json.loads(_run("cost", "--json", "--reconcile").output)
    assert data["reconcile"][-1] == {"day": today, "x_reads": posts + 3, "xpulse_reads": posts}
    monkeypatch.delenv("XPULSE_BEARER_TOKEN")
    missing = CliRunner().invoke(cli, ["cost", "--reconcile"])
    assert missing.exit_code != 0
    assert "set XPULSE_BEARER_TOKEN" in missing.output and "Traceback" not in missing.output


def test_the_reports_cost_section_labels_the_periods_data_cost(live: Live) -> None:
    """Straight after a first collect, last week was just read: the data cost is what that
    read of last week's posts was billed (every post once, at the account's price). Last
    week, not this one: on a Monday morning this week may have no post yet."""
    _config(live, 5.0, ["alpha"])
    assert _run("collect").exit_code == 0
    report = json.loads(_run("report", "--period", "last-week", "--format", "json").output)
    cost = report["cost"]
    week = {p["id"] for p in report["posts"]}
    entries = [e for e in live.ledger()["entries"] if e["resource_type"] == "post"]
    start, end = (
        datetime.fromisoformat(report["period"][k].replace("Z", "+00:00")) for k in ("start", "end")
    )
    in_week = {
        p.id for p in live.world.posts.values()
        if p.author_id == live.world.tokens[0].user_id and start <= p.created_at < end
        and p.id in {e["resource_id"] for e in entries}
    }  # fmt: skip
    billed = sum(e["charged_usd"] for e in entries if e["resource_id"] in in_week)
    assert in_week and week <= in_week
    assert cost["data_reads"] == len(in_week) and cost["data_usd"] == pytest.approx(billed)
    assert cost["run_usd"] is None  # made by `report`, not by a run
    text = _run("report", "--period", "last-week").output
    assert f"Data cost of this period's posts: ${billed:.3f} for {len(in_week)} billed reads" in (
        text
    )
    assert "Spent while the period ran:" in text

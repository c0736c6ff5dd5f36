"""The product on the real clock: init, sign-in, collect, run and report as a user does.

Every delivered figure is checked against sums this test computes from the world itself.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from e2e_stack import Home, Xsim, faketime_or_skip
from e2e_world import CLIENT_ID, OWNER, Expected, expected, history, write_world

ZONE = ZoneInfo("America/New_York")


def last_week(moment: datetime) -> tuple[str, datetime, datetime]:
    """(label, start, end) of ``last-week`` in the account's zone at ``moment``."""
    today = moment.astimezone(ZONE).date()
    monday = today - timedelta(days=today.weekday() + 7)
    year, week, _ = monday.isocalendar()
    start = datetime.combine(monday, time(0), tzinfo=ZONE)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=ZONE)
    return f"{year}-W{week:02d}", start.astimezone(UTC), end.astimezone(UTC)


def configure(home: Home, url: str, slack: Any, mail: Any, files: Path) -> None:
    home.xpulse(
        "init", "--client-id", CLIENT_ID, "--account", "main", "--username", OWNER,
        "--api-base", url, "--timezone", "America/New_York", "--budget", "20",
        "--owns-app", "--reports-folder", str(files),
    )  # fmt: skip
    home.env["XPULSE_SLACK_WEBHOOK"] = slack.url
    # init wrote [delivery] with files on and period last-week; Slack and email join it.
    delivery = [
        "", "[delivery.slack]", 'webhook_url_env = "XPULSE_SLACK_WEBHOOK"', "",
        "[delivery.email]", 'host = "127.0.0.1"', f"port = {mail.port}", 'security = "none"',
        'sender = "xpulse@example.com"', 'recipients = ["team@example.com"]',
    ]  # fmt: skip
    config = home.path / "config.toml"
    config.write_text(config.read_text("utf-8") + "\n".join(delivery) + "\n", "utf-8")


def period_of(label: str, before: datetime, after: datetime) -> tuple[str, datetime, datetime]:
    """The last week named ``label`` as seen at ``before`` or at ``after`` (a run that
    crosses midnight on Sunday may name either)."""
    for moment in (before, after):
        if last_week(moment)[0] == label:
            return last_week(moment)
    raise AssertionError(f"{label} is neither last week at {before} nor at {after}")


def check_document(doc: dict[str, Any], want: Expected, prev: Expected) -> None:
    totals = doc["totals"]
    assert totals["posts"] == want.posts
    assert totals["impressions"] == want.impressions
    assert totals["engagements"] == want.engagements
    assert totals["likes"] == want.likes
    # The timeline gives no X engagements count (only /2/tweets/analytics does): unknown,
    # not 0.
    assert totals["x_engagements"] is None and totals["posts_with_x_engagements"] == 0
    assert totals["engagement_rate"] == round(want.engagements / want.impressions * 100, 4)
    before = doc["previous"]["totals"]
    assert (before["posts"], before["impressions"]) == (prev.posts, prev.impressions)
    change = round((want.impressions - prev.impressions) / prev.impressions * 100, 4)
    assert doc["previous"]["change"]["impressions"] == change
    # By publishing day: the period's posts, day by day, add up to the totals.
    assert sum(d["impressions"] for d in doc["daily"]) == want.impressions
    # By the day it happened: each post was read once, long after posting, so no day can
    # be split: every one says so instead of showing a guess.
    happened = doc["daily_happened"]["days"]
    assert len(happened) == 7 and all(not d["known"] for d in happened)
    assert all(d["impressions"] is None and d["impressions_not_split"] > 0 for d in happened)


def check_delivered(
    label: str, files: Path, slack: Any, mail: Any, want: Expected, prev: Expected
) -> None:
    doc = json.loads((files / "main" / f"main-{label}.json").read_text("utf-8"))
    check_document(doc, want, prev)
    shown = f"{want.impressions:,}"
    assert shown in json.dumps(slack.payloads[-1], ensure_ascii=False)
    msg = email.message_from_bytes(mail.messages[-1], policy=email.policy.default)
    assert label in msg["Subject"]
    plain = msg.get_body(("plain",))
    assert plain is not None and shown in plain.get_content()
    markdown = (files / "main" / f"main-{label}.md").read_text("utf-8")
    assert shown in markdown and "not known: reads too sparse to split this day" in markdown
    assert shown in (files / "main" / f"main-{label}.html").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO((files / "main" / f"main-{label}.csv").read_text())))
    posts = [r for r in rows if r.get("impressions", "").isdigit()]
    assert sum(int(r["impressions"]) for r in posts) == want.impressions
    assert all(r["x_engagements"] == "" for r in posts)


def test_first_run_delivers_what_it_read_and_a_second_run_sends_nothing(
    home: Home, receivers: tuple[Any, Any], tmp_path: Path
) -> None:
    slack, mail = receivers
    built = datetime.now(UTC)
    posts = history(built)
    server = Xsim(write_world(tmp_path / "world.json", posts, built))
    try:
        files = tmp_path / "reports"
        configure(home, server.url, slack, mail, files)
        before = datetime.now(UTC)
        first = home.xpulse("run")  # a fresh home: nothing collected before this run
        after = datetime.now(UTC)
        label = first.stdout.split(" ")[1].rstrip(":")
        label, start, end = period_of(label, before, after)
        want = expected(posts, start, end)
        prev = expected(posts, start - timedelta(days=7), start)
        assert want.posts >= 10 and prev.posts >= 10  # the world covers both weeks
        assert len(slack.payloads) == 1 and len(mail.messages) == 1
        check_delivered(label, files, slack, mail, want, prev)

        # Straight after: every destination has this week; nothing is read or sent again.
        second = home.xpulse("run")
        assert second.stdout.count("already sent") == 3, second.stdout
        assert len(slack.payloads) == 1 and len(mail.messages) == 1

        # The same figures from `xpulse report`, in every format, on the real clock.
        for fmt in ("json", "text", "md", "html", "csv"):
            out = tmp_path / f"r.{fmt if fmt != 'text' else 'txt'}"
            home.xpulse("report", "--period", label, "--format", fmt, "--out", str(out))
            text = out.read_text("utf-8")
            if fmt == "json":
                check_document(json.loads(text), want, prev)
            elif fmt == "csv":
                rows = [r for r in csv.DictReader(io.StringIO(text)) if r["impressions"]]
                assert sum(int(r["impressions"]) for r in rows) == want.impressions
            else:
                assert f"{want.impressions:,}" in text, fmt
        export = tmp_path / "export.csv"
        home.xpulse("export", "--format", "csv", "--out", str(export))
        rows = list(csv.DictReader(io.StringIO(export.read_text("utf-8"))))
        by_id = {p.id: p for p in posts}
        assert len(rows) == len(posts)
        assert all(int(r["impressions"]) == by_id[r["id"]].impressions for r in rows)
    finally:
        server.close()


def test_a_week_later_the_next_week_is_reported_from_the_new_reads(
    home: Home, receivers: tuple[Any, Any], tmp_path: Path
) -> None:
    faketime_or_skip()
    slack, mail = receivers
    built = datetime.now(UTC)
    posts = history(built)
    files = tmp_path / "reports"
    server = Xsim(write_world(tmp_path / "world.json", posts, built))
    try:
        configure(home, server.url, slack, mail, files)
        first_url = server.url
        home.xpulse("collect")
    finally:
        server.close()

    # A week on: the account posted on; xsim and xpulse both run 7 days ahead.
    week = history(built + timedelta(days=7), days=7)
    later = [*posts, *(p for p in week if p.created_at > built)]
    offset = "+7d"
    server = Xsim(write_world(tmp_path / "world-later.json", later, built), offset=offset)
    try:
        config = home.path / "config.toml"
        config.write_text(config.read_text("utf-8").replace(first_url, server.url), "utf-8")
        before = datetime.now(UTC) + timedelta(days=7)
        run = home.xpulse("run", offset=offset)
        after = datetime.now(UTC) + timedelta(days=7)
        label = run.stdout.split(" ")[1].rstrip(":")
        label, start, end = period_of(label, before, after)
        assert start >= built - timedelta(days=7)  # the week after the first collect's
        want = expected(later, start, end)
        prev = expected(later, start - timedelta(days=7), start)
        check_delivered(label, files, slack, mail, want, prev)
    finally:
        server.close()

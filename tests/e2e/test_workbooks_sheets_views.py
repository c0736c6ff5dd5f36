"""Excel, Google Sheets and the BI views as a user meets them: real processes, real clock.

``xsim serve`` (a subprocess, wall clock) serves a fresh world; ``xpulse collect``,
``report``, ``export``, ``run`` and ``config check`` run as processes in a fresh
XPULSE_HOME; Google Sheets is the local fake of its API. The workbooks are read back with
openpyxl, the views with Python's own sqlite3 module, the spreadsheet from the fake, and all
are held against the JSON report and against sums the test computes itself.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xsim.world.document import load_world

sys.path.insert(0, str(Path(__file__).parents[1] / "xpulse" / "support"))

from sheets_discovery import problems
from sheets_fake import FakeSheets, serve

BIN = Path(sys.executable).parent
SID = "1EndToEndSpreadsheet_0123456789"
ROBOT = "e2e@xpulse-test.iam.gserviceaccount.com"


@dataclass
class Live:
    home: Path
    env: dict[str, str]
    db: Path
    sheets: FakeSheets

    def xpulse(self, *args: str, code: int | None = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(BIN / "xpulse"), *args], env=self.env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
        assert code is None or done.returncode == code, (args, done.stdout, done.stderr)
        return done


@pytest.fixture
def live(isolated_env: Path, tmp_path: Path) -> Iterator[Live]:
    world_path = tmp_path / "world.json"
    subprocess.run(
        [str(BIN / "xsim"), "world", "--seed", "16", "--users", "1", "--days", "20",
         "--posts-per-week", "30", "--out", str(world_path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    world = load_world(world_path)
    fake = FakeSheets()
    stack = ExitStack()
    stack.enter_context(serve(fake))
    key = tmp_path / "google.json"
    key.write_text(json.dumps(fake.service_account_key(ROBOT)), encoding="utf-8")
    log = tmp_path / "xsim.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [str(BIN / "xsim"), "serve", "--port", "0", "--world", str(world_path),
             "--now", "real", "--log-level", "warning"],
            stderr=sink,
        )  # fmt: skip
    try:
        found = None
        for _ in range(300):  # the banner comes once the port is bound
            found = re.search(r"on (http://127\.0\.0\.1:\d+)", log.read_text())
            if found or server.poll() is not None:
                break
            time.sleep(0.05)
        assert found, log.read_text()
        app = next(a for a in world.apps.values() if a.client_secret)
        user = world.users[world.tokens[0].user_id]
        db = tmp_path / "store.db"
        (isolated_env / "config.toml").write_text(
            "\n".join([
                'timezone = "UTC"', "", "[api]", f'base_url = "{found[1]}"',
                f'client_id = "{app.client_id}"', "",
                "[[accounts]]", 'name = "main"', f'username = "{user.username}"', "",
                "[delivery.files]", f'folder = "{tmp_path / "reports"}"', 'formats = ["xlsx"]',
                "", "[delivery.sheets]", f'spreadsheet_id = "{SID}"',
                f'api_base_url = "{fake.url}"',
            ]),
            encoding="utf-8",
        )  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XPULSE_", "FAKETIME"))}
        env |= {
            "XPULSE_HOME": str(isolated_env),
            "XPULSE_DB": f"sqlite:///{db}",
            "XPULSE_CLIENT_SECRET": app.client_secret or "",
            "XPULSE_REFRESH_TOKEN_MAIN": world.tokens[0].refresh_token or "",
            "XPULSE_SHEETS_CREDENTIALS": str(key),
        }
        yield Live(isolated_env, env, db, fake)
    finally:
        server.terminate()
        server.wait(timeout=10)
        stack.close()


def _sheet_rows(path: Path, title: str) -> list[dict[str, Any]]:
    ws = load_workbook(path)[title]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_collect_then_workbooks_and_views_agree_with_the_report(live: Live, tmp_path: Path) -> None:
    live.xpulse("collect")
    doc = json.loads(
        live.xpulse("report", "--period", "last-week", "--tz", "UTC", "-f", "json").stdout
    )
    totals = doc["totals"]
    assert totals["posts"] > 3 and totals["impressions"] > 0  # a week worth checking

    # The report workbook: its Summary and Posts are the report's.
    book = tmp_path / "week.xlsx"
    live.xpulse("report", "--period", "last-week", "--tz", "UTC", "--out", str(book))
    summary = {r["Figure"]: r for r in _sheet_rows(book, "Summary") if r["Figure"]}
    label = doc["period"]["label"]
    assert summary["Impressions"][label] == totals["impressions"]
    assert summary["Engagements"][label] == totals["engagements"]
    posts = _sheet_rows(book, "Posts")
    assert [r["Post id"] for r in posts] == [p["id"] for p in doc["posts"]]

    # The portfolio workbook: one account, and the total, both the report's.
    accounts = tmp_path / "accounts.xlsx"
    live.xpulse("report", "--all-accounts", "--period", "last-week", "--tz", "UTC",
                "--out", str(accounts))  # fmt: skip
    by_name = {r["Account"]: r for r in _sheet_rows(accounts, "Accounts")}
    assert by_name["main"]["Impressions"] == by_name["all"]["Impressions"] == totals["impressions"]

    # The export workbook: the test's own sums over the period's posts equal the report.
    export = tmp_path / "posts.xlsx"
    live.xpulse("export", "--format", "xlsx", "--out", str(export))
    start = datetime.fromisoformat(doc["period"]["start"]).astimezone(UTC).replace(tzinfo=None)
    end = datetime.fromisoformat(doc["period"]["end"]).astimezone(UTC).replace(tzinfo=None)
    rows = _sheet_rows(export, "Posts")
    mine = [r for r in rows if start <= r["created_at"] < end and r["content_type"] != "retweet"]
    assert isinstance(mine[0]["created_at"], datetime)  # a real date, not text
    assert len(mine) == totals["posts"]
    assert sum(r["impressions"] or 0 for r in mine) == totals["impressions"]
    interactions = sum(
        (r["likes"] or 0) + (r["reposts"] or 0) + (r["replies"] or 0) + (r["quotes"] or 0)
        for r in mine
    )
    assert interactions == totals["engagements"]

    # The BI views, read by another SQLite client than xpulse's.
    with sqlite3.connect(live.db) as conn:
        conn.row_factory = sqlite3.Row
        week = conn.execute(
            "SELECT * FROM bi_account_weekly WHERE account = 'main' AND week = ?", (label,)
        ).fetchone()
    assert week is not None
    assert (week["posts"], week["impressions"], week["engagements"]) == (
        totals["posts"], totals["impressions"], totals["engagements"],
    )  # fmt: skip

    # And the xlsx destination of `xpulse run`.
    live.xpulse("run", "--only", "files", "--period", "last-week")
    delivered = tmp_path / "reports" / "main" / f"main-{label}.xlsx"
    delivered_summary = {r["Figure"]: r for r in _sheet_rows(delivered, "Summary") if r["Figure"]}
    assert delivered_summary["Posts"][label] == totals["posts"]


def test_sheets_from_config_check_report_and_run(live: Live) -> None:
    book = live.sheets.add_book(SID, shared_with=set())
    checked = live.xpulse("config", "check", code=2)
    assert f"[FAIL] account main sheets: no access to spreadsheet {SID}" in checked.stdout
    assert f"share it with {ROBOT} as Editor" in checked.stdout
    book.shared_with.add(ROBOT)
    checked = live.xpulse("config", "check", code=None)
    assert f"[ok] account main sheets: spreadsheet {SID} reachable as {ROBOT}" in checked.stdout
    assert [s.title for s in book.sheets] == ["Sheet1"]  # checking wrote nothing

    live.xpulse("collect")
    doc = json.loads(
        live.xpulse("report", "--period", "last-week", "--tz", "UTC", "-f", "json").stdout
    )
    label = doc["period"]["label"]
    # `report --to sheets` writes the week; the run's send then finds it and updates it.
    live.xpulse("report", "--period", "last-week", "--tz", "UTC", "--to", "sheets")
    ran = live.xpulse("run", "--only", "sheets", "--period", "last-week")
    assert "sheets sent" in ran.stdout
    weekly = book.sheet("weekly")
    assert weekly is not None
    rows = weekly.values()
    assert rows[0][:3] == ["account", "username", "period"]
    [row] = [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]  # updated, not appended
    assert (row["period"], row["impressions"]) == (label, doc["totals"]["impressions"])
    posts = book.sheet("posts")
    assert posts is not None
    post_rows = [dict(zip(posts.values()[0], r, strict=False)) for r in posts.values()[1:]]
    assert sorted(r["post_id"] for r in post_rows) == sorted(p["id"] for p in doc["posts"])
    assert sum(r["impressions"] for r in post_rows) == doc["totals"]["impressions"]
    for r in live.sheets.requests:
        assert problems(r.method, r.path, r.query, r.body) == [], r

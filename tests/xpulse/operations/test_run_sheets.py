"""``xpulse run`` delivering to Google Sheets: xsim, and the local fake Sheets API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sheets_discovery import problems
from sheets_fake import FakeSheets, serve
from xpulse_run_stack import Stack

from xpulse.errors import ConfigError

SID = "1RunTestSpreadsheet_0123456789"
ROBOT = "runner@xpulse-test.iam.gserviceaccount.com"


@pytest.fixture
def sheets(tmp_path: Path) -> Iterator[tuple[FakeSheets, str]]:
    fake = FakeSheets()
    with serve(fake):
        key = tmp_path / "google.json"
        key.write_text(json.dumps(fake.service_account_key(ROBOT)), encoding="utf-8")
        extra = "\n".join(
            [
                "[delivery.sheets]",
                f'spreadsheet_id = "{SID}"',
                f'credentials_file = "{key}"',
                f'api_base_url = "{fake.url}"',
            ]
        )
        yield fake, extra


def _rows(fake: FakeSheets, title: str) -> list[dict[str, Any]]:
    sheet = fake.books[SID].sheet(title)
    assert sheet is not None
    rows = sheet.values()
    return [dict(zip(rows[0], r + [""] * (len(rows[0]) - len(r)), strict=True)) for r in rows[1:]]


def test_run_writes_each_account_once_and_retries_an_unshared_sheet(
    stack: Stack, sheets: tuple[FakeSheets, str]
) -> None:
    fake, extra = sheets
    book = fake.add_book(SID, shared_with=set())  # not shared yet: the first run fails
    stack.write_config(extra=extra)
    first = stack.run(only=("sheets",))
    assert not first.ok
    line = first.accounts[0].line()
    assert f"share it with {ROBOT} as Editor" in line and "rerun to retry" in line
    reads = stack.ledger()["totals"]["post_reads"]

    book.shared_with.add(ROBOT)
    second = stack.run(only=("sheets",))
    assert second.ok, second.lines()
    assert stack.ledger()["totals"]["post_reads"] == reads  # sent from the outbox, no reads
    weekly = _rows(fake, "weekly")
    assert sorted((r["account"], r["period"]) for r in weekly) == [
        ("alpha", "2026-W21"),
        ("beta", "2026-W21"),
    ]
    for outcome in second.accounts:
        assert outcome.report is not None
        row = next(r for r in weekly if r["account"] == outcome.name)
        assert row["impressions"] == outcome.report.totals.impressions
        assert row["posts"] == outcome.report.totals.posts
        posts = [r for r in _rows(fake, "posts") if r["account"] == outcome.name]
        assert [r["post_id"] for r in posts] == [p.id for p in outcome.report.posts]

    calls = len(fake.requests)
    third = stack.run(only=("sheets",))
    assert all(a.already == ["sheets"] for a in third.accounts)
    assert len(fake.requests) == calls  # already sent: not touched again
    for r in fake.requests:
        assert problems(r.method, r.path, r.query, r.body) == [], r


def test_no_credentials_configured_stops_the_run_before_any_read(
    stack: Stack, sheets: tuple[FakeSheets, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, extra = sheets
    extra = "\n".join(line for line in extra.splitlines() if "credentials_file" not in line)
    monkeypatch.delenv("XPULSE_SHEETS_CREDENTIALS", raising=False)
    stack.write_config(extra=extra)
    with pytest.raises(ConfigError, match=r"no Google credentials: set credentials_file"):
        stack.run(only=("sheets",))
    assert stack.ledger()["totals"]["post_reads"] == 0


def test_dry_run_names_the_spreadsheet_and_touches_nothing(
    stack: Stack, sheets: tuple[FakeSheets, str]
) -> None:
    from xpulse.config.settings import load_config
    from xpulse.operations.outbox import Transports
    from xpulse.operations.run import Hooks, RunOptions, run_job

    fake, extra = sheets
    stack.write_config(extra=extra)
    said: list[str] = []
    hooks = Hooks(clock=lambda: stack.now, transports=Transports(sleep=stack.sleeps.append))
    run_job(load_config(), RunOptions(only=("sheets",), dry_run=True), hooks, said.append)
    sends = [line for line in said if line.startswith("would send")]
    assert sends == [
        f"would send {name} 2026-W21: sheets spreadsheet {SID} (worksheets 'weekly', 'posts')"
        for name in ("alpha", "beta")
    ]
    assert fake.requests == [] and fake.token_calls == 0

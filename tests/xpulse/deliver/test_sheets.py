"""The Google Sheets destination against a local fake of the Sheets API v4, over HTTP.

Every request the destination makes is checked against Google's discovery document, and
the fake's spreadsheet is read back and compared with the report, figure by figure.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sheets_discovery import problems
from sheets_fake import Book, FakeSheets, Formula, serve

from xpulse.analytics import Report
from xpulse.deliver.sheets import META_KEY, SheetsDestination
from xpulse.errors import DeliveryError, DestinationConfigError
from xpulse.operations.destinations import report_rows, report_worksheets

SID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-xyz"
ROBOT = "xpulse@xpulse-test.iam.gserviceaccount.com"


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    api = FakeSheets()
    with serve(api):
        yield api


@pytest.fixture
def key_file(fake: FakeSheets, tmp_path: Path) -> Path:
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(fake.service_account_key(ROBOT)), encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def book(fake: FakeSheets) -> Book:
    return fake.add_book(SID, {ROBOT})


Make = Callable[..., SheetsDestination]


@pytest.fixture
def make(fake: FakeSheets, key_file: Path) -> Make:
    def build(**kw: Any) -> SheetsDestination:
        kw.setdefault("sleep", lambda s: None)
        worksheets = report_worksheets(kw.pop("weekly_worksheet", "weekly"), "posts")
        return SheetsDestination(
            kw.pop("sid", SID), kw.pop("key", key_file), worksheets, api_base_url=fake.url, **kw
        )

    return build


def _table(book: Book, title: str) -> list[dict[str, Any]]:
    sheet = book.sheet(title)
    assert sheet is not None, f"no worksheet {title!r}"
    rows = sheet.values()
    return [dict(zip(rows[0], r + [""] * (len(rows[0]) - len(r)), strict=True)) for r in rows[1:]]


def _serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def _discovery_clean(fake: FakeSheets) -> None:
    assert fake.requests
    for r in fake.requests:
        assert problems(r.method, r.path, r.query, r.body) == [], r


def _writes(fake: FakeSheets) -> list[Any]:
    return [r for r in fake.requests if r.method in ("POST", "PUT") and "batchGet" not in r.path]


def test_first_send_makes_both_worksheets_and_writes_the_report(
    make: Make, fake: FakeSheets, book: Book, builders_report: Callable[[str], Report]
) -> None:
    report = builders_report('=HYPERLINK("http://evil.example","click")')
    url = make().send(report_rows(report))
    assert url == f"https://docs.google.com/spreadsheets/d/{SID}"
    _discovery_clean(fake)
    # Only the header rows and the key columns are read, however long the history grows.
    reads = [
        q for r in fake.requests if r.path.endswith("values:batchGet") for q in r.query["ranges"]
    ]
    assert sorted(reads) == ["'posts'!1:1", "'posts'!A:C", "'weekly'!1:1", "'weekly'!A:C"]
    # Values go in RAW: never parsed, so never a formula.
    for r in _writes(fake):
        how = (r.body or {}).get("valueInputOption") or r.query.get("valueInputOption", [None])[0]
        assert how in (None, "RAW"), r
    weekly, posts = book.sheet("weekly"), book.sheet("posts")
    assert weekly is not None and posts is not None
    assert weekly.frozen_rows == 1 and posts.frozen_rows == 1
    assert {m["metadataKey"]: m["metadataValue"] for m in weekly.metadata} == {META_KEY: "weekly"}

    [row] = _table(book, "weekly")
    t = report.totals
    assert (row["account"], row["period"]) == ("brand", "2026-W21")
    assert row["posts"] == t.posts and row["impressions"] == t.impressions
    assert row["engagements"] == t.likes + t.reposts + t.replies + t.quotes
    assert t.engagement_rate is not None
    assert row["engagement_rate"] == pytest.approx(t.engagement_rate / 100)
    # Dates are serial numbers under a date format, the period's local days.
    assert row["period_start"] == _serial(date(2026, 5, 18))
    assert row["period_end"] == _serial(date(2026, 5, 24))
    start_col = list(_table(book, "weekly")[0]).index("period_start")
    assert weekly.formats[start_col]["type"] == "DATE"

    rows = _table(book, "posts")
    expected = sorted(report.posts, key=lambda p: (p.created_at, p.id))
    assert [r["post_id"] for r in rows] == [p.id for p in expected]
    assert all(isinstance(r["post_id"], str) for r in rows)  # ids stay text: no rounding
    assert sum(r["impressions"] for r in rows) == t.impressions
    evil = next(r for r in rows if r["text"].startswith("=HYPERLINK"))
    assert isinstance(evil["text"], str)
    assert not any(isinstance(c, Formula) for s in book.sheets for row in s.rows for c in row)
    for r, p in zip(rows, expected, strict=True):
        days = (p.created_local.replace(tzinfo=None) - datetime(1899, 12, 30)) / timedelta(days=1)
        assert r["created_local"] == pytest.approx(days)


def test_a_rerun_updates_the_period_in_place_and_a_new_period_is_appended(
    make: Make,
    fake: FakeSheets,
    book: Book,
    report: Report,
    previous_report: Report,
    builders_report: Callable[[str], Report],
) -> None:
    dest = make()
    dest.send(report_rows(report))
    first = (_table(book, "weekly"), _table(book, "posts"))
    dest.send(report_rows(report))
    assert (_table(book, "weekly"), _table(book, "posts")) == first  # nothing appended
    # The same period with other figures replaces its row, still one row.
    changed = builders_report("a new top post")
    dest.send(report_rows(changed))
    weekly = _table(book, "weekly")
    assert len(weekly) == 1 and weekly[0]["impressions"] == changed.totals.impressions
    # Another period is a new row; the first one stays as it was.
    dest.send(report_rows(previous_report))
    weekly = _table(book, "weekly")
    assert [r["period"] for r in weekly] == ["2026-W21", "2026-W20"]
    assert weekly[1]["impressions"] == previous_report.totals.impressions
    header_rows = [r for r in book.sheet("posts").values() if r and r[0] == "account"]  # type: ignore[union-attr]
    assert len(header_rows) == 1  # the header was written once
    _discovery_clean(fake)


def test_429_and_5xx_are_retried_with_a_bounded_backoff(
    make: Make, fake: FakeSheets, book: Book, report: Report
) -> None:
    waits: list[float] = []
    fake.fail_next = [429, 503]
    make(sleep=waits.append).send(report_rows(report))
    assert len(waits) == 2 and waits[0] <= 2 and waits[1] <= 4
    assert _table(book, "weekly")[0]["period"] == "2026-W21"

    fake.fail_next = [503] * 20
    before = len(fake.requests)
    waits.clear()
    with pytest.raises(DeliveryError) as info:
        make(sleep=waits.append, retries=3).send(report_rows(report))
    assert info.value.retryable and "503" in str(info.value) and "4 tries" in str(info.value)
    assert len(fake.requests) - before == 4 and len(waits) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "is not a Google service-account key"),
        ('{"type": "service_account"}', "lacks client_email, private_key, token_uri"),
        ("dir", "cannot read the credentials file"),
    ],
)
def test_unusable_credentials_are_one_line_naming_the_file(
    make: Make, book: Book, report: Report, tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "key.json"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DestinationConfigError) as info:
        make(key=path).send(report_rows(report))
    text = str(info.value)
    assert message in text and str(path) in text and "\n" not in text


def test_refused_credentials_say_so(
    make: Make, fake: FakeSheets, book: Book, report: Report, tmp_path: Path
) -> None:
    other = FakeSheets()
    other.url = fake.url  # a key the fake does not know: its signature cannot verify
    path = tmp_path / "stranger.json"
    path.write_text(json.dumps(other.service_account_key(ROBOT)), encoding="utf-8")
    with pytest.raises(DestinationConfigError, match="Google refused the credentials"):
        make(key=path).send(report_rows(report))


def test_unknown_or_unshared_spreadsheets_name_the_fix(
    make: Make, fake: FakeSheets, report: Report
) -> None:
    with pytest.raises(DestinationConfigError, match=f"spreadsheet {SID} not found"):
        make().send(report_rows(report))
    fake.add_book(SID, {"someone@example.com"})
    with pytest.raises(DestinationConfigError) as info:
        make().send(report_rows(report))
    assert f"share it with {ROBOT} as Editor" in str(info.value)


def test_a_renamed_worksheet_or_changed_header_stops_before_any_write(
    make: Make, fake: FakeSheets, book: Book, report: Report
) -> None:
    dest = make()
    dest.send(report_rows(report))
    weekly = book.sheet("weekly")
    assert weekly is not None
    weekly.title = "Weekly KPIs"
    count = len(_writes(fake))
    with pytest.raises(DestinationConfigError) as info:
        dest.send(report_rows(report))
    assert "renamed to 'Weekly KPIs'" in str(info.value)
    assert 'sheets.weekly_worksheet = "Weekly KPIs"' in str(info.value)
    assert len(_writes(fake)) == count and book.sheet("weekly") is None  # nothing made
    # Following the advice works.
    make(weekly_worksheet="Weekly KPIs").send(report_rows(report))
    weekly.rows[0][7] = "Impressions (all)"
    count = len(_writes(fake))
    with pytest.raises(DestinationConfigError, match=r"column H is 'Impressions \(all\)'"):
        make(weekly_worksheet="Weekly KPIs").send(report_rows(report))
    assert len(_writes(fake)) == count


def test_a_user_oauth_file_works_too(
    make: Make, fake: FakeSheets, report: Report, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    info = fake.user_file("ana@example.com")
    path = tmp_path / "user.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    book = fake.add_book(SID, {"ana@example.com"})
    make(key=path, token_url=f"{fake.url}/token").send(report_rows(report))
    assert _table(book, "weekly")[0]["posts"] == report.totals.posts
    for secret in (info["refresh_token"], info["client_secret"]):
        assert secret not in caplog.text


def test_check_reaches_the_spreadsheet_and_writes_nothing(
    make: Make, fake: FakeSheets, book: Book
) -> None:
    line = make().check()
    assert SID in line and ROBOT in line
    assert _writes(fake) == [] and [s.title for s in book.sheets] == ["Sheet1"]
    _discovery_clean(fake)


def test_the_discovery_check_catches_a_bad_request() -> None:
    """The checker itself: what Google's document does not allow is reported."""
    path = f"/v4/spreadsheets/{SID}/values:batchUpdate"
    ok = {"valueInputOption": "RAW", "data": [{"range": "'a'!A1", "values": [[1, "x"]]}]}
    assert problems("POST", path, {}, ok) == []
    assert problems("POST", path, {}, {**ok, "valueInputOption": "RAWISH"})
    assert problems("POST", path, {}, {**ok, "data": [{"range": "a", "rows": []}]})
    assert problems("POST", path, {"valueInputOption": ["RAW"]}, ok)  # a body field, not a param
    assert problems("PUT", f"/v4/spreadsheets/{SID}:batchUpdate", {}, {"requests": []})
    weekly_range = f"/v4/spreadsheets/{SID}/values/'w'!A1:append"
    assert problems("POST", weekly_range, {"valueInputOption": ["RAW"]}, {"values": [[1]]}) == []
    assert problems("POST", weekly_range, {"insertDataOption": ["APPEND"]}, {"values": [[1]]})


def test_config_check_reaches_the_spreadsheet_without_writing(
    fake: FakeSheets, key_file: Path, isolated_env: Path
) -> None:
    from xpulse.operations.config_check import run_checks

    path = isolated_env / "config.toml"
    path.write_text(
        "\n".join(
            [
                '[[accounts]]\nname = "main"\nusername = "acme"\n',
                "[delivery.sheets]",
                f'spreadsheet_id = "{SID}"',
                f'credentials_file = "{key_file}"',
                f'api_base_url = "{fake.url}"',
            ]
        ),
        encoding="utf-8",
    )
    [line] = [c for c in run_checks(path, datetime.now(UTC)) if c.what == "account main sheets"]
    assert not line.ok and f"spreadsheet {SID} not found" in line.detail
    book = fake.add_book(SID, {ROBOT})
    [line] = [c for c in run_checks(path, datetime.now(UTC)) if c.what == "account main sheets"]
    assert line.ok and ROBOT in line.detail, line
    assert _writes(fake) == [] and [s.title for s in book.sheets] == ["Sheet1"]
    key_file.unlink()
    [line] = [c for c in run_checks(path, datetime.now(UTC)) if c.what == "account main sheets"]
    assert not line.ok and line.line().startswith(
        f"[FAIL] account main sheets: the credentials file {key_file} does not exist"
    )

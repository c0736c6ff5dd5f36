"""``xpulse report`` end to end: a config, a SQLite store with known rows, every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator
from xpulse_store_rows import post

import xpulse
from xpulse import fsutil
from xpulse.analytics.portfolio import NO_DATA, portfolio_schema_text
from xpulse.cli import cli
from xpulse.store import open_store
from xpulse.store.queries import (
    append_observations,
    ensure_account,
    record_call,
    save_checkpoint,
)
from xpulse.store.schema import posts

# 2026-W21 is Mon 18 May .. Sun 24 May; the report runs on Tuesday 26 May.
AS_OF = "2026-05-26T08:00:00+00:00"
NOW = datetime(2026, 5, 26, 8, tzinfo=UTC)
CONFIG = """
timezone = "UTC"

[[accounts]]
name = "main"
username = "acme"
timezone = "Europe/Berlin"

[[accounts]]
name = "side"
username = "acme_labs"
"""


def _post(
    pid: str, account: str, created: datetime, text: str, ctype: str = "text"
) -> dict[str, Any]:
    return post(
        pid,
        account,
        created,
        author_id="42" if account == "main" else "43",
        text=text,
        content_type=ctype,
        media_keys=None,
        raw={"id": pid, "text": "fake"},
        retrieved_at=NOW,
        first_seen_at=NOW,
    )


def _obs(pid: str, at: datetime, imp: int | None, likes: int, reposts: int = 0) -> dict[str, Any]:
    return {
        "post_id": pid,
        "observed_at": at,
        "source": "/2/tweets",
        "impressions": imp,
        "likes": likes,
        "reposts": reposts,
        "replies": 0,
        "quotes": 0,
        "bookmarks": 0,
    }


@pytest.fixture
def store(isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (isolated_env / "config.toml").write_text(CONFIG, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("XPULSE_DB", url)
    engine = open_store(url)
    w21 = datetime(2026, 5, 19, 10, tzinfo=UTC)  # Tuesday 12:00 in Berlin
    w20 = w21 - timedelta(days=7)
    with engine.begin() as conn:
        ensure_account(conn, "main", "acme", NOW)
        ensure_account(conn, "side", "acme_labs", NOW)
        conn.execute(
            posts.insert(),
            [
                _post("2001", "main", w21, "<script>alert(1)</script> [red]x[/red] =1+1"),
                _post("2002", "main", w21 + timedelta(days=2), "second", "photo"),
                _post("1001", "main", w20, "last week"),
                _post("3001", "side", w21, "side post"),
            ],
        )
        append_observations(
            conn,
            [
                _obs("2001", w21 + timedelta(hours=1), 100, 5),
                _obs("2001", w21 + timedelta(days=3), 1000, 40, 10),
                # A later read without impressions keeps the last known count.
                _obs("2001", w21 + timedelta(days=4), None, 50, 10),
                # Read after the report instant: not part of the report.
                _obs("2001", NOW + timedelta(days=1), 99999, 999),
                _obs("2002", w21 + timedelta(days=3), 500, 5),
                _obs("1001", w20 + timedelta(days=3), 800, 16),
                _obs("3001", w21 + timedelta(days=3), 200, 2),
            ],
        )
        record_call(
            conn,
            {
                "at": w21 + timedelta(days=3),
                "account": "main",
                "endpoint": "/2/users/:id/tweets",
                "method": "GET",
                "status": 200,
                "reads": 3,
                "billable_reads": 3,
                "cost_micros": 3000,
                "errors": 0,
            },
        )
    engine.dispose()
    return url


Run = Callable[..., Result]


@pytest.fixture
def run(store: str) -> Run:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)

    return invoke


def test_json_report_totals_come_from_the_store(run: Run) -> None:
    result = run("--account", "main", "--period", "2026-W21", "--as-of", AS_OF, "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "https://xpulse.dev/schemas/report/v1"
    assert doc["period"]["label"] == "2026-W21" and doc["period"]["tz"] == "Europe/Berlin"
    t = doc["totals"]
    # 2001: 1000 impressions (the later NULL read keeps it), 50 likes + 10 reposts; 2002: 500, 5.
    assert (t["posts"], t["impressions"], t["likes"], t["reposts"]) == (2, 1500, 55, 10)
    assert t["engagements"] == 65
    assert doc["previous"]["totals"]["impressions"] == 800
    assert doc["previous"]["change"]["impressions"] == pytest.approx(87.5)
    assert doc["cost"]["usd"] == pytest.approx(0.003) and doc["cost"]["reads"] == 3


def test_default_is_terminal_text_for_last_week(run: Run) -> None:
    result = run("--account", "main", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "@acme · 2026-W21" in result.stdout
    assert "<script>alert(1)</scri" in result.stdout and "[red]x[/red]" in result.stdout
    assert "1,500" in result.stdout


@pytest.mark.parametrize(("suffix", "marker"), [("html", "<!DOCTYPE html>"), ("md", "# X report")])
def test_out_file_format_from_suffix(run: Run, tmp_path: Path, suffix: str, marker: str) -> None:
    out = tmp_path / f"week.{suffix}"
    result = run("-a", "main", "-p", "2026-W21", "--as-of", AS_OF, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(marker)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".week")] == []


def test_csv_is_formula_safe(run: Run) -> None:
    result = run("-a", "main", "-p", "2026-W21", "--as-of", AS_OF, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == ["2001", "2002"]
    assert rows[0]["url"] == "https://x.com/acme/status/2001"


def test_portfolio_has_one_row_per_account_and_a_total(run: Run) -> None:
    result = run("--all-accounts", "-p", "2026-W21", "--as-of", AS_OF, "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    rows = {r["account"]: r for r in doc["accounts"]}
    assert rows["main"]["impressions"] == 1500 and rows["side"]["impressions"] == 200
    assert rows["side"]["change_impressions"] is None  # no posts the week before
    assert doc["total"]["impressions"] == 1700
    text = run("--all-accounts", "-p", "2026-W21", "--as-of", AS_OF)
    assert "@acme_labs" in text.stdout and "n/a" in text.stdout


def test_empty_period_still_renders(run: Run) -> None:
    # W10 ends before the oldest collected post (May): no data, not a table of zeros.
    result = run("-a", "main", "-p", "2026-W10", "--as-of", AS_OF, "-f", "md")
    assert result.exit_code == 0, result.output
    assert "No data collected for this period" in result.stdout.replace("\\", "")
    assert "No posts in this period." not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-a", "nobody"], "no account named 'nobody'"),
        (["-a", "main", "-p", "last-fortnight"], "unparseable period 'last-fortnight'"),
        (["-a", "main", "-p", "2026-13"], "no month 13"),
        (["-a", "main", "--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["-a", "main", "--all-accounts"], "either --account or --all-accounts"),
        (["-a", "main", "--as-of", "yesterday"], "--as-of 'yesterday'"),
        ([], "several accounts are configured"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(run: Run, args: list[str], message: str) -> None:
    result = run(*args, "--as-of", AS_OF) if "--as-of" not in args else run(*args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_empty_database_is_one_line(
    isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_env / "config.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("XPULSE_DB", f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(cli, ["report", "-a", "main", "--as-of", AS_OF])
    assert result.exit_code != 0
    assert "holds no posts yet" in result.stderr and result.stderr.count("\n") == 1
    assert "run `xpulse collect` first" in result.stderr
    assert "import" not in result.stderr  # no importer exists: the message promises none


def test_unwritable_out_leaves_nothing(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "missing-dir" / "r.html"
    result = run("-a", "main", "-p", "2026-W21", "--as-of", AS_OF, "--out", str(out))
    assert result.exit_code != 0
    assert not out.parent.exists()


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["report", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_portfolio_json_matches_the_committed_schema(run: Run) -> None:
    schema_file = Path(xpulse.__file__).parent / "schemas" / "portfolio.schema.json"
    assert schema_file.read_text(encoding="utf-8") == portfolio_schema_text()
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    result = run("--all-accounts", "-p", "2026-W21", "--as-of", AS_OF, "-f", "json")
    errors = list(Draft202012Validator(schema).iter_errors(json.loads(result.stdout)))
    assert errors == []


def test_text_to_a_file_is_plain(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "week.txt"
    result = run("-a", "main", "-p", "2026-W21", "--as-of", AS_OF, "--out", str(out))
    assert result.exit_code == 0, result.output
    content = out.read_text(encoding="utf-8")
    assert "@acme · 2026-W21" in content and "\x1b" not in content


def test_failed_write_keeps_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "report.html"
    target.write_text("old", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil.os, "replace", broken_replace)
    with pytest.raises(fsutil.WriteError, match="No space left on device"):
        fsutil.write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in folder.iterdir()] == ["report.html"]


def test_month_period_has_a_day_per_date(run: Run) -> None:
    result = run("-a", "main", "-p", "2026-05", "--as-of", AS_OF, "-f", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 0 and doc["period"]["label"] == "2026-05"
    assert doc["period"]["partial"] is True  # May had not ended on the 26th
    assert doc["totals"]["posts"] == 3


# -- accounts with no data yet in the portfolio -----------------------------------------------

MORE_ACCOUNTS = """
[[accounts]]
name = "fresh"
username = "acme_new"

[[accounts]]
name = "quiet"
username = "acme_quiet"

[[accounts]]
name = "stalled"
username = "acme_stalled"
"""


@pytest.fixture
def more(store: str, isolated_env: Path) -> Run:
    """Three more accounts: ``fresh`` never collected, ``quiet`` collected with an empty
    timeline (a checkpoint, no post), ``stalled`` whose first collect stopped before any
    read (the account row only, as after a failed sign-in)."""
    config = isolated_env / "config.toml"
    config.write_text(CONFIG + MORE_ACCOUNTS, encoding="utf-8")
    engine = open_store(store)
    with engine.begin() as conn:
        for name in ("quiet", "stalled"):
            ensure_account(conn, name, f"acme_{name}", NOW)
        save_checkpoint(conn, "quiet", "timeline", since_id=None, updated_at=NOW)
    engine.dispose()

    def invoke(*args: str) -> Result:
        cmd = ["report", "--all-accounts", "-p", "2026-W21", "--as-of", AS_OF, *args]
        return CliRunner().invoke(cli, cmd, catch_exceptions=False)

    return invoke


def test_portfolio_never_collected_is_null_not_zero(more: Run) -> None:
    result = more("-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "https://xpulse.dev/schemas/portfolio/v2" and doc["version"] == 2
    rows = {r["account"]: r for r in doc["accounts"]}
    for name in ("fresh", "stalled"):
        row = rows[name]
        assert row["collected"] is False and row["note"] == NO_DATA
        skip = ("account", "username", "collected", "group")
        figures = {k: v for k, v in row.items() if k not in skip}
        assert figures == {"note": NO_DATA} | {k: None for k in figures if k != "note"}
    # Collected, nothing posted: zeros, not "no data".
    quiet = rows["quiet"]
    assert quiet["collected"] is True and quiet["note"] is None
    assert (quiet["posts"], quiet["impressions"], quiet["previous_posts"]) == (0, 0, 0)
    assert rows["main"]["posts"] == 2 and rows["main"]["collected"] is True
    # The total adds up the accounts with data; it is not dragged to null by the others.
    total = doc["total"]
    assert (total["posts"], total["impressions"], total["collected"]) == (3, 1700, True)
    schema = json.loads(portfolio_schema_text())
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []


def test_every_portfolio_rendering_says_no_data_yet(more: Run) -> None:
    text = more().stdout
    md = more("-f", "md").stdout
    html = more("-f", "html").stdout
    rows = list(csv.DictReader(io.StringIO(more("-f", "csv").stdout)))
    # The terminal row says it short (the full note would not fit a column); the full
    # note follows the table.
    fresh_row, fresh_note = (line for line in text.splitlines() if "@acme_new" in line)
    assert "no data yet" in fresh_row and " 0 " not in fresh_row
    assert fresh_note.strip() == "@acme_new: no data yet — run `xpulse collect`"
    quiet_line = next(line for line in text.splitlines() if "@acme_quiet" in line)
    assert "no data yet" not in quiet_line and " 0 " in quiet_line
    fresh_md = next(line for line in md.splitlines() if "acme\\_new" in line)
    assert "no data yet — run \\`xpulse collect\\`" in fresh_md
    assert '<td colspan="6">no data yet — run `xpulse collect`</td>' in html
    assert html.count("no data yet") == 2  # fresh and stalled; quiet has figures
    by_name = {r["account"]: r for r in rows}
    assert by_name["fresh"]["note"] == NO_DATA and by_name["fresh"]["posts"] == ""
    assert by_name["fresh"]["collected"] == "false"
    assert by_name["quiet"]["posts"] == "0" and by_name["quiet"]["note"] == ""


def test_portfolio_period_without_posts_still_shows_zero(run: Run) -> None:
    result = run("--all-accounts", "-p", "2026-W10", "--as-of", AS_OF, "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [(r["account"], r["posts"], r["collected"]) for r in doc["accounts"]] == [
        ("main", 0, True),
        ("side", 0, True),
    ]
    text = run("--all-accounts", "-p", "2026-W10", "--as-of", AS_OF).stdout
    assert "no data yet" not in text


def test_portfolio_with_no_configured_account_collected_is_one_line(
    store: str, isolated_env: Path
) -> None:
    (isolated_env / "config.toml").write_text(MORE_ACCOUNTS, encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "--all-accounts", "--as-of", AS_OF])
    assert result.exit_code != 0
    assert "no configured account has data yet: run `xpulse collect` first" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


# -- --out: format from the suffix, missing folders -----------------------------------------


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("week.json", lambda t: json.loads(t)["schema"].endswith("/report/v1")),
        ("week.JSON", lambda t: json.loads(t)["version"] == 1),
        ("week.csv", lambda t: t.startswith("id,")),
        ("week.htm", lambda t: t.startswith("<!DOCTYPE html>")),
        ("week.txt", lambda t: "@acme · 2026-W21" in t and not t.startswith("<")),
        ("week", lambda t: "@acme · 2026-W21" in t),  # no suffix: text
    ],
)
def test_out_suffix_picks_the_format(
    run: Run, tmp_path: Path, name: str, check: Callable[[str], bool]
) -> None:
    out = tmp_path / name
    result = run("-a", "main", "-p", "2026-W21", "--as-of", AS_OF, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert check(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("portfolio", [False, True])
def test_unknown_suffix_without_format_is_refused(
    run: Run, tmp_path: Path, portfolio: bool
) -> None:
    out = tmp_path / "week.odt"
    who = ["--all-accounts"] if portfolio else ["-a", "main"]
    result = run(*who, "-p", "2026-W21", "--as-of", AS_OF, "--out", str(out))
    assert result.exit_code == 2
    assert "cannot tell a format from 'week.odt'" in result.stderr and "--format" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.glob("*week*")) == []


def test_explicit_format_wins_over_the_suffix(run: Run, tmp_path: Path) -> None:
    pdf, html = tmp_path / "week.odt", tmp_path / "week.html"
    assert run("-a", "main", "-p", "2026-W21", "--as-of", AS_OF, "-f", "json", "-o", str(pdf))
    assert json.loads(pdf.read_text(encoding="utf-8"))["totals"]["posts"] == 2
    result = run("-a", "main", "-p", "2026-W21", "--as-of", AS_OF, "-f", "md", "-o", str(html))
    assert result.exit_code == 0, result.output
    assert html.read_text(encoding="utf-8").startswith("# X report")


@pytest.mark.parametrize(
    "command",
    [
        ["report", "-a", "main", "-p", "2026-W21", "--as-of", AS_OF],
        ["report", "--all-accounts", "-p", "2026-W21", "--as-of", AS_OF, "-f", "csv"],
        ["export", "--format", "csv"],
        ["export", "--observations"],
    ],
)
def test_report_and_export_refuse_a_missing_folder_alike(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*command, "--out", "nodir/x"])
    assert result.exit_code == 1
    assert result.stderr == (
        "xpulse: error: cannot write nodir/x: the folder nodir does not exist\n"
    )
    assert not (tmp_path / "nodir").exists()


def test_report_and_export_write_into_an_existing_folder(store: str, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    for command in (["report", "-a", "main", "--as-of", AS_OF], ["export", "--format", "csv"]):
        out = tmp_path / "out" / f"{command[0]}.csv"
        result = CliRunner().invoke(cli, [*command, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0


@pytest.mark.parametrize("name", ["fresh", "stalled"])
def test_one_account_never_collected_is_one_line(more: Run, name: str) -> None:
    cmd = ["report", "--account", name, "-p", "2026-W21", "--as-of", AS_OF]
    result = CliRunner().invoke(cli, cmd)
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        f"xpulse: error: no data for account {name!r} yet: run "
        f"`xpulse collect --account {name}` first"
    ]
    quiet = CliRunner().invoke(cli, [*cmd[:2], "quiet", *cmd[3:]])
    assert quiet.exit_code == 0 and "no posts" in quiet.output.lower()


def test_competitor_accounts_are_a_group_apart_never_in_the_own_total(
    store: str, isolated_env: Path
) -> None:
    # "side" read with an app bearer token: someone else's public metrics.
    config = isolated_env / "config.toml"
    config.write_text(CONFIG + 'auth = "bearer"\n', encoding="utf-8")
    cmd = ["report", "--all-accounts", "-p", "2026-W21", "--as-of", AS_OF]
    doc = json.loads(CliRunner().invoke(cli, [*cmd, "-f", "json"]).stdout)
    rows = {r["account"]: r for r in doc["accounts"]}
    assert (rows["main"]["group"], rows["side"]["group"]) == ("own", "competitor")
    assert doc["total"]["posts"] == rows["main"]["posts"]  # the own accounts only
    assert doc["total"]["impressions"] == rows["main"]["impressions"]
    rivals = doc["competitors_total"]
    assert (rivals["posts"], rivals["impressions"]) == (
        rows["side"]["posts"],
        rows["side"]["impressions"],
    )
    assert rivals["posts"] > 0
    md = CliRunner().invoke(cli, [*cmd, "-f", "md"]).stdout.replace("\\", "")
    assert "@acme_labs (competitor)" in md and "competitors (not in the total)" in md
    assert "| all own accounts |" in md

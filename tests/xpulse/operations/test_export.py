"""The export use case: CSV cells safe in a spreadsheet, every read kept, X's engagements
named as in the report and read from the stored series as the report reads them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from xpulse_store_rows import T0, observation, post

from xpulse.cli import cli
from xpulse.operations.export import POST_METRIC_COLUMNS, export
from xpulse.render.cells import csv_cell
from xpulse.store import queries as q
from xpulse.store.schema import OBSERVATION_METRICS

RISKY = ['=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]
# Hostile text the first guard let through: a formula hidden behind control or bidi
# characters (which a spreadsheet may drop), an ESC sequence, a bidi override mid-text.
HOSTILE = {
    "50": ("\x00=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    "51": ("\u202e=1+1", "'=1+1"),
    "52": ("\x1b[31mred\x1b[0m", "[31mred[0m"),
    "53": ("abc\u202edcba", "abcdcba"),
    "54": ("\r\n@SUM(A1)", "'\n@SUM(A1)"),
}


@pytest.fixture
def db(tmp_path: Path, open_db: Callable[[str], Engine]) -> Engine:
    engine = open_db(f"sqlite:///{tmp_path / 'e.db'}")
    with engine.begin() as conn:
        q.ensure_account(conn, "main", "main", T0)
        q.upsert_posts(conn, [post(str(i), text=t) for i, t in enumerate(RISKY)])
        q.upsert_posts(conn, [post("99", text='plain, with "quotes"\nand a newline')])
        q.upsert_posts(conn, [post(i, text=t) for i, (t, _) in HOSTILE.items()])
        q.append_observations(
            conn, [observation("0", T0, 10), observation("0", T0 + timedelta(days=1), 25)]
        )
    return engine


def test_csv_cells_cannot_run_as_formulas(db: Engine) -> None:
    out = io.StringIO()
    with db.connect() as conn:
        assert export(conn, "csv", out) == 7 + len(HOSTILE)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    for i, text in enumerate(RISKY):
        assert rows[str(i)]["text"] == "'" + text.replace("\r", "\n")  # CR: a newline
    assert rows["99"]["text"] == 'plain, with "quotes"\nand a newline'  # round-trips
    assert rows["0"]["impressions"] == "25"  # the latest observation
    assert rows["1"]["impressions"] == ""  # never observed: empty, not 0
    assert csv_cell(-5) == -5  # numbers stay numbers


def test_export_csv_is_as_safe_as_the_report_csv(db: Engine) -> None:
    """Hostile post text: no formula, control or bidi character survives in any cell."""
    out = io.StringIO()
    with db.connect() as conn:
        export(conn, "csv", out)
    raw = out.getvalue()
    assert "\x00" not in raw and "\x1b" not in raw and "\u202e" not in raw
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(raw))}
    for pid, (_, expected) in HOSTILE.items():
        assert rows[pid]["text"] == expected
    for row in rows.values():  # every text cell, as a spreadsheet would read it
        for value in row.values():
            assert not value.lstrip("\x00\u202e").startswith(("=", "+", "@", "\t", "\r")), value


def test_jsonl_observations_keep_every_read(db: Engine) -> None:
    out = io.StringIO()
    with db.connect() as conn:
        export(conn, "jsonl", out, observations=True, account="main")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["post_id"], r["impressions"]) for r in records] == [("0", 10), ("0", 25)]
    assert records[0]["observed_at"] == "2026-05-04T09:00:00Z"


def test_cli_export_and_cost_fail_in_one_line(
    db: Engine, tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_env / "config.toml").write_text('[api]\nclient_id = "x"\n', encoding="utf-8")
    monkeypatch.setenv("XPULSE_DB", str(db.url))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "--out", str(blocker / "posts.csv")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.startswith(f"xpulse: error: cannot write {blocker / 'posts.csv'}: ")
    assert "Traceback" not in result.output and result.output.count("\n") == 1
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    # A SQLite path whose folder cannot be created: the store's one-line error.
    monkeypatch.setenv("XPULSE_DB", f"sqlite:///{blocker}/sub/x.db")
    result = CliRunner().invoke(cli, ["cost"])
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert result.output.startswith(f"xpulse: error: cannot open database sqlite:///{blocker}")
    assert result.output.count("\n") == 1


def test_x_engagements_is_named_as_in_the_report_and_never_blanked(db: Engine) -> None:
    with db.begin() as conn:
        q.append_observations(
            conn,
            [
                observation("99", T0, 100, engagements=7, likes=3),
                observation("99", T0 + timedelta(hours=1), 120, likes=4),  # no X count read
            ],
        )
    out = io.StringIO()
    with db.connect() as conn:
        export(conn, "csv", out)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert "engagements" not in rows["99"]  # the report CSV's name for likes + reposts + ...
    assert (rows["99"]["x_engagements"], rows["99"]["likes"]) == ("7", "4")
    assert rows["99"]["impressions"] == "120"


def test_x_engagements_come_from_the_analytics_series_unless_an_observation_is_newer(
    tmp_path: Path, open_db: Callable[[str], Engine]
) -> None:
    """Stored /2/tweets/analytics buckets fill X's count in export and the report: the sum
    of the most recently read granularity, never across granularities, never over a newer
    observation's count."""
    from xpulse.operations.report_inputs import report_inputs
    from xpulse.store.metric_buckets import upsert_buckets
    from xpulse.store.report_queries import StoredAccount

    engine = open_db(f"sqlite:///{tmp_path / 'x.db'}")
    later = T0 + timedelta(days=3)
    with engine.begin() as conn:
        q.ensure_account(conn, "main", "main", T0)
        q.upsert_posts(conn, [post(pid) for pid in ("a", "b", "c")])
        q.append_observations(conn, [
            observation("a", T0 + timedelta(hours=1), 100),  # no engagements read
            observation("b", T0 + timedelta(days=4), 500, engagements=77),  # newer than series
            observation("c", T0 + timedelta(hours=1), 100, engagements=3),  # older than series
        ])  # fmt: skip

        def bucket(pid: str, granularity: str, day: int, value: int) -> dict[str, object]:
            return {
                "post_id": pid, "granularity": granularity, "source": "/2/tweets/analytics",
                "bucket_start": T0.replace(hour=0) + timedelta(days=day),
                "fetched_at": later, "engagements": value,
            }  # fmt: skip

        upsert_buckets(conn, [bucket(p, "day", d, 10 * (d + 1)) for p in "abc" for d in range(3)])
        # An hourly read of "a" made earlier than the daily one: not added to it.
        upsert_buckets(
            conn, [{**bucket("a", "hour", 0, 999), "fetched_at": later - timedelta(days=1)}]
        )
    out = io.StringIO()
    with engine.connect() as conn:
        export(conn, "csv", out)
        inputs = report_inputs(
            conn, StoredAccount("main", "main", None), T0 - timedelta(days=1),
            T0 + timedelta(days=5), T0 - timedelta(days=1), T0 + timedelta(days=5),
        )  # fmt: skip
        before = report_inputs(
            conn, StoredAccount("main", "main", None), T0 - timedelta(days=1),
            later - timedelta(hours=1), T0 - timedelta(days=1), T0 + timedelta(days=5),
        )  # fmt: skip
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    expected = 10 + 20 + 30
    assert {p: rows[p]["x_engagements"] for p in "abc"} == {
        "a": str(expected), "b": "77", "c": str(expected),
    }  # fmt: skip
    assert {p.id: p.engagements for p in inputs.posts} == {"a": expected, "b": 77, "c": expected}
    # A report made before the daily read sees only the hourly one, and c's observation.
    assert {p.id: p.engagements for p in before.posts} == {"a": 999, "b": None, "c": 3}
    engine.dispose()


@pytest.mark.parametrize(
    ("flags", "sheet", "columns"),
    [
        ([], "Posts", POST_METRIC_COLUMNS),
        (["--observations"], "Observations", OBSERVATION_METRICS),
    ],
)
def test_xlsx_export_writes_every_count_as_a_number_and_an_unknown_as_an_empty_cell(
    db: Engine,
    tmp_path: Path,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    sheet: str,
    columns: tuple[str, ...],
) -> None:
    """A spreadsheet user sums a column: each count is a number cell, X's engagements
    included; a count never read is an empty cell, not 0 and not the text "None"."""
    from openpyxl import load_workbook

    with db.begin() as conn:
        q.append_observations(conn, [observation("99", T0, 100, engagements=7, likes=3)])
    (isolated_env / "config.toml").write_text('[api]\nclient_id = "x"\n', encoding="utf-8")
    monkeypatch.setenv("XPULSE_DB", str(db.url))
    book = tmp_path / "export.xlsx"
    result = CliRunner().invoke(cli, ["export", "--format", "xlsx", "--out", str(book), *flags])
    assert result.exit_code == 0, result.output
    ws = load_workbook(book)[sheet]
    header = [c.value for c in ws[1]]
    assert set(columns) <= set(header)
    rows = list(ws.iter_rows(min_row=2))
    assert rows
    for name in columns:
        for cell in (r[header.index(name)] for r in rows):
            numeric = cell.data_type == "n" and isinstance(cell.value, int)
            assert cell.value is None or numeric, (name, cell.value, cell.data_type)
    by_name = {name: [r[header.index(name)].value for r in rows] for name in header}
    x_name = "x_engagements" if sheet == "Posts" else "engagements"
    assert 7 in by_name[x_name]  # X's own count, a number a SUM adds
    assert None in by_name["bookmarks"]  # never read: empty
    assert "None" not in {v for col in by_name.values() for v in col}
    if sheet == "Posts":
        never_read = by_name["id"].index("1")
        assert by_name["impressions"][never_read] is None
        assert by_name["x_engagements"][never_read] is None
        # The flag is a boolean cell; ids stay text (19 digits are past Excel's precision).
        assert {r[header.index("is_promoted")].data_type for r in rows} == {"b"}
        assert {r[header.index("id")].data_type for r in rows} == {"s"}

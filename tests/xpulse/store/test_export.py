from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from xpulse.store import queries as q
from xpulse.store.export import atomic_text, export, safe_cell

from .helpers import T0, observation, post

RISKY = ['=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.fixture
def db(tmp_path: Path, open_db: Callable[[str], Engine]) -> Engine:
    engine = open_db(f"sqlite:///{tmp_path / 'e.db'}")
    with engine.begin() as conn:
        q.ensure_account(conn, "main", "main", T0)
        q.upsert_posts(conn, [post(str(i), text=t) for i, t in enumerate(RISKY)])
        q.upsert_posts(conn, [post("99", text='plain, with "quotes"\nand a newline')])
        q.append_observations(
            conn, [observation("0", T0, 10), observation("0", T0 + timedelta(days=1), 25)]
        )
    return engine


def test_csv_cells_cannot_run_as_formulas(db: Engine) -> None:
    out = io.StringIO()
    with db.connect() as conn:
        assert export(conn, "csv", out) == 7
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    for i, text in enumerate(RISKY):
        assert rows[str(i)]["text"] == "'" + text
    assert rows["99"]["text"] == 'plain, with "quotes"\nand a newline'  # round-trips
    assert rows["0"]["impressions"] == "25"  # the latest observation
    assert rows["1"]["impressions"] == ""  # never observed: empty, not 0
    assert safe_cell(-5) == -5  # numbers stay numbers


def test_jsonl_observations_keep_every_read(db: Engine) -> None:
    out = io.StringIO()
    with db.connect() as conn:
        export(conn, "jsonl", out, observations=True, account="main")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["post_id"], r["impressions"]) for r in records] == [("0", 10), ("0", 25)]
    assert records[0]["observed_at"] == "2026-05-04T09:00:00Z"


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "exports" / "out.csv"
    target.parent.mkdir()
    target.write_text("previous export\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_text(target) as fh:
        fh.write("half a file")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "previous export\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]
    with atomic_text(target) as fh:
        fh.write("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"

"""``xpulse import analytics-csv`` on X's real exports in ../shared/x-api/analytics-csv/ and on
the newer account_analytics_content layout. Expected figures are computed here from the raw
CSV with the csv module."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import Engine, select
from xpulse_import_helpers import counts, dump

from xpulse.operations.report_inputs import report_inputs
from xpulse.store.report_queries import StoredAccount
from xpulse.store.schema import observations, posts

Run = Callable[..., Result]
CONTENT_HEADER = (
    "Post id,Date,Post text,Post Link,Impressions,Likes,Engagements,Bookmarks,Shares,"
    "New follows,Replies,Reposts,Profile visits,Detail Expands,URL Clicks,Hashtag Clicks,"
    "Permalink Clicks"
)


@pytest.fixture
def exports(x_api_dir: Path, run: Run, isolated_env: Path) -> list[Path]:
    (isolated_env / "config.toml").write_text('[[accounts]]\nname = "r"\nusername = "rOpenSci"\n')
    return sorted((x_api_dir / "analytics-csv").glob("tweet_activity_metrics_*.csv"))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_classic_exports_import_every_post_as_observations_at_the_end_date(
    run: Run, engine: Engine, exports: list[Path]
) -> None:
    result = run("import", "analytics-csv", *map(str, exports))
    assert result.exit_code == 0, result.output
    expected = {p: _rows(p) for p in exports}
    with engine.connect() as conn:
        obs = {o["post_id"]: o for o in conn.execute(select(observations)).mappings()}
        stored = {r["id"]: r for r in conn.execute(select(posts)).mappings()}
    assert len(obs) == sum(len(r) for r in expected.values()) == len(stored)
    for path, rows in expected.items():
        end = path.stem.split("_")[-2]
        as_of = datetime.strptime(end, "%Y%m%d").replace(tzinfo=UTC)
        for row in rows:
            o = obs[row["Tweet id"]]
            assert o["observed_at"] == as_of and o["provenance"] == "analytics-csv"
            assert o["impressions"] == round(float(row["impressions"]))
            assert o["engagements"] == round(float(row["engagements"]))
            assert o["url_link_clicks"] == round(float(row["url clicks"]))
            assert o["reposts"] == round(float(row["retweets"]))
            assert o["organic_impressions"] == o["impressions"]
            assert o["promoted_impressions"] is None  # "-": not promoted, not 0
            post = stored[row["Tweet id"]]
            assert post["text"] == row["Tweet text"]  # newlines inside quotes kept
            stated = datetime.strptime(row["time"], "%Y-%m-%d %H:%M %z")
            assert abs((post["created_at"] - stated).total_seconds()) < 60
    assert any("\n" in p["text"] for p in stored.values())


def test_imported_figures_feed_the_report(run: Run, engine: Engine, exports: list[Path]) -> None:
    assert run("import", "analytics-csv", *map(str, exports)).exit_code == 0
    dec = [r for r in _rows(exports[0])]
    result = run("report", "--period", "2016-12", "--format", "json", "--as-of", "2017-01-05")
    assert result.exit_code == 0, result.output
    import json

    doc = json.loads(result.output)
    totals = json.dumps(doc)
    assert str(sum(round(float(r["impressions"])) for r in dec)) in totals
    with engine.connect() as conn:
        inputs = report_inputs(
            conn, StoredAccount("r", "rOpenSci", None),
            datetime(2016, 12, 1, tzinfo=UTC), datetime(2017, 1, 5, tzinfo=UTC),
            datetime(2016, 12, 1, tzinfo=UTC), datetime(2017, 1, 1, tzinfo=UTC),
        )  # fmt: skip
    assert sum(p.impressions for p in inputs.posts) == sum(
        round(float(r["impressions"])) for r in dec
    )


def test_same_files_twice_change_nothing(run: Run, engine: Engine, exports: list[Path]) -> None:
    assert run("import", "analytics-csv", *map(str, exports)).exit_code == 0
    before = dump(engine)
    again = run("import", "analytics-csv", *map(str, exports))
    assert again.exit_code == 0 and again.output.count("already imported") == len(exports)
    assert dump(engine) == before


def test_promoted_columns_add_to_the_total(
    run: Run, engine: Engine, exports: list[Path], tmp_path: Path
) -> None:
    rows = _rows(exports[0])
    header = list(rows[0])
    row = dict(rows[0], **{"promoted impressions": "100.0", "promoted url clicks": "3"})
    out = tmp_path / "tweet_activity_metrics_rOpenSci_20161201_20170101_en.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, header, quoting=csv.QUOTE_ALL)
        w.writeheader()
        w.writerow(row)
    assert run("import", "analytics-csv", str(out)).exit_code == 0
    with engine.connect() as conn:
        o = conn.execute(select(observations)).mappings().one()
        promoted = conn.execute(select(posts.c.is_promoted)).scalar_one()
    organic = round(float(rows[0]["impressions"]))
    assert (o["impressions"], o["organic_impressions"], o["promoted_impressions"]) == (
        organic + 100, organic, 100,
    )  # fmt: skip
    assert o["url_link_clicks"] == round(float(rows[0]["url clicks"])) + 3 and promoted


def test_newer_content_layout(run: Run, engine: Engine, isolated_env: Path, tmp_path: Path) -> None:
    (isolated_env / "config.toml").write_text('[[accounts]]\nname = "b"\nusername = "brand"\n')
    # 1813005230543011840 is a snowflake of 2024-07-15T23:...Z; "Mon, Jul 15, 2024" its day
    path = tmp_path / "account_analytics_content_2024-07-01_2024-07-31.csv"
    path.write_text(
        CONTENT_HEADER + "\n"
        '1813005230543011840,"Mon, Jul 15, 2024","Two lines,\nwith a comma",'
        "https://x.com/brand/status/1813005230543011840,1200,30,55,4,2,1,5,6,7,8,9,0,1\n",
        encoding="utf-8",
    )
    result = run("import", "analytics-csv", str(path))
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        o = conn.execute(select(observations)).mappings().one()
        p = conn.execute(select(posts)).mappings().one()
    assert (o["impressions"], o["likes"], o["engagements"], o["bookmarks"]) == (1200, 30, 55, 4)
    assert (o["replies"], o["reposts"], o["user_profile_clicks"], o["url_link_clicks"]) == (
        5, 6, 7, 9,
    )  # fmt: skip
    assert o["observed_at"] == datetime(2024, 7, 31, tzinfo=UTC)
    assert p["text"] == "Two lines,\nwith a comma"
    ms = (1813005230543011840 >> 22) + 1288834974657
    assert p["created_at"] == datetime.fromtimestamp(ms / 1000, UTC)


@pytest.mark.parametrize(
    ("content", "name", "problem"),
    [
        ("a,b,c\n1,2,3\n", "x_20240101_20240131.csv", "unknown layout"),
        (
            CONTENT_HEADER.replace(",Impressions", "") + "\n",
            "y_20240101_20240131.csv",
            "missing column 'Impressions'",
        ),
        (CONTENT_HEADER + "\n", "account_analytics_content.csv", "pass --end"),
        (
            CONTENT_HEADER + '\n1,"Mon, Jul 15, 2024",t,l,many,0,0,0,0,0,0,0,0,0,0,0,0\n',
            "z_20240701_20240731.csv",
            "record 2: count 'many' is not a number",
        ),
        (
            CONTENT_HEADER + '\n1,"Mon, Jul 15, 2024",t,l,inf,0,0,0,0,0,0,0,0,0,0,0,0\n',
            "w_20240701_20240731.csv",
            "record 2: count 'inf' is not a count",
        ),
        (
            CONTENT_HEADER + '\n1,"Mon, Jul 15, 2024",t,l,-5,0,0,0,0,0,0,0,0,0,0,0,0\n',
            "v_20240701_20240731.csv",
            "record 2: count '-5' is not a count",
        ),
        ("\x89PNG\r\n\x1a\n\x00\xff", "picture_20240101_20240131.csv", "not"),
    ],
    ids=["unknown", "missing-column", "no-dates", "bad-count", "infinite", "negative", "binary"],
)
def test_bad_exports_are_one_line_nothing_written(
    run: Run, engine: Engine, exports: list[Path], tmp_path: Path, content: str, name: str,
    problem: str,
) -> None:  # fmt: skip
    bad = tmp_path / name
    bad.write_bytes(content.encode("latin-1"))
    before = counts(engine)
    # a good file beside a bad one: neither goes in
    result = run("import", "analytics-csv", str(exports[0]), str(bad))
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line and str(bad) in line and problem in line
    assert counts(engine) == before


def test_export_of_another_account_is_refused(
    run: Run, engine: Engine, exports: list[Path], tmp_path: Path
) -> None:
    other = tmp_path / exports[0].name
    shutil.copy(exports[0], other)
    other.write_text(
        other.read_text(encoding="utf-8").replace("/rOpenSci/", "/someone/"), encoding="utf-8"
    )
    before = counts(engine)
    result = run("import", "analytics-csv", str(other))
    assert result.exit_code == 2
    assert (
        "@someone's analytics-csv (per its post links), not account r (@rOpenSci)" in result.output
    )
    assert counts(engine) == before


def test_archive_after_csv_gives_exact_types_and_keeps_the_csv_counts(
    run: Run, engine: Engine, isolated_env: Path, tmp_path: Path
) -> None:
    import json

    (isolated_env / "config.toml").write_text('[[accounts]]\nname = "b"\nusername = "brand"\n')
    path = tmp_path / "account_analytics_content_2024-07-01_2024-07-31.csv"
    path.write_text(
        CONTENT_HEADER + "\n"
        '1813005230543011840,"Mon, Jul 15, 2024","look https://t.co/abc",'
        "https://x.com/brand/status/1813005230543011840,1200,30,55,4,2,1,5,6,7,8,9,0,1\n"
    )
    assert run("import", "analytics-csv", str(path)).exit_code == 0
    tweet = {
        "id_str": "1813005230543011840", "full_text": "look https://t.co/abc",
        "created_at": "Mon Jul 15 23:30:00 +0000 2024", "favorite_count": "41",
        "retweet_count": "6", "entities": {},
        "extended_entities": {"media": [{"id_str": "99", "type": "video",
            "expanded_url": "https://x.com/brand/status/1813005230543011840/video/1"}]},
    }  # fmt: skip
    archive = tmp_path / "tweets.js"
    archive.write_text("window.YTD.tweets.part0 = " + json.dumps([{"tweet": tweet}]))
    result = run("import", "archive", str(archive), "--exported-at", "2024-09-01")
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        p = conn.execute(select(posts)).mappings().one()
        inputs = report_inputs(
            conn, StoredAccount("b", "brand", None),
            datetime(2024, 7, 1, tzinfo=UTC), datetime(2024, 10, 1, tzinfo=UTC),
            datetime(2024, 7, 1, tzinfo=UTC), datetime(2024, 8, 1, tzinfo=UTC),
        )  # fmt: skip
    assert p["content_type"] == "video" and p["media_keys"] == ["7_99"]
    post = inputs.posts[0]
    assert post.impressions == 1200 and post.likes == 41  # CSV's impressions, archive's newer likes

"""``xpulse import archive`` on the real archives in ../shared/x-api/archive/.

Expected figures are computed here from the raw JSON, independently of the importer."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import Engine, func, select
from xpulse_import_helpers import counts, dump

from xpulse.operations.report_inputs import report_inputs
from xpulse.store import queries
from xpulse.store.report_queries import StoredAccount
from xpulse.store.schema import observations, posts

Run = Callable[..., Result]


def _records(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    return [r["tweet"] for r in json.loads(text[text.index("=") + 1 :])]


def test_older_layout_zip_imports_every_post_with_counts_at_export_time(
    run: Run, engine: Engine, e_archive: Path, x_api_dir: Path
) -> None:
    raw = _records(x_api_dir / "archive/dsajgiouawj_data_tweet.js")
    result = run("import", "archive", str(e_archive), "--account", "e")
    assert result.exit_code == 0, result.output
    assert f"imported {len(raw):,} posts for e" in result.output
    assert "2020-10-22 06:25 UTC" in result.output and "per manifest.js" in result.output

    with engine.connect() as conn:
        stored = {r["id"]: r for r in conn.execute(select(posts)).mappings()}
        obs = list(conn.execute(select(observations)).mappings())
    assert set(stored) == {t["id_str"] for t in raw}
    assert len(obs) == len(raw)
    exported = datetime(2020, 10, 22, 6, 25, 38, 405000, tzinfo=UTC)
    assert {o["observed_at"] for o in obs} == {exported}
    assert {(o["provenance"], o["source"]) for o in obs} == {("archive", "archive")}
    assert sum(o["likes"] for o in obs) == sum(int(t["favorite_count"]) for t in raw)
    assert sum(o["reposts"] for o in obs) == sum(int(t["retweet_count"]) for t in raw)
    assert all(o["impressions"] is None for o in obs)  # the archive has none: unknown, not 0

    owner = "4688937990"
    by_type: dict[str, int] = {}
    for row in stored.values():
        by_type[row["content_type"]] = by_type.get(row["content_type"], 0) + 1
    assert by_type["retweet"] == sum(t["full_text"].startswith("RT @") for t in raw)
    assert by_type["thread"] == sum(t.get("in_reply_to_user_id_str") == owner for t in raw)
    replies_to_others = sum(
        bool(t.get("in_reply_to_user_id_str"))
        and t["in_reply_to_user_id_str"] != owner
        and not t["full_text"].startswith("RT @")
        for t in raw
    )
    assert by_type["reply"] + by_type.get("quote", 0) >= replies_to_others
    first = raw[0]
    row = stored[first["id_str"]]
    assert row["created_at"] == datetime.strptime(first["created_at"], "%a %b %d %H:%M:%S %z %Y")
    assert row["text"] == first["full_text"] and row["author_id"] == owner
    videos = [
        t
        for t in raw
        if any(m["type"] == "video" for m in t.get("extended_entities", {}).get("media", []))
    ]
    assert videos and all(
        stored[t["id_str"]]["content_type"] in ("video", "retweet", "reply", "thread", "quote")
        for t in videos
    )


def test_newer_layout_with_edit_info_and_no_manifest(
    run: Run, engine: Engine, smith_tweets: Path
) -> None:
    raw = _records(smith_tweets)
    refused = run("import", "archive", str(smith_tweets), "--account", "smith")
    assert refused.exit_code == 2
    assert "--exported-at" in refused.output and str(smith_tweets) in refused.output

    result = run(
        "import", "archive", str(smith_tweets), "--account", "smith", "--exported-at", "2022-10-21"
    )
    assert result.exit_code == 0, result.output
    assert "the links of its own media" in result.output
    with engine.connect() as conn:
        stored = {r["id"]: r for r in conn.execute(select(posts)).mappings()}
    assert len(stored) == len(raw) == 1758
    one = stored[raw[0]["id_str"]]
    assert one["raw"]["edit_history_tweet_ids"] == raw[0]["edit_info"]["initial"]["editTweetIds"]
    photo = next(t for t in raw if "extended_entities" in t and not t["full_text"].startswith("RT"))
    media_id = photo["extended_entities"]["media"][0]["id_str"]
    assert f"3_{media_id}" in stored[photo["id_str"]]["media_keys"]


def test_an_edited_post_is_one_post_its_newest_version(
    run: Run, engine: Engine, tmp_path: Path
) -> None:
    def rec(post_id: str, text: str, likes: str) -> dict[str, Any]:
        return {
            "tweet": {
                "edit_info": {"initial": {"editTweetIds": ["100", "101"]}},
                "id_str": post_id, "id": post_id, "full_text": text,
                "created_at": "Mon May 04 09:00:00 +0000 2026",
                "favorite_count": likes, "retweet_count": "0", "entities": {},
            }
        }  # fmt: skip

    path = tmp_path / "tweets.js"
    body = [rec("100", "teh first", "2"), rec("101", "the first", "5")]
    path.write_text("window.YTD.tweets.part0 = " + json.dumps(body))
    result = run("import", "archive", str(path), "--account", "e", "--exported-at", "2026-05-10")
    assert result.exit_code == 0, result.output
    assert "1 earlier versions of edited posts" in result.output
    with engine.connect() as conn:
        rows = list(conn.execute(select(posts.c.id, posts.c.text)))
        likes = conn.execute(select(observations.c.likes)).scalars().all()
    assert rows == [("101", "the first")] and likes == [5]


def test_api_post_matched_by_id_and_a_later_api_read_is_never_overwritten(
    run: Run, engine: Engine, e_archive: Path, x_api_dir: Path
) -> None:
    raw = _records(x_api_dir / "archive/dsajgiouawj_data_tweet.js")
    target = raw[0]
    created = datetime.strptime(target["created_at"], "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    api_read = datetime(2021, 1, 5, tzinfo=UTC)  # after the archive's export (2020-10-22)
    with engine.begin() as conn:
        queries.ensure_account(conn, "e", "E31415926", api_read)
        queries.upsert_posts(conn, [{
            "id": target["id_str"], "account": "e", "author_id": "4688937990",
            "text": "as the API sent it", "created_at": created, "lang": "ja",
            "conversation_id": None, "content_type": "text", "replied_to_id": None,
            "quoted_id": None, "retweeted_id": None, "media_keys": [], "is_promoted": False,
            "raw": {"id": target["id_str"]}, "source_url": "http://127.0.0.1/2/tweets",
            "retrieved_at": api_read, "first_seen_at": api_read, "unavailable_at": None,
        }])  # fmt: skip
        queries.append_observations(conn, [{
            "post_id": target["id_str"], "observed_at": api_read, "source": "/2/tweets",
            "likes": 999, "impressions": 5000,
        }])  # fmt: skip
    result = run("import", "archive", str(e_archive), "--account", "e")
    assert result.exit_code == 0, result.output
    assert f"new posts: {len(raw) - 1:,}; already stored: 1" in result.output
    with engine.connect() as conn:
        row = conn.execute(select(posts).where(posts.c.id == target["id_str"])).mappings().one()
        n = conn.execute(select(func.count()).select_from(posts)).scalar_one()
        inputs = report_inputs(
            conn, StoredAccount("e", "E31415926", None), created, datetime.now(UTC),
            created, datetime.now(UTC),
        )  # fmt: skip
    assert n == len(raw)  # nothing duplicated
    assert row["text"] == "as the API sent it" and row["source_url"].startswith("http")
    post = next(p for p in inputs.posts if p.id == target["id_str"])
    assert post.likes == 999 and post.impressions == 5000  # the later API read wins
    # as seen before the API read, the archive's count is what was known
    with engine.connect() as conn:
        before = report_inputs(
            conn, StoredAccount("e", "E31415926", None), created,
            datetime(2020, 12, 1, tzinfo=UTC), created, datetime(2020, 12, 1, tzinfo=UTC),
        )  # fmt: skip
    early = next(p for p in before.posts if p.id == target["id_str"])
    assert early.likes == int(target["favorite_count"])


def test_same_file_twice_and_its_unpacked_folder_change_nothing(
    run: Run, engine: Engine, e_archive: Path, tmp_path: Path
) -> None:
    assert run("import", "archive", str(e_archive), "--account", "e").exit_code == 0
    before = dump(engine)
    again = run("import", "archive", str(e_archive), "--account", "e")
    assert again.exit_code == 0 and "already imported" in again.output
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(e_archive) as zf:
        zf.extractall(folder)
    unpacked = run("import", "archive", str(folder), "--account", "e")
    assert unpacked.exit_code == 0 and "nothing new" in unpacked.output
    assert dump(engine) == before


def test_dry_run_writes_nothing(run: Run, engine: Engine, e_archive: Path) -> None:
    before = counts(engine)
    result = run("import", "archive", str(e_archive), "--account", "e", "--dry-run")
    assert result.exit_code == 0 and "would import 1,163 posts" in result.output
    assert "new posts: 1,163" in result.output and "dry run" in result.output
    assert counts(engine) == before


def _cut(src: Path, dst: Path, keep: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda a, t: _cut(a, t / "cut.zip", 0.5), "truncated zip"),
        (
            lambda a, t: (t / "notes.txt").write_text("hello") and t / "notes.txt",
            "not an X data archive",
        ),
        (lambda a, t: t / "missing.zip", "no such file"),
        (lambda a, t: (t / "empty").mkdir() or t / "empty", "no data/tweets.js"),
    ],
    ids=["truncated-zip", "not-an-archive", "missing", "empty-folder"],
)
def test_bad_files_are_one_line_exit_2_nothing_written(
    run: Run, engine: Engine, e_archive: Path, tmp_path: Path, make: Any, problem: str
) -> None:
    before = counts(engine)
    bad = make(e_archive, tmp_path)
    result = run("import", "archive", str(bad), "--account", "e")
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line and str(bad) in line and problem in line
    assert counts(engine) == before


def test_tweets_file_cut_short_inside_a_zip(
    run: Run, engine: Engine, x_api_dir: Path, tmp_path: Path
) -> None:
    text = (x_api_dir / "archive/dsajgiouawj_data_tweet.js").read_text(encoding="utf-8")
    bad = tmp_path / "cut.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("data/tweet.js", text[: len(text) // 2])
        zf.writestr(
            "data/manifest.js", (x_api_dir / "archive/dsajgiouawj_data_manifest.js").read_text()
        )
    before = counts(engine)
    result = run("import", "archive", str(bad), "--account", "e")
    assert result.exit_code == 2
    assert "data/tweet.js is cut short or damaged" in result.output and str(bad) in result.output
    assert counts(engine) == before


def test_archive_of_another_account_is_refused(
    run: Run, engine: Engine, e_archive: Path, smith_tweets: Path
) -> None:
    before = counts(engine)
    result = run("import", "archive", str(e_archive), "--account", "smith")
    assert result.exit_code == 2
    assert "@E31415926's archive (per manifest.js), not account smith (@smithjd)" in result.output
    other = run(
        "import", "archive", str(smith_tweets), "--account", "e", "--exported-at", "2022-11-01"
    )
    assert other.exit_code == 2 and "@smithjd's archive" in other.output
    assert counts(engine) == before


def test_archive_of_another_user_id_is_refused(run: Run, engine: Engine, e_archive: Path) -> None:
    with engine.begin() as conn:
        queries.ensure_account(conn, "e", "E31415926", datetime.now(UTC))
        queries.set_user_id(conn, "e", "12345", datetime.now(UTC))
    result = run("import", "archive", str(e_archive), "--account", "e")
    assert result.exit_code == 2 and "user id 4688937990" in result.output


def test_x_date_format_with_and_without_utc_offset() -> None:
    from xpulse.importers.archive import _x_time

    assert _x_time("Wed Oct 19 20:07:25 +0000 2022") == datetime(
        2022, 10, 19, 20, 7, 25, tzinfo=UTC
    )
    assert _x_time("Mon May 04 09:00:00 +0200 2026") == datetime(2026, 5, 4, 7, tzinfo=UTC)
    with pytest.raises(ValueError):
        _x_time("2026-05-04T09:00:00Z")


@pytest.mark.parametrize(
    ("raw", "count"),
    [("12", 12), ("12.0", 12), ("", None), ("many", None), ("-5", None), ("1e9999", None),
     ("1e30", None), ("nan", None)],
)  # fmt: skip
def test_a_count_that_is_not_one_is_unknown_not_a_traceback(raw: str, count: int | None) -> None:
    from xpulse.importers.archive import _int

    assert _int(raw) == count

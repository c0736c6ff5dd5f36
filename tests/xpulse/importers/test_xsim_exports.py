"""xsim's exports are in X's formats (checked against the real files in ../shared/x-api/), and
importing them gives back the world's truth, computed here from the world itself."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from xpulse.store.schema import observations, posts
from xsim.cli import cli as xsim_cli
from xsim.world.curves import post_metrics_at
from xsim.world.document import dump_world
from xsim.world.exports import CLASSIC_HEADER, archive_files
from xsim.world.generate import GenerateOptions, generate_world
from xsim.world.metrics import metrics_at
from xsim.world.model import World

Run = Callable[..., Result]
NOW = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)


def _world(tmp_path: Path) -> tuple[World, Path]:
    world = generate_world(GenerateOptions(7, 1, 75, NOW, 14.0))
    path = tmp_path / "world.json"
    dump_world(world, path)
    return world, path


def _configure(home: Path, world: World) -> str:
    user = next(iter(world.users.values()))
    (home / "config.toml").write_text(f'[[accounts]]\nname = "w"\nusername = "{user.username}"\n')
    return user.username


def _float_shape(value: str) -> str:
    if value == "-":
        return "-"
    return "float" if re.fullmatch(r"-?\d+\.\d+(e-?\d+)?", value) else "int"


def test_classic_csv_layout_matches_the_real_export(x_api_dir: Path, tmp_path: Path) -> None:
    world, path = _world(tmp_path)
    user = next(iter(world.users.values()))
    result = CliRunner().invoke(xsim_cli, [
        "export", "analytics-csv", "--world", str(path), "--user", user.username,
        "--start", "2026-05-01", "--end", "2026-06-01", "--out-dir", str(tmp_path / "x"),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    (ours,) = (tmp_path / "x").glob("*.csv")
    real = sorted((x_api_dir / "analytics-csv").glob("*.csv"))[0]
    assert re.fullmatch(r"tweet_activity_metrics_\w+_20260501_20260601_en\.csv", ours.name)
    real_rows = list(csv.reader(io.StringIO(real.read_text(encoding="utf-8"), newline="")))
    our_rows = list(csv.reader(io.StringIO(ours.read_text(encoding="utf-8"), newline="")))
    assert our_rows[0] == real_rows[0] == list(CLASSIC_HEADER)
    real_shape = [_float_shape(v) for v in real_rows[1][4:]]
    not_promoted = [r for r in our_rows[1:] if r[22] == "-"]
    assert not_promoted and all(
        [_float_shape(v) for v in r[4:]] == real_shape for r in not_promoted
    )
    # every field quoted, "\n" line ends, like the real download
    raw_real, raw_ours = real.read_bytes(), ours.read_bytes()
    assert raw_ours.startswith(b'"Tweet id","Tweet permalink"') and raw_real.startswith(
        b'"Tweet id","Tweet permalink"'
    )
    assert b"\r\n" not in raw_ours and raw_ours.endswith(b'"\n')


def test_archive_layout_matches_the_real_archive(x_api_dir: Path, tmp_path: Path) -> None:
    world, _ = _world(tmp_path)
    user = next(iter(world.users.values()))
    files = archive_files(world, user.username, NOW)
    real_text = (x_api_dir / "archive/smithjd_data_tweets.js").read_text(encoding="utf-8")
    real = [r["tweet"] for r in json.loads(real_text[real_text.index("=") + 1 :])]
    ours_text = files["data/tweets.js"]
    assert ours_text.startswith("window.YTD.tweets.part0 = [")
    ours = [r["tweet"] for r in json.loads(ours_text[ours_text.index("=") + 1 :])]
    real_keys = {k for t in real for k in t}
    assert all(set(t) <= real_keys for t in ours)  # no field the real archive lacks
    assert all(isinstance(t["favorite_count"], str) and t["favorite_count"].isdigit() for t in ours)
    for t in ours:
        datetime.strptime(t["created_at"], "%a %b %d %H:%M:%S %z %Y")
        assert t["edit_info"]["initial"]["editTweetIds"] == [t["id_str"]]
    manifest_real = (x_api_dir / "archive/dsajgiouawj_data_manifest.js").read_text()
    head = "window.__THAR_CONFIG = "
    real_m = json.loads(manifest_real.removeprefix(head))
    our_m = json.loads(files["data/manifest.js"].removeprefix(head))
    assert set(our_m["userInfo"]) == set(real_m["userInfo"])
    assert set(our_m["archiveInfo"]) <= set(real_m["archiveInfo"])


def test_archive_import_gives_back_the_worlds_counts_and_kinds(
    run: Run, engine: Engine, isolated_env: Path, tmp_path: Path
) -> None:
    world, path = _world(tmp_path)
    handle = _configure(isolated_env, world)
    out = tmp_path / "archive.zip"
    made = CliRunner().invoke(
        xsim_cli, ["export", "archive", "--world", str(path), "--user", handle, "--out", str(out)]
    )
    assert made.exit_code == 0, made.output
    result = run("import", "archive", str(out))
    assert result.exit_code == 0, result.output
    user = next(iter(world.users.values()))
    truth = {p.id: p for p in world.posts.values() if p.author_id == user.id and not p.deleted}
    with engine.connect() as conn:
        stored = {r["id"]: r for r in conn.execute(select(posts)).mappings()}
        obs = {o["post_id"]: o for o in conn.execute(select(observations)).mappings()}
    assert set(stored) == set(truth)
    for post_id, post in truth.items():
        m = post_metrics_at(post, NOW)
        assert (obs[post_id]["likes"], obs[post_id]["reposts"]) == (m.likes, m.reposts)
        assert obs[post_id]["observed_at"] == NOW
        assert stored[post_id]["created_at"] == post.created_at.replace(microsecond=0)
        refs = {r.type for r in post.references}
        kind = stored[post_id]["content_type"]
        if "retweeted" in refs:
            assert kind == "retweet"
        elif "quoted" in refs:
            assert kind == "quote"
        elif "replied_to" in refs:
            parent = world.posts.get(next(r.id for r in post.references))
            assert kind == ("thread" if parent and parent.author_id == user.id else "reply")
        elif any(world.media[k].type == "video" for k in post.media_keys):
            assert kind == "video"
        elif post.media_keys:
            assert kind in ("photo", "gif")
        elif post.poll is None:
            expect = "link" if (post.entities or {}).get("urls") else "text"
            assert kind == expect, post.text


def test_a_year_of_monthly_exports_gives_back_the_worlds_figures(
    run: Run, engine: Engine, isolated_env: Path, tmp_path: Path
) -> None:
    world, path = _world(tmp_path)
    handle = _configure(isolated_env, world)
    folder = tmp_path / "csv"
    made = CliRunner().invoke(xsim_cli, [
        "export", "analytics-csv", "--world", str(path), "--user", handle, "--start",
        "2026-03-01", "--end", "2026-06-01", "--monthly", "--out-dir", str(folder),
    ])  # fmt: skip
    assert made.exit_code == 0, made.output
    files = sorted(folder.glob("*.csv"))
    assert len(files) == 3
    result = run("import", "analytics-csv", *map(str, files))
    assert result.exit_code == 0, result.output
    user = next(iter(world.users.values()))
    with engine.connect() as conn:
        obs = {o["post_id"]: o for o in conn.execute(select(observations)).mappings()}
        stored = {r["id"]: r for r in conn.execute(select(posts)).mappings()}
    expected = 0
    for post in world.posts.values():
        created = post.created_at
        if post.author_id != user.id or post.deleted or created >= datetime(2026, 6, 1, tzinfo=UTC):
            continue
        if any(r.type == "retweeted" for r in post.references) or created < datetime(
            2026, 3, 1, tzinfo=UTC
        ):
            continue
        expected += 1
        month_end = date(created.year + created.month // 12, created.month % 12 + 1, 1)
        at = datetime.combine(month_end, time(0), tzinfo=UTC)
        truth = metrics_at(world, post, at)
        o = obs[post.id]
        assert o["observed_at"] == at
        assert (o["impressions"], o["engagements"], o["likes"]) == (
            truth["impressions"], truth["engagements"], truth["likes"],
        )  # fmt: skip
        assert (o["url_link_clicks"], o["user_profile_clicks"]) == (
            truth["url_clicks"], truth["user_profile_clicks"],
        )  # fmt: skip
        # from the id, which xsim (like X) stamps with the creation time to the millisecond
        assert abs((stored[post.id]["created_at"] - post.created_at).total_seconds()) < 1
    assert expected == len(obs) > 20

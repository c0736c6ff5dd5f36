"""End to end on the real clock, nothing injected: ``xsim serve --now real`` in a
subprocess, a fresh XPULSE_HOME, real ``xpulse``/``xsim`` processes. An enterprise world
(follower counts returned) is collected, its archive exported by xsim and imported; the
report says where its figures came from and shows followers, checked against the world
file and arithmetic done here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _run(home: Path, *argv: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XPULSE_HOME": str(home)}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def world_file(tmp_path: Path) -> Path:
    path = tmp_path / "world.json"
    subprocess.run(
        [BIN / "xsim", "world", "--seed", "11", "--users", "2", "--days", "40", "--out", str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    doc = json.loads(path.read_text())
    for app in doc["apps"]:
        app["plan"] = "enterprise"  # X still returns follower counts there
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def server(world_file: Path) -> Iterator[str]:
    proc = subprocess.Popen(
        [BIN / "xsim", "serve", "--port", "0", "--world", str(world_file), "--now", "real",
         "--log-level", "warning"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    banner = proc.stderr.readline()
    match = re.search(r"on (http://127\.0\.0\.1:\d+)", banner)
    assert match, banner
    try:
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stderr.close()


def test_competitor_collect_import_the_archive_then_report(
    world_file: Path, server: str, tmp_path: Path, isolated_env: Path
) -> None:
    doc = json.loads(world_file.read_text())
    token = doc["tokens"][0]
    user = next(u for u in doc["users"] if u["id"] == token["user_id"])
    rival = next(u for u in doc["users"] if u["id"] != token["user_id"])
    app = next(a for a in doc["apps"] if a["client_id"] == token["client_id"])
    home = isolated_env
    os.environ["XPULSE_ACCESS_TOKEN_W"] = token["access_token"]
    os.environ["XPULSE_BEARER_TOKEN"] = app["bearer_tokens"][0]
    try:
        _run(home, str(BIN / "xpulse"), "init", "--api-base", server, "--client-id",
             token["client_id"], "--account", "w", "--username", user["username"])  # fmt: skip
        added = _run(home, str(BIN / "xpulse"), "competitors", "add", rival["username"],
                     "--group", "rivals", "--yes")  # fmt: skip
        listed = _run(home, str(BIN / "xpulse"), "competitors", "list")
        # a first sweep is planned at X's 3,200-post bound: over the default $5 budget
        _run(home, str(BIN / "xpulse"), "collect", "--allow-over-budget")
        archive = tmp_path / "archive.zip"
        _run(home, str(BIN / "xsim"), "export", "archive", "--world", str(world_file),
             "--user", user["username"], "--out", str(archive))  # fmt: skip
        imported = _run(home, str(BIN / "xpulse"), "import", "archive", str(archive))
        again = _run(home, str(BIN / "xpulse"), "import", "archive", str(archive))
        now = datetime.now(UTC)
        start = (now - timedelta(days=30)).date()
        period = f"{start}..{now.date()}"
        report = _run(home, str(BIN / "xpulse"), "report", "--period", period, "--format", "json",
                      "--tz", "UTC")  # fmt: skip
        # a run of every account collects the competitor too, and delivers the own account's
        delivered = _run(home, str(BIN / "xpulse"), "run", "--only", "files")
    finally:
        del os.environ["XPULSE_ACCESS_TOKEN_W"], os.environ["XPULSE_BEARER_TOKEN"]
    # the cost was shown before adding: posts a month × reads a post × $0.005 + 30 user reads
    shown = re.search(
        r"~([\d,]+) posts a month .* × (\d+) reads each.*\n.*~\$([\d.]+) a month", added.stdout
    )
    assert shown, added.stdout
    assert f"rivals\t@{rival['username']}\t{rival['followers_count']:,} followers" in listed.stdout
    own = [p for p in doc["posts"] if p["author_id"] == user["id"] and not p.get("deleted")]
    stated = re.search(r"new posts: (\d+); already stored: (\d+)", imported.stdout)
    assert stated, imported.stdout
    new, known = map(int, stated.groups())
    assert new + known == len(own) and known > 0  # matched by id with the collected posts
    assert "already imported" in again.stdout
    assert "files sent" in delivered.stdout and "competitor" not in delivered.stdout
    data = json.loads(report.stdout)
    # the collect read the posts after the archive's export: every figure is the API's
    in_period = data["sources"]["posts_by_source"]
    assert set(in_period) == {"api"} and in_period["api"] == len(data["posts"]) > 0
    followers = data["followers"]
    assert followers["available"] and followers["end"] == user["followers_count"]
    totals = data["totals"]
    expected_rate = totals["engagements"] / totals["posts"] / user["followers_count"] * 100
    assert followers["engagement_rate_by_followers"] == round(expected_rate, 4)
    assert followers["following"] == user["following_count"]
    # the competitor beside the account, never in its totals
    rows = {r["handle"]: r for r in data["benchmark"]["rows"]}
    assert rows[user["username"]]["group"] is None and rows[rival["username"]]["group"] == "rivals"
    assert rows[user["username"]]["posts"] == totals["posts"]
    period_start = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    rival_posts = [
        p for p in doc["posts"]
        if p["author_id"] == rival["id"] and not p.get("deleted")
        and not any(r["type"] == "retweeted" for r in p.get("references", []))
        and period_start <= datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")) <= now
    ]  # fmt: skip
    assert rows[rival["username"]]["posts"] == len(rival_posts)
    assert rows[rival["username"]]["followers"] == rival["followers_count"]
    assert len(data["posts"]) == totals["posts"]  # the rival's posts are not the account's

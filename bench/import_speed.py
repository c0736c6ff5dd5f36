"""Import speed: an X archive of 100,000 posts and a year of analytics CSV exports.

Writes the files in X's formats (the layouts ``xsim export`` writes and the tests check
against the real files in ``../shared/x-api/``), then runs the real command in a fresh
process with a fresh XPULSE_HOME and SQLite store, as a user would:

- ``xpulse import archive twitter.zip`` (``data/tweets.js`` with ``--posts`` posts: a mix of
  text, links, photos, videos, replies, self-replies and retweets; counts as strings);
- ``xpulse import analytics-csv`` of 12 monthly ``tweet_activity_metrics_*.csv`` files
  (``--csv-posts`` posts in total, every field quoted, floats, "-" promoted columns).

Reported: wall time of the command, posts a second, and the process's peak memory (max RSS
from ``wait4``; the files are written by a child so the timed processes are forked from a
small parent), and a second run of the same file (nothing changes: "already imported").

    PYTHONPATH=src .venv/bin/python bench/import_speed.py --posts 100000 --csv-posts 12000
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from xsim.world.exports import CLASSIC_HEADER

OWNER_ID = "1500000000000000000"
HANDLE = "benchuser"
EPOCH_MS = 1288834974657
EXPORTED = datetime(2026, 6, 1, tzinfo=UTC)


def _snowflake(moment: datetime, seq: int) -> str:
    return str(((int(moment.timestamp() * 1000) - EPOCH_MS) << 22) | (seq & 0x3FFFFF))


def _tweet(rng: random.Random, i: int, at: datetime) -> dict[str, object]:
    post_id = _snowflake(at, i)
    kind = rng.random()
    text = f"post {i}: " + " ".join(
        rng.choice(("ship", "metrics", "launch", "api")) for _ in range(8)
    )
    t: dict[str, object] = {
        "edit_info": {"initial": {"editTweetIds": [post_id], "editableUntil":
                      (at + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                      "editsRemaining": "5", "isEditEligible": True}},
        "retweeted": False, "source": "<a href=\"https://mobile.twitter.com\">Web</a>",
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
        "display_text_range": ["0", str(len(text))],
        "favorite_count": str(rng.randint(0, 200)), "id_str": post_id, "truncated": False,
        "retweet_count": str(rng.randint(0, 40)), "id": post_id,
        "created_at": at.strftime("%a %b %d %H:%M:%S +0000 %Y"), "favorited": False,
        "full_text": text, "lang": "en",
    }  # fmt: skip
    if kind < 0.10:
        t["full_text"] = f"RT @someone: {text}"
    elif kind < 0.30:
        t["in_reply_to_status_id_str"] = _snowflake(at - timedelta(hours=1), i + 7)
        self_reply = kind < 0.18
        t["in_reply_to_user_id_str"] = OWNER_ID if self_reply else "42"
        t["in_reply_to_screen_name"] = HANDLE if self_reply else "someone"
    elif kind < 0.45:
        mtype = "video" if kind < 0.33 else "photo"
        t["extended_entities"] = {"media": [{
            "id_str": str(10**18 + i), "id": str(10**18 + i), "type": mtype,
            "expanded_url": f"https://twitter.com/{HANDLE}/status/{post_id}/{mtype}/1",
            "media_url_https": f"https://pbs.twimg.com/media/{i}.jpg",
            "sizes": {"large": {"w": "1200", "h": "900"}},
        }]}  # fmt: skip
    elif kind < 0.60:
        t["entities"] = {"hashtags": [], "symbols": [], "user_mentions": [], "urls": [
            {"url": "https://t.co/x", "expanded_url": "https://example.com/a",
             "indices": ["0", "10"]}]}  # fmt: skip
    return t


def write_archive(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    start = EXPORTED - timedelta(days=365 * 6)
    step = (EXPORTED - start) / n
    records = [{"tweet": _tweet(rng, i, start + step * i)} for i in range(n)]
    manifest = {
        "userInfo": {"accountId": OWNER_ID, "userName": HANDLE, "displayName": "Bench"},
        "archiveInfo": {"generationDate": EXPORTED.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                        "isPartialArchive": False, "sizeBytes": "0"},
    }  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/manifest.js", "window.__THAR_CONFIG = " + json.dumps(manifest))
        zf.writestr("data/tweets.js", "window.YTD.tweets.part0 = " + json.dumps(records, indent=2))


def write_csvs(folder: Path, n: int, seed: int) -> list[Path]:
    rng = random.Random(seed)
    out = []
    per_month = n // 12
    for month in range(12):
        start = (
            datetime(2025, 6 + month, 1, tzinfo=UTC)
            if month < 7
            else datetime(2026, month - 6, 1, tzinfo=UTC)
        )
        end = (start + timedelta(days=32)).replace(day=1)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(CLASSIC_HEADER)
        step = (end - start) / per_month
        for i in range(per_month):
            at = start + step * i
            post_id = _snowflake(at, month * 100_000 + i)
            imp = rng.randint(100, 50_000)
            eng = rng.randint(0, imp // 20)
            organic = (
                [f"{imp}.0", f"{eng}.0", repr(eng / imp)]
                + [f"{rng.randint(0, 50)}.0" for _ in range(8)]
                + ["0"] * 7
            )
            writer.writerow([
                post_id, f"https://twitter.com/{HANDLE}/status/{post_id}",
                f"line one {i}\nline two, with a comma", at.strftime("%Y-%m-%d %H:%M +0000"),
                *organic, *(["-"] * 18),
            ])  # fmt: skip
        path = folder / f"tweet_activity_metrics_{HANDLE}_{start:%Y%m%d}_{end:%Y%m%d}_en.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        out.append(path)
    return out


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MiB (of exactly that child: ``wait4``) and stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {err.decode()}")
    return elapsed, usage.ru_maxrss // 1024, out.decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--csv-posts", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_only:  # in a child: the files' objects never swell the timed processes
        write_archive(args.write_only / "twitter.zip", args.posts, args.seed)
        write_csvs(args.write_only, args.csv_posts, args.seed)
        return
    xpulse = str(Path(sys.executable).with_name("xpulse"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run(
            [sys.executable, __file__, "--posts", str(args.posts), "--csv-posts",
             str(args.csv_posts), "--seed", str(args.seed), "--write-only", str(folder)],
            check=True,
        )  # fmt: skip
        results = {}
        floor = run([xpulse, "--version"], dict(os.environ))[1]
        print(json.dumps({"xpulse --version peak_rss_mib": floor}), flush=True)
        for name, account in (("archive", "bench"), ("csv", "bench")):
            home = folder / f"home-{name}"
            home.mkdir()
            (home / "config.toml").write_text(
                f'[[accounts]]\nname = "{account}"\nusername = "{HANDLE}"\n'
            )
            env = {**os.environ, "XPULSE_HOME": str(home),
                   "XPULSE_DB": f"sqlite:///{home / 'store.db'}"}  # fmt: skip
            if name == "archive":
                path = folder / "twitter.zip"
                argv = [xpulse, "import", "archive", str(path)]
                n, pattern = args.posts, "*.zip"
            else:
                paths = sorted(folder.glob("tweet_activity_metrics_*.csv"))
                argv = [xpulse, "import", "analytics-csv", *map(str, paths)]
                n, pattern = (args.csv_posts // 12) * 12, "*.csv"
            first = run(argv, env)
            again = run(argv, env)
            results[name] = {
                "posts": n,
                "seconds": round(first[0], 2),
                "posts_per_second": round(n / first[0]),
                "peak_rss_mib": first[1],
                "again_seconds": round(again[0], 2),
                "again_changed_nothing": "already imported" in again[2],
                "size_mib": round(sum(p.stat().st_size for p in folder.glob(pattern)) / 2**20, 1),
            }
            print(json.dumps({name: results[name]}), flush=True)


if __name__ == "__main__":
    main()

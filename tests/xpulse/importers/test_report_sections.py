"""The report says where its figures came from, in every rendering, with untrusted file
names escaped."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Run = Callable[..., Result]


@pytest.fixture
def hostile_export(x_api_dir: Path, isolated_env: Path, tmp_path: Path) -> Path:
    (isolated_env / "config.toml").write_text('[[accounts]]\nname = "r"\nusername = "rOpenSci"\n')
    src = x_api_dir / "analytics-csv/tweet_activity_metrics_rOpenSci_20161201_20170101_en.csv"
    path = tmp_path / "<img src=x onerror=alert(1)>_20161201_20170101.csv"
    shutil.copy(src, path)
    return path


def test_sources_and_followers_in_json_md_html(run: Run, hostile_export: Path) -> None:
    assert run("import", "analytics-csv", str(hostile_export)).exit_code == 0
    args = ("report", "--period", "2016-12", "--as-of", "2017-01-05")
    doc = json.loads(run(*args, "--format", "json").output)
    posts = len(doc["posts"])
    assert doc["sources"]["posts_by_source"] == {"analytics-csv": posts} and posts == 37
    (file,) = doc["sources"]["files"]
    assert file["file"] == hostile_export.name and file["counts_as_of"].startswith("2017-01-01")
    assert doc["followers"]["available"] is False  # nothing collected: said, not 0
    assert doc["followers"]["end"] is None
    md = run(*args, "--format", "md").output
    assert "## Where the figures came from" in md and "37 posts from X's analytics export" in md
    assert "no follower counts collected yet" in md
    html = run(*args, "--format", "html").output
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    text = run(*args, "--format", "text").output
    assert "Where the figures came from" in text

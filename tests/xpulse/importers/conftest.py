"""Importer fixtures: a configured xpulse home, the shared real archives laid out as X ships
them (a zip with data/tweet.js and data/manifest.js), and store readers."""

from __future__ import annotations

import shutil
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from xpulse.cli import cli

sys.path.insert(0, str(Path(__file__).parent))
from xpulse.store import open_store, sqlite_url


@pytest.fixture
def db_path(isolated_env: Path) -> Path:
    return isolated_env / "store.db"


@pytest.fixture
def run(
    isolated_env: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """``xpulse ARGS`` in-process against a fresh home with accounts e and smith."""
    monkeypatch.setenv("XPULSE_DB", sqlite_url(db_path))
    (isolated_env / "config.toml").write_text(
        '[[accounts]]\nname = "e"\nusername = "E31415926"\n\n'
        '[[accounts]]\nname = "smith"\nusername = "smithjd"\n'
    )

    def _run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args))

    return _run


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    eng = open_store(sqlite_url(db_path))
    yield eng
    eng.dispose()


@pytest.fixture
def e_archive(x_api_dir: Path, tmp_path: Path) -> Path:
    """dsajgiouawj's 2020 archive (older singular tweet.js) as the zip X ships."""
    folder = tmp_path / "e-archive"
    (folder / "data").mkdir(parents=True)
    shutil.copy(x_api_dir / "archive/dsajgiouawj_data_tweet.js", folder / "data/tweet.js")
    shutil.copy(x_api_dir / "archive/dsajgiouawj_data_manifest.js", folder / "data/manifest.js")
    out = tmp_path / "twitter-2020-10-22-e.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*.js")):
            zf.write(p, p.relative_to(folder).as_posix())
    return out


@pytest.fixture
def smith_tweets(x_api_dir: Path, tmp_path: Path) -> Path:
    """smithjd's 2022 tweets.js (window.YTD.tweets.part0, edit_info), as downloaded alone."""
    out = tmp_path / "tweets.js"
    shutil.copy(x_api_dir / "archive/smithjd_data_tweets.js", out)
    return out

"""File delivery: stable dated names, latest copies, the archive index, idempotence, atomicity.

Through the files destination of the run (each format rendered, then written by
:mod:`xpulse.deliver.files` with the index page :mod:`xpulse.render.archive_index` draws).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from xpulse import fsutil
from xpulse.analytics.document import Report
from xpulse.config.delivery import DEFAULT_FILE_FORMATS, FilesConfig
from xpulse.deliver.files import FilesDestination, Period, slug
from xpulse.errors import DeliveryError
from xpulse.operations.destinations import FilesTarget
from xpulse.render import render


def files_in(folder: Path, formats: Any = DEFAULT_FILE_FORMATS) -> FilesTarget:
    return FilesTarget(FilesConfig(folder=str(folder), formats=list(formats)))


def listing(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def index(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "brand" / "index.json").read_text())
    return data


def test_writes_every_format_with_dated_names(tmp_path: Path, report: Report) -> None:
    written = files_in(tmp_path / "out").write(report)
    folder = tmp_path / "out" / "brand"
    assert written == [folder / f"brand-2026-W21.{ext}" for ext in ("html", "md", "json", "csv")]
    assert (folder / "brand-2026-W21.md").read_text() == render(report, "md")
    assert json.loads((folder / "brand-2026-W21.json").read_text()) == report.to_dict()
    assert (folder / "latest.html").read_bytes() == (folder / "brand-2026-W21.html").read_bytes()
    assert oct((folder / "brand-2026-W21.csv").stat().st_mode & 0o777) == "0o644"
    entry = index(tmp_path / "out")["reports"][0]
    assert entry["label"] == "2026-W21" and entry["files"]["csv"] == "brand-2026-W21.csv"
    assert entry["totals"]["impressions"] == 32_500
    page = (folder / "index.html").read_text()
    assert '<a href="brand-2026-W21.html">html</a>' in page and "32,500" in page


def test_archive_keeps_every_period_newest_first(
    tmp_path: Path, report: Report, previous_report: Report
) -> None:
    dest = files_in(tmp_path, ["html", "json"])
    dest.write(previous_report)
    dest.write(report)
    folder = tmp_path / "brand"
    assert [r["label"] for r in index(tmp_path)["reports"]] == ["2026-W21", "2026-W20"]
    assert (folder / "brand-2026-W20.html").exists() and (folder / "brand-2026-W21.html").exists()
    # Rewriting an older period updates its files but not the "latest" copies.
    dest.write(previous_report)
    assert (folder / "latest.json").read_text() == (folder / "brand-2026-W21.json").read_text()
    assert [r["label"] for r in index(tmp_path)["reports"]] == ["2026-W21", "2026-W20"]


def test_sending_the_same_period_twice_is_idempotent(tmp_path: Path, report: Report) -> None:
    dest = files_in(tmp_path, ["md", "csv", "text"])
    dest.write(report)
    first = listing(tmp_path)
    dest.write(report)
    assert listing(tmp_path) == first
    assert len(index(tmp_path)["reports"]) == 1
    assert "brand/brand-2026-W21.txt" in first
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_a_failed_write_leaves_the_previous_files_untouched(
    tmp_path: Path, report: Report, previous_report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = files_in(tmp_path)
    dest.write(previous_report)
    before = listing(tmp_path)
    real_fdopen = os.fdopen
    calls = {"n": 0}

    def disk_fills_up(fd: int, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(fsutil.os, "fdopen", disk_fills_up)
    with pytest.raises(DeliveryError, match="No space left on device") as info:
        dest.write(report)
    assert info.value.retryable
    assert listing(tmp_path) == before  # nothing half-written, no W21 file, index unchanged
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_unreadable_index_is_rebuilt(tmp_path: Path, report: Report) -> None:
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "index.json").write_text("{not json")
    files_in(tmp_path, ["json"]).write(report)
    assert [r["label"] for r in index(tmp_path)["reports"]] == ["2026-W21"]


def test_slug_keeps_names_inside_the_folder() -> None:
    assert slug("2026-05-01..2026-05-10") == "2026-05-01..2026-05-10"
    assert slug("../../etc/passwd") == "etc_passwd"
    assert slug("a b/c") == "a_b_c"
    assert slug("...") == "report"


def test_the_destination_writes_the_bytes_it_is_given(tmp_path: Path) -> None:
    """deliver renders nothing: the files and the index page come made."""
    docs: list[Any] = []

    def index_page(doc: Any) -> str:
        docs.append(doc)
        return "<p>the index</p>\n"

    files = {"md": ("md", "# as given\n"), "xlsx": ("xlsx", b"PK\x03\x04 as given")}
    entry = {"label": "2026-W21", "start": "2026-05-18T00:00:00+00:00"}
    written = FilesDestination(tmp_path, index_page).send(
        Period("brand", "acme", "2026-W21", files, entry)
    )
    folder = tmp_path / "brand"
    assert written == [folder / "brand-2026-W21.md", folder / "brand-2026-W21.xlsx"]
    assert (folder / "brand-2026-W21.xlsx").read_bytes() == b"PK\x03\x04 as given"
    assert (folder / "latest.md").read_text() == "# as given\n"
    assert (folder / "index.html").read_text() == "<p>the index</p>\n"
    [doc] = docs
    assert doc == json.loads((folder / "index.json").read_text())
    assert doc["username"] == "acme" and doc["reports"] == [
        {**entry, "files": {"md": "brand-2026-W21.md", "xlsx": "brand-2026-W21.xlsx"}}
    ]

"""The one atomic-write helper: modes, parents, all-or-nothing, one-line errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from xpulse import fsutil
from xpulse.errors import WriteError
from xpulse.fsutil import PRIVATE, atomic_writer, write_all_atomic, write_atomic


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    return out


def test_text_and_bytes_land_whole_with_the_asked_mode(folder: Path) -> None:
    shared, secret = folder / "r.txt", folder / "s.bin"
    write_atomic(shared, "line\r\nnext\n")
    write_atomic(secret, b"\x00\xff", mode=PRIVATE)
    assert shared.read_bytes() == b"line\r\nnext\n"  # newlines exactly as given
    assert secret.read_bytes() == b"\x00\xff"
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["r.txt", "s.bin"]  # no temps


def test_parents_are_made_only_when_asked(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c.txt"
    with pytest.raises(WriteError) as err:
        write_atomic(deep, "x")
    assert str(err.value) == f"cannot write {deep}: the folder {deep.parent} does not exist"
    assert not (tmp_path / "a").exists()
    write_atomic(deep, "x", make_parents=True)
    assert deep.read_text(encoding="utf-8") == "x"


def test_a_failed_write_keeps_every_old_file_and_no_temp(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = folder / "one.html", folder / "two.json"
    one.write_text("old one", encoding="utf-8")
    two.write_text("old two", encoding="utf-8")
    real_fsync = os.fsync
    calls = []

    def full_disk(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the second file's data cannot be flushed
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(fsutil.os, "fsync", full_disk)
    with pytest.raises(WriteError) as err:
        write_all_atomic({one: "new one", two: "new two"})
    assert str(err.value) == f"cannot write {two}: No space left on device"
    monkeypatch.undo()
    assert one.read_text(encoding="utf-8") == "old one"  # nothing renamed before all staged
    assert two.read_text(encoding="utf-8") == "old two"
    assert sorted(p.name for p in folder.iterdir()) == ["one.html", "two.json"]


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "exports" / "out.csv"
    target.parent.mkdir()
    target.write_text("previous export\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_writer(target) as fh:
        fh.write("half a file")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "previous export\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]
    with atomic_writer(target) as fh:
        fh.write("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"


def test_unwritable_out_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with (
        pytest.raises(WriteError) as err,
        atomic_writer(blocker / "out.csv", make_parents=True) as fh,
    ):
        fh.write("x")
    assert str(err.value).startswith(f"cannot write {blocker / 'out.csv'}: ")
    assert "\n" not in str(err.value)


def test_the_helper_stays_light() -> None:
    """Imported by the CLI, store, render and deliver: it must not pull them in."""
    text = Path(fsutil.__file__).read_text(encoding="utf-8")
    imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    assert all(
        line.split()[1].split(".")[0]
        in {
            "__future__",
            "errno",
            "os",
            "tempfile",
            "collections",
            "contextlib",
            "pathlib",
            "typing",
            "xpulse",
        }
        for line in imports
    ), imports
    assert [line for line in imports if "xpulse" in line] == [
        "from xpulse.errors import WriteError"
    ]

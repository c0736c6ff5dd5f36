"""Atomic file writes: the one way xpulse puts a file in place.

A file is written to a temp file beside its target, fsynced, renamed over the target, and
the folder is fsynced so the rename itself survives a crash. A reader sees the old file or
the new one, never half of one; on any error the temp file is removed and the target is
untouched. An ``OSError`` becomes :class:`WriteError`, one line naming the path.

A missing folder is created only when the caller asks (``make_parents``): for a path the
user typed, a typo in the folder is refused with one line instead of creating it.

Deliberately free of heavy imports: the CLI, the store, render and deliver all use it.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from xpulse.errors import WriteError

SHARED = 0o644  # reports, exports, config: meant to be read by others
PRIVATE = 0o600  # anything holding a secret


def write_atomic(
    path: Path, data: str | bytes, *, mode: int = SHARED, make_parents: bool = False
) -> None:
    """Put ``data`` (text as UTF-8, newlines kept as given) at ``path`` atomically."""
    write_all_atomic({path: data}, mode=mode, make_parents=make_parents)


def write_all_atomic(
    writes: Mapping[Path, str | bytes], *, mode: int = SHARED, make_parents: bool = False
) -> None:
    """Write every file to a temp beside it, then rename them all: a failure while
    writing leaves every target as it was (a failed rename can only follow a success)."""
    staged: list[tuple[str, Path]] = []
    current = next(iter(writes), Path("."))
    try:
        for path, data in writes.items():
            current = path
            _folder(path, make_parents)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=_dir(path))
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
                _finish(handle, tmp, mode)
        for tmp, path in staged:
            current = path
            os.replace(tmp, path)
        for folder in dict.fromkeys(_dir(p) for _, p in staged):
            _fsync_dir(folder)
    except OSError as exc:
        _discard(staged)
        raise WriteError(current, exc) from None
    except BaseException:
        _discard(staged)
        raise


@contextmanager
def atomic_writer(
    path: Path, *, mode: int = SHARED, make_parents: bool = False
) -> Iterator[IO[str]]:
    """A UTF-8 text handle (no newline translation) whose content appears at ``path`` whole
    when the block ends, or not at all if it raises: for output streamed in pieces."""
    try:
        _folder(path, make_parents)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=_dir(path))
    except OSError as exc:
        raise WriteError(path, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            _finish(handle, tmp, mode)
        os.replace(tmp, path)
        _fsync_dir(_dir(path))
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_path(path: Path, *, mode: int = SHARED) -> Iterator[Path]:
    """A temp path beside ``path`` for a writer that wants a file name (a workbook
    library); renamed over ``path`` when the block ends, removed if it raises."""
    try:
        _folder(path, make_parents=False)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=_dir(path))
        os.close(fd)
    except OSError as exc:
        raise WriteError(path, exc) from None
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as handle:
            _finish(handle, tmp, mode)
        os.replace(tmp, path)
        _fsync_dir(_dir(path))
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_folder(path: Path) -> None:
    """Refuse, before any work, a ``path`` whose folder does not exist: :class:`WriteError`
    ``cannot write nodir/x: the folder nodir does not exist``."""
    try:
        _folder(path, make_parents=False)
    except OSError as exc:
        raise WriteError(path, exc) from None


def _dir(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _folder(path: Path, make_parents: bool) -> None:
    folder = _dir(path)
    if make_parents:
        folder.mkdir(parents=True, exist_ok=True)
    elif not folder.exists():
        # Said plainly: mkstemp's bare "No such file or directory" does not say which part.
        raise FileNotFoundError(errno.ENOENT, f"the folder {folder} does not exist")


def _finish(handle: IO[str] | IO[bytes], tmp: str, mode: int) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    os.chmod(tmp, mode)  # mkstemp makes 0600 whatever the umask


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; some systems cannot open a folder, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _discard(staged: list[tuple[str, Path]]) -> None:
    for tmp, _ in staged:
        Path(tmp).unlink(missing_ok=True)

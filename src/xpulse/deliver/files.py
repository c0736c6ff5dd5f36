"""File delivery: a period's files written to a folder, with an archive index.

Layout, stable and dated (one folder per account)::

    <folder>/<account>/<account>-2026-W21.html   .md  .json  .csv  (.txt)
    <folder>/<account>/latest.html               copies of the newest period's files
    <folder>/<account>/index.json                every period written, newest first
    <folder>/<account>/index.html                the same, as a page of links

The files come rendered (a :class:`Period` of bytes and its index entry); this module
only places them. Every file is written to a temp file beside its target, and only when
all are written are they renamed into place: a failure leaves the previous files as they
were. Writing the same period again replaces its files and its index entry (idempotent).
The index page is rendered by the caller's ``index_page`` from the index document, under
the folder's lock, so that it always lists what ``index.json`` holds.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from filelock import FileLock, Timeout

from xpulse.errors import DeliveryError, WriteError
from xpulse.fsutil import write_all_atomic

NAME: Final = "files"
INDEX_SCHEMA: Final = "https://xpulse.dev/schemas/files-index/v1"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

log = logging.getLogger(__name__)

IndexPage = Callable[[Mapping[str, Any]], str]


def slug(text: str) -> str:
    """A file-name-safe piece: letters, digits, ``.``, ``_`` and ``-`` only."""
    cleaned = _UNSAFE.sub("_", text).strip("._")
    return cleaned[:100] or "report"


@dataclass(frozen=True)
class Period:
    """One period's files, rendered: what the archive holds for it.

    ``files`` maps a format's name to its file suffix and content; ``entry`` is the
    period's line in ``index.json`` (``label`` and ``start`` order it; ``files`` is added
    here)."""

    account: str
    username: str | None
    label: str
    files: Mapping[str, tuple[str, str | bytes]]
    entry: Mapping[str, Any]


class FilesDestination:
    """Writes each period's files into ``folder``; see the module docstring."""

    name = NAME

    def __init__(self, folder: Path | str, index_page: IndexPage) -> None:
        self.folder = Path(folder).expanduser()
        self.index_page = index_page

    def __repr__(self) -> str:
        return f"FilesDestination({str(self.folder)!r})"

    def account_dir(self, account: str) -> Path:
        return self.folder / slug(account)

    def paths_for(self, account: str, label: str, suffixes: Mapping[str, str]) -> dict[str, Path]:
        """Where each format (name -> suffix) of this period goes (for ``--dry-run``)."""
        base = f"{slug(account)}-{slug(label)}"
        folder = self.account_dir(account)
        return {f: folder / f"{base}.{suffix}" for f, suffix in suffixes.items()}

    def send(self, period: Period) -> list[Path]:
        """Write the period; return the dated files written (not the index or latest copies)."""
        suffixes = {f: suffix for f, (suffix, _) in period.files.items()}
        targets = self.paths_for(period.account, period.label, suffixes)
        folder = self.account_dir(period.account)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DeliveryError(
                NAME, f"cannot create {folder}: {e.strerror}", retryable=False
            ) from None
        lock = FileLock(str(folder / ".xpulse-files.lock"), timeout=60)
        try:
            with lock:
                index = _read_index(folder)
                entry = {**period.entry, "files": {f: p.name for f, p in targets.items()}}
                reports = [r for r in index.get("reports", []) if r.get("label") != entry["label"]]
                reports.append(entry)
                reports.sort(key=lambda r: (str(r.get("start", "")), str(r.get("label"))))
                reports.reverse()
                newest = reports[0]["label"] == entry["label"]
                writes: dict[Path, str | bytes] = {
                    targets[f]: content for f, (_, content) in period.files.items()
                }
                if newest:
                    writes.update(
                        {
                            folder / f"latest.{suffix}": content
                            for suffix, content in period.files.values()
                        }
                    )
                doc = {
                    "schema": INDEX_SCHEMA,
                    "account": period.account,
                    "username": period.username,
                    "reports": reports,
                }
                writes[folder / "index.json"] = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
                writes[folder / "index.html"] = self.index_page(doc)
                _write_all(writes)
        except Timeout:
            raise DeliveryError(NAME, f"{folder} is locked by another xpulse run") from None
        log.info("files: wrote %s to %s", ", ".join(period.files), folder)
        return list(targets.values())


def _read_index(folder: Path) -> dict[str, Any]:
    path = folder / "index.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        # The dated files are still there; only the listing is rebuilt from what follows.
        log.warning("files: %s is unreadable (%s); starting a new index", path, e)
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("reports"), list):
        log.warning("files: %s is not an xpulse index; starting a new one", path)
        return {}
    data["reports"] = [r for r in data["reports"] if isinstance(r, dict) and "label" in r]
    return data


def _write_all(writes: dict[Path, str | bytes]) -> None:
    """Every file to a temp beside it, then all renamed: a failure leaves the old files."""
    try:
        write_all_atomic(writes)
    except WriteError as e:
        raise DeliveryError(NAME, str(e)) from None

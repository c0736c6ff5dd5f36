"""File delivery: the report's renderings written to a folder, with an archive index.

Layout, stable and dated (one folder per account)::

    <folder>/<account>/<account>-2026-W21.html   .md  .json  .csv  (.txt)
    <folder>/<account>/latest.html               copies of the newest period's files
    <folder>/<account>/index.json                every period written, newest first
    <folder>/<account>/index.html                the same, as a page of links

Every file is rendered first, then written to a temp file beside its target, and only when
all are written are they renamed into place: a failure leaves the previous files as they
were. Writing the same period again replaces its files and its index entry (idempotent).
XLSX (a workbook with Summary, Posts and Daily sheets) needs the ``xlsx`` extra (XlsxWriter).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Final

from filelock import FileLock, Timeout
from markupsafe import escape

from xpulse.analytics.document import Report
from xpulse.errors import DeliveryError, DestinationConfigError, WriteError
from xpulse.fsutil import write_all_atomic
from xpulse.render import fmt, render_file
from xpulse.render.view import as_report

NAME: Final = "files"
INDEX_SCHEMA: Final = "https://xpulse.dev/schemas/files-index/v1"
# Format name -> file suffix; "text" is the plain terminal rendering.
SUFFIXES: Final[dict[str, str]] = {
    "html": "html",
    "md": "md",
    "json": "json",
    "csv": "csv",
    "text": "txt",
    "pdf": "pdf",  # needs the pdf extra
    "xlsx": "xlsx",  # needs the xlsx extra
}
DEFAULT_FORMATS: Final = ("html", "md", "json", "csv")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

log = logging.getLogger(__name__)


def slug(text: str) -> str:
    """A file-name-safe piece: letters, digits, ``.``, ``_`` and ``-`` only."""
    cleaned = _UNSAFE.sub("_", text).strip("._")
    return cleaned[:100] or "report"


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The formats, de-duplicated, if every one is known; else ``ValueError``."""
    if isinstance(formats, str) or not formats:
        raise ValueError(f"file formats must be a list of: {', '.join(SUFFIXES)}")
    out: list[str] = []
    for name in formats:
        key = {"txt": "text", "markdown": "md"}.get(name, name)
        if key == "xlsx" and find_spec("xlsxwriter") is None:
            raise ValueError("xlsx needs XlsxWriter: pip install 'xpulse[xlsx]'")
        if key not in SUFFIXES:
            raise ValueError(f"unknown file format {name!r} (use {', '.join(SUFFIXES)})")
        if key not in out:
            out.append(key)
    return tuple(out)


class FilesDestination:
    """Writes each report's renderings into ``folder``; see the module docstring."""

    name = NAME

    def __init__(self, folder: Path | str, formats: Sequence[str] = DEFAULT_FORMATS) -> None:
        try:
            self.formats = check_formats(formats)
        except ValueError as e:
            raise DestinationConfigError(NAME, str(e)) from None
        self.folder = Path(folder).expanduser()

    def __repr__(self) -> str:
        return f"FilesDestination({str(self.folder)!r}, {list(self.formats)!r})"

    def account_dir(self, report: Report) -> Path:
        return self.folder / slug(report.account.name)

    def paths_for(self, report: Report) -> dict[str, Path]:
        """Where each format of this report goes (for ``--dry-run``)."""
        base = f"{slug(report.account.name)}-{slug(report.period.label)}"
        folder = self.account_dir(report)
        return {f: folder / f"{base}.{SUFFIXES[f]}" for f in self.formats}

    def send(self, document: Report | Mapping[str, Any]) -> list[Path]:
        """Write the report; return the dated files written (not the index or latest copies)."""
        report = as_report(document)
        targets = self.paths_for(report)
        texts = {f: render_file(report, f) for f in self.formats}  # type: ignore[arg-type]
        folder = self.account_dir(report)
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
                entry = _entry(report, {f: p.name for f, p in targets.items()})
                reports = [r for r in index.get("reports", []) if r.get("label") != entry["label"]]
                reports.append(entry)
                reports.sort(key=lambda r: (str(r.get("start", "")), str(r.get("label"))))
                reports.reverse()
                newest = reports[0]["label"] == entry["label"]
                writes: dict[Path, str | bytes] = {targets[f]: texts[f] for f in self.formats}
                if newest:
                    writes.update(
                        {folder / f"latest.{SUFFIXES[f]}": texts[f] for f in self.formats}
                    )
                doc = {
                    "schema": INDEX_SCHEMA,
                    "account": report.account.name,
                    "username": report.account.username,
                    "reports": reports,
                }
                writes[folder / "index.json"] = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
                writes[folder / "index.html"] = _index_html(doc)
                _write_all(writes)
        except Timeout:
            raise DeliveryError(NAME, f"{folder} is locked by another xpulse run") from None
        log.info("files: wrote %s to %s", ", ".join(self.formats), folder)
        return list(targets.values())


def _entry(report: Report, files: dict[str, str]) -> dict[str, Any]:
    period, totals = report.period, report.totals
    return {
        "label": period.label,
        "kind": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "tz": period.tz,
        "partial": period.partial,
        "generated_at": report.generated_at.isoformat(),
        "files": files,
        "totals": {
            "posts": totals.posts,
            "impressions": totals.impressions,
            "engagements": totals.engagements,
            "engagement_rate": totals.engagement_rate,
        },
    }


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


def _index_html(doc: dict[str, Any]) -> str:
    """A self-contained page listing every period with its totals and files."""
    who = f"@{doc['username']}" if doc.get("username") else doc["account"]
    rows = []
    for r in doc["reports"]:
        files = r.get("files") or {}
        links = " · ".join(
            f'<a href="{escape(name)}">{escape(fmt_name)}</a>'
            for fmt_name, name in sorted(files.items())
            if isinstance(name, str) and slug(name) == name
        )
        t = r.get("totals") or {}
        rows.append(
            "<tr>"
            f"<td>{escape(r.get('label', ''))}{' (partial)' if r.get('partial') else ''}</td>"
            f"<td>{escape(str(r.get('start', ''))[:10])}</td>"
            f'<td class="num">{escape(fmt.count(t.get("posts")))}</td>'
            f'<td class="num">{escape(fmt.count(t.get("impressions")))}</td>'
            f'<td class="num">{escape(fmt.count(t.get("engagements")))}</td>'
            f'<td class="num">{escape(fmt.percent(t.get("engagement_rate")))}</td>'
            f"<td>{links}</td></tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="7">No reports yet.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>X reports {escape(who)}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; color: #1f2328; margin: 24px; }}
@media (max-width: 640px) {{ body {{ margin: 16px 12px; }} }}
a {{ color: #0969da; }}
.scroll {{ overflow-x: auto; max-width: 100%; }}
table {{ border-collapse: collapse; }}
th, td {{ padding: 5px 10px; border-bottom: 1px solid #d0d7de; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
</style>
</head>
<body>
<h1>X reports: {escape(who)}</h1>
<p>Newest first. <a href="latest.html">Latest report</a>.</p>
<div class="scroll"><table>
<thead><tr><th>Period</th><th>Start</th><th>Posts</th><th>Impressions</th><th>Engagements</th>
<th>Engagement rate</th><th>Files</th></tr></thead>
<tbody>
{body}
</tbody>
</table></div>
</body>
</html>
"""

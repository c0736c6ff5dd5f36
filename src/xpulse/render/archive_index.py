"""The files archive's index page: every period written for an account, newest first.

It renders the archive's ``index.json`` document (its ``reports`` entries: label, start,
partial, totals and the file names per format) as a self-contained page of links. Only
names that stay inside the account's folder become links.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import escape

from xpulse.render import fmt

# A file name the archive itself writes: letters, digits, '.', '_' and '-', no leading or
# trailing dot or underscore (so no "..", no hidden file), at most 100 characters.
_LOCAL_NAME = re.compile(r"[A-Za-z0-9-](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9-])?")


def archive_index_html(doc: Mapping[str, Any]) -> str:
    """A self-contained page listing every period with its totals and files."""
    who = f"@{doc['username']}" if doc.get("username") else doc["account"]
    rows = []
    for r in doc["reports"]:
        files = r.get("files") or {}
        links = " · ".join(
            f'<a href="{escape(name)}">{escape(fmt_name)}</a>'
            for fmt_name, name in sorted(files.items())
            if isinstance(name, str) and _LOCAL_NAME.fullmatch(name)
        )
        t = r.get("totals") or {}
        rows.append(
            "<tr>"
            f'<td data-label="Period" class="period">{escape(r.get("label", ""))}'
            f"{' (partial)' if r.get('partial') else ''}</td>"
            f'<td data-label="Start">{escape(str(r.get("start", ""))[:10])}</td>'
            f'<td data-label="Posts" class="num">{escape(fmt.count(t.get("posts")))}</td>'
            f'<td data-label="Impressions" class="num">'
            f"{escape(fmt.count(t.get('impressions')))}</td>"
            f'<td data-label="Engagements" class="num">'
            f"{escape(fmt.count(t.get('engagements')))}</td>"
            f'<td data-label="Engagement rate" class="num">'
            f"{escape(fmt.percent(t.get('engagement_rate')))}</td>"
            f'<td data-label="Files"><span>{links}</span></td></tr>'
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
td {{ white-space: nowrap; }}
/* On a phone each period is a card of labelled lines, its files in reach without scrolling. */
@media (max-width: 640px) {{
  thead {{ display: none; }}
  table, tbody, tr, td {{ display: block; }}
  tr {{ border: 1px solid #d0d7de; border-radius: 6px; margin: 0 0 12px; padding: 4px 0; }}
  td {{ display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 3px 10px; }}
  td::before {{ content: attr(data-label); color: #59636e; }}
  td.period {{ font-weight: 600; }}
}}
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

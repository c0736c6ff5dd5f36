"""Small SVG building blocks for the charts: escaping, the accessible frame, axis ticks.

Every piece of text that reaches SVG goes through :func:`esc`; ids are reduced to a safe
alphabet, so a chart title or a post text can never inject markup.
"""

from __future__ import annotations

import math
import re

from markupsafe import escape

from xpulse.render.escape import strip_controls

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#d0d7de"
# Two blues that stay distinct in greyscale print: light fill, dark stroke.
LIGHT = "#9ecae1"
DARK = "#08519c"
ACCENT = "#d94801"


def esc(text: object) -> str:
    """Text escaped for SVG element content and double-quoted attributes."""
    return str(escape(strip_controls(str(text))))


def safe_id(text: str) -> str:
    """An XML id made of ``[a-z0-9-]`` only."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "chart"


def num(value: float) -> str:
    """A coordinate with at most one decimal, for compact and stable output."""
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded.is_integer() else str(rounded)


def frame(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    """The opening of an accessible, responsive SVG with its title and description."""
    cid = safe_id(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'font-family="{esc(FONT)}" font-size="12" fill="{INK}">'
        f'<title id="{cid}-title">{esc(title)}</title>'
        f'<desc id="{cid}-desc">{esc(desc)}</desc>'
    )


def text(x: float, y: float, content: object, anchor: str = "start", **attrs: str) -> str:
    """A text element; ``content`` is escaped."""
    extra = "".join(f' {key.replace("_", "-")}="{esc(value)}"' for key, value in attrs.items())
    return f'<text x="{num(x)}" y="{num(y)}" text-anchor="{anchor}"{extra}>{esc(content)}</text>'


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1-2-5 steps)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def truncate(content: str, limit: int) -> str:
    """One line of at most ``limit`` characters, with an ellipsis when cut."""
    flat = " ".join(strip_controls(content).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"

"""Driving Debian's Chromium with Playwright, every request outside the page's origin blocked.

Outside CI a missing Chromium or Playwright skips the browser tests with the reason; in CI
(``CI=true``) it fails them, since ``.ci/run`` installs Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (375, 600, 1280)
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


def need_browser() -> Any:
    """The Playwright module, or a skip (outside CI) / failure (in CI) saying what is missing."""
    missing = None
    try:
        from playwright import sync_api
    except ImportError:
        missing = "the playwright package is not installed"
    if missing is None and not CHROMIUM.exists():
        missing = f"{CHROMIUM} is absent (apt-get install chromium; .ci/run does it)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    return sync_api


@dataclass
class Watch:
    """What a page did: console errors, failed requests, and requests that were blocked."""

    origin: str
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.failed, self.failed
        assert not self.blocked, self.blocked


def open_page(browser: Any, origin: str, width: int = 1280, **context: Any) -> tuple[Any, Watch]:
    """A new page at ``width`` px that may only reach ``origin`` (a prefix of its URLs)."""
    ctx = browser.new_context(viewport={"width": width, "height": 900}, **context)
    watch = Watch(origin)

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(origin) or url.startswith("data:"):
            r.continue_()
        else:
            watch.blocked.append(url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on("requestfailed", lambda r: watch.failed.append(r.url))
    return page, watch


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not longer: Playwright's sync API keeps an event loop
    running while it is open, which would break the asyncio of other modules' tests."""
    sync_api = need_browser()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


def overflow(page: Any) -> int:
    """How many px the page is wider than its viewport (0: no horizontal scrolling)."""
    return int(
        page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - window.innerWidth"
        )
    )


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot kept as a test artefact (test-artifacts/ is not committed)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_charts(page: Any) -> list[str]:
    """Wait until every visible chart box is drawn; return their ids. A chart that fails
    leaves ``data-error``, which is reported."""
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('[data-chart]'))
             .filter(b => b.offsetParent !== null)
             .every(b => b.dataset.drawn === '1' || b.dataset.error)""",
        timeout=20_000,
    )
    errors = page.eval_on_selector_all(
        "[data-chart][data-error]", "els => els.map(e => e.dataset.chart + ': ' + e.dataset.error)"
    )
    assert not errors, errors
    ids: list[str] = page.eval_on_selector_all(
        "[data-chart][data-drawn='1']", "els => els.map(e => e.dataset.chart)"
    )
    return ids


def marks(page: Any, chart_id: str) -> int:
    """How many data marks (bars, points, cells, lines) a drawn chart has."""
    count: int = page.eval_on_selector(
        f'[data-chart="{chart_id}"]',
        "b => b.querySelectorAll('g.role-mark path, g.role-mark line, g.role-mark text').length",
    )
    return count


def hover_value(page: Any, chart_id: str) -> str:
    """Hover the chart's first data mark with a tooltip; the tooltip's text."""
    mark = page.locator(
        f'[data-chart="{chart_id}"] g.mark-rect path, [data-chart="{chart_id}"] g.mark-symbol path'
    ).first
    mark.scroll_into_view_if_needed()
    mark.hover(force=True)
    tip = page.locator("#vg-tooltip-element")
    tip.wait_for(state="visible", timeout=5_000)
    text: str = tip.inner_text()
    return text


# WCAG 2 contrast of every piece of HTML text against the background it is drawn on (the
# first non-transparent one up the tree): 4.5:1, or 3:1 for large text (24 px, or 18.66 px
# bold). Chart text is SVG, drawn in the charts' own colours, and is left to the chart specs.
_CONTRAST_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) { return c.slice(0, 3); }
    }
    return [255, 255, 255];
  };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest("svg, script, style")) { continue; }
    if (el.offsetParent === null && getComputedStyle(el).position !== "fixed") { continue; }
    const style = getComputedStyle(el);
    const fg = rgb(style.color).slice(0, 3), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) { bad.push(node.textContent.trim().slice(0, 40) + " " + ratio.toFixed(2)); }
  }
  return bad;
}"""


def low_contrast(page: Any) -> list[str]:
    """The texts of the page below WCAG AA contrast (empty: all pass)."""
    found: list[str] = page.evaluate(_CONTRAST_JS)
    return found

"""Drawing the Vega-Lite specs of :mod:`xpulse.render.charts`, with vl-convert.

vl-convert (by the Vega project) embeds Vega, Vega-Lite and vega-embed: it draws a spec
as SVG (print, PDF) or PNG (email) with no browser, and hands out the same libraries as
one JavaScript bundle for the pages, so a page draws the very spec the image was drawn
from, offline. Building that bundle takes seconds, so it is kept on disk per vl-convert
version (the user cache folder) and in memory.

In a page the specs are drawn by :data:`BOOT_JS` with Vega's expression interpreter
(``ast: true``, which vega-embed bundles; no ``eval``), so the Content-Security-Policy
allows only the page's own scripts, by hash.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import platformdirs
import vl_convert as vlc

from xpulse.fsutil import write_atomic
from xpulse.render.charts import Chart, Spec

# Draws every visible chart of the page from the JSON in #chart-specs, and those that become
# visible (a drill-down opened by its #anchor) when they do: a hidden box has no width to fit.
# A chart that fails to draw keeps its text alternative and says why in data-error.
BOOT_JS: Final = """(function () {
  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  function draw(box) {
    var id = box.getAttribute("data-chart");
    if (box.hasAttribute("data-started") || !specs[id] || box.offsetParent === null) { return; }
    box.setAttribute("data-started", "1");
    window.vegaEmbed(box, specs[id], {
      renderer: "svg", actions: false, ast: true, tooltip: { theme: "light" }
    }).then(function () { box.setAttribute("data-drawn", "1"); })
      .catch(function (err) { box.setAttribute("data-error", String(err)); });
  }
  function drawVisible() { document.querySelectorAll("[data-chart]").forEach(draw); }
  window.addEventListener("hashchange", drawVisible);
  drawVisible();
})();"""


def static_spec(chart: Chart, width: int) -> Spec:
    """``chart``'s spec at a fixed width: images have no container to fit."""
    spec = copy.deepcopy(chart.spec)
    spec["width"] = width
    spec["autosize"] = {"type": "fit", "contains": "padding"}
    spec.pop("params", None)
    for layer in spec.get("layer", []):
        layer.pop("params", None)
    return spec


def svg(chart: Chart, width: int = 680) -> str:
    """The chart as one SVG document (vector, for print and PDF)."""
    return str(vlc.vegalite_to_svg(static_spec(chart, width)))


def png(chart: Chart, width: int = 560, scale: float = 2) -> bytes:
    """The chart as PNG bytes at ``scale`` times ``width`` CSS pixels (sharp on dense screens)."""
    return bytes(vlc.vegalite_to_png(static_spec(chart, width), scale=scale))


_GLOBALS: Final = "window.vegaEmbed = vegaEmbed;"


def _cache_file() -> Path:
    version = f"{vlc.get_vega_version()}-{vlc.get_vega_embed_version()}"
    # In xpulse.config.env's table; spelled here because render imports no config.
    folder = os.environ.get("XPULSE_CACHE_DIR", "").strip() or platformdirs.user_cache_dir("xpulse")
    key = hashlib.sha256(_GLOBALS.encode()).hexdigest()[:8]
    return Path(folder) / f"vega-bundle-{version}-{key}.js"


@cache
def bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script that defines ``window.vegaEmbed``."""
    path = _cache_file()
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    code = str(vlc.javascript_bundle(_GLOBALS))
    if "</script" in code.lower():  # it could not be inlined in a page safely
        raise RuntimeError("the Vega bundle contains '</script'")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, code)
    except OSError:
        pass  # an unwritable cache only costs the next run the same seconds
    return code


def script_hash(code: str) -> str:
    """The CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@cache
def bundle_hash() -> str:
    return script_hash(bundle())


def specs_json(charts: Sequence[Chart]) -> str:
    """The specs by chart id, as JSON safe inside ``<script type="application/json">``."""
    text = json.dumps({c.id: c.spec for c in charts}, separators=(",", ":"), allow_nan=False)
    # "<", ">" and "&" escaped so that no post text can close the script element.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class PageScripts:
    """What a page needs to draw its charts: the scripts and the CSP sources allowing them.

    ``bundle`` is the chart library inlined (a self-contained file), or None when the page
    loads it from ``bundle_src`` on its own origin (the live app)."""

    specs: str
    bundle: str | None
    bundle_src: str | None
    boot: str
    csp: str


def boot_js(extra_js: str = "") -> str:
    """The page's one inline script: draw the charts, then ``extra_js``."""
    return BOOT_JS + ("\n" + extra_js if extra_js else "")


def page_scripts(
    charts: Sequence[Chart], *, extra_js: str = "", bundle_src: str | None = None
) -> PageScripts:
    """The scripts of a page drawing ``charts``, then running ``extra_js`` (the page's own)."""
    boot = boot_js(extra_js)
    if not charts:  # nothing to draw: no library
        return PageScripts("{}", None, None, boot, script_hash(boot))
    if bundle_src is None:
        return PageScripts(
            specs=specs_json(charts),
            bundle=bundle(),
            bundle_src=None,
            boot=boot,
            csp=f"{bundle_hash()} {script_hash(boot)}",
        )
    return PageScripts(
        specs=specs_json(charts),
        bundle=None,
        bundle_src=bundle_src,
        boot=boot,
        csp=f"'self' {script_hash(boot)}",
    )

"""``xpulse dashboard`` and ``xpulse serve`` without a browser: files, headers, tokens, and
bad input as one clear line."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from xpulse_web_world import CONFIG, XPULSE, World

from xpulse.analytics import parse_period
from xpulse.config.settings import load_config
from xpulse.render import fmt
from xpulse.store import open_store
from xpulse.web.app import ServeSettings, create_app, is_loopback

TOKEN = "correct-horse-battery"


class Client:
    """Requests to the ASGI app in this process (no socket)."""

    def __init__(self, world: World, token: str | None) -> None:
        os.environ["XPULSE_HOME"] = str(world.home)  # the test's own env (isolated_env)
        self.app = create_app(ServeSettings(load_config(), open_store(world.db_url), token=token))

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                return await c.request(method, path, **kw)

        return asyncio.run(go())

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str) -> httpx.Response:
        return self.request("POST", path)

    def delete(self, path: str) -> httpx.Response:
        return self.request("DELETE", path)


def _client(world: World, token: str | None = None) -> Client:
    return Client(world, token)


def test_pages_have_security_headers_and_are_read_only(world: World) -> None:
    client = _client(world)
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert client.post("/").status_code == 405
    assert client.delete("/account/main").status_code == 405
    bundle = client.get("/assets/vega.js")
    assert bundle.status_code == 200 and "window.vegaEmbed" in bundle.text


def test_unknown_account_or_period_is_a_clear_page(world: World) -> None:
    client = _client(world)
    missing = client.get("/account/nobody")
    assert missing.status_code == 404 and "no account &#39;nobody&#39;" in missing.text
    bad = client.get("/account/main", params={"period": "<b>x</b>"})
    assert bad.status_code == 404 and "<b>x</b>" not in bad.text
    fresh = client.get("/account/fresh")
    assert fresh.status_code == 200 and "no data for account" in fresh.text


def test_a_token_is_asked_for_and_checked(world: World) -> None:
    client = _client(world, TOKEN)
    assert client.get("/").status_code == 401
    assert "Basic" in client.get("/").headers["www-authenticate"]
    assert client.get("/", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    basic = base64.b64encode(f"me:{TOKEN}".encode()).decode()
    assert client.get("/", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    assert client.get("/", headers={"Authorization": "Basic !!"}).status_code == 401


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")  # noqa: S104


def test_serve_refuses_an_open_address_without_a_token(world: World) -> None:
    done = world.xpulse("serve", "--host", "0.0.0.0", "--port", "0", check=False)  # noqa: S104
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "XPULSE_SERVE_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_on_a_busy_port_is_one_line(world: World) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = world.xpulse("serve", "--port", str(port), check=False)
    assert done.returncode == 1
    assert done.stderr.startswith(f"xpulse: error: cannot listen on 127.0.0.1:{port}")
    assert done.stderr.count("\n") == 1


def test_dashboard_figures_equal_the_json_report(world: World, tmp_path: Path) -> None:
    out = tmp_path / "site"
    label = parse_period("last-month", "Europe/Berlin", world.now).label
    world.xpulse("dashboard", "--out", str(out), "-p", label, "-a", "side",
                 "--as-of", world.now.isoformat())  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["index.html", f"portfolio--{label}.html", f"side--{label}.html"]
    )
    page = (out / f"side--{label}.html").read_text("utf-8")
    doc = world.report_json("side", label, world.now)
    shown = fmt.count(doc["totals"]["impressions"])
    assert f'Impressions</div>\n  <div class="value">{shown}<' in page
    for post in doc["posts"]:
        assert f'data-post="{post["id"]}"' in page
        assert f'data-field="impressions" data-v="{post["impressions"]}"' in page


def test_dashboard_bad_input_is_one_line(world: World, tmp_path: Path) -> None:
    done = world.xpulse("dashboard", "--out", str(tmp_path / "no" / "such" / "dir"), check=False)
    assert done.returncode != 0 and "does not exist" in done.stderr
    assert done.stderr.count("\n") == 1
    done = world.xpulse("dashboard", "--out", str(tmp_path / "s"), "-a", "ghost", check=False)
    assert done.returncode != 0 and "no account 'ghost'" in done.stderr
    assert not (tmp_path / "s").exists()  # nothing half-written
    done = world.xpulse("dashboard", "--out", str(tmp_path / "s"), "-p", "2026-W99", check=False)
    assert done.returncode != 0 and "2026-W99" in done.stderr and "Traceback" not in done.stderr


def test_dashboard_on_an_empty_store_says_what_to_do(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(CONFIG, encoding="utf-8")
    env = {"XPULSE_HOME": str(home), "XPULSE_DB": f"sqlite:///{home / 'x.db'}", "PATH": ""}
    done = subprocess.run([*XPULSE, "dashboard", "--out", str(tmp_path / "s")], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert "run `xpulse collect` first" in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.parametrize("cmd", ["dashboard", "serve"])
def test_help_has_an_example(world: World, cmd: str) -> None:
    assert "Example:" in world.xpulse(cmd, "--help").stdout


def test_report_pdf_from_a_real_process(world: World, tmp_path: Path) -> None:
    out = tmp_path / "week.pdf"
    done = world.xpulse("report", "-a", "main", "-p", "last-week", "--out", str(out))
    assert f"wrote {out}" in done.stderr
    assert out.read_bytes().startswith(b"%PDF-")


def test_trend_points_equal_the_reports_of_their_weeks(world: World, tmp_path: Path) -> None:
    import re

    out = tmp_path / "site"
    label = parse_period("last-week", "Europe/Berlin", world.now).label
    world.xpulse("dashboard", "--out", str(out), "-p", label, "-a", "main",
                 "--as-of", world.now.isoformat())  # fmt: skip
    page = (out / f"main--{label}.html").read_text("utf-8")
    weeks = [parse_period(label, "Europe/Berlin", world.now)]
    weeks.append(weeks[0].previous())
    for week in weeks:
        row = re.search(
            rf'<td class="name">{week.label}</td><td class="num"[^>]*>([^<]*)</td>'
            r'<td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td>',
            page,
        )
        assert row, week.label
        t = world.report_json("main", week.label, world.now)["totals"]
        assert row.groups() == (
            fmt.count(t["posts"]),
            fmt.count(t["impressions"]),
            fmt.count(t["engagements"]),
        )

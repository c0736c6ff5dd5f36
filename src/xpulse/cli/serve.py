"""``xpulse serve``: the dashboard, live from the store, on a local web server."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

import click

from xpulse.cli import failure
from xpulse.cli.options import opened_store, periods_option, tz_option
from xpulse.config.env import SERVE_TOKEN
from xpulse.errors import UsageProblem
from xpulse.web import DEFAULT_PERIODS

TOKEN_ENV = SERVE_TOKEN.name


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8750, show_default=True, type=int, help="Port (0: any free one).")
@periods_option(
    "A period the pickers offer; repeat for several (default: " + ", ".join(DEFAULT_PERIODS) + ")."
)
@tz_option("IANA time zone (default: the config's).")
def serve(host: str, port: int, periods: tuple[str, ...], tz: str | None) -> None:
    """Serve the dashboard read-only from the store, as it is at each request.

    It listens on 127.0.0.1 (this machine only) unless --host says otherwise; any other
    address needs a token in the environment variable XPULSE_SERVE_TOKEN, which the
    browser then asks for as the password (any user name).

    Example:

    \b
        xpulse serve                      # then open http://127.0.0.1:8750/
        XPULSE_SERVE_TOKEN=$(openssl rand -hex 16) xpulse serve --host 0.0.0.0
    """
    import uvicorn

    from xpulse.config.settings import load_config
    from xpulse.web.app import ServeSettings, create_app, is_loopback, listen_socket
    from xpulse.web.site import Site

    token = os.environ.get(TOKEN_ENV, "").strip() or None
    if not is_loopback(host) and token is None:
        raise UsageProblem(
            f"--host {host} can be reached from other machines: set {TOKEN_ENV} to a "
            "password of your choice (e.g. `export XPULSE_SERVE_TOKEN=$(openssl rand -hex 16)`)"
        )
    if token is not None and len(token) < 12:
        raise UsageProblem(f"{TOKEN_ENV} is too short: use at least 12 characters")
    config = load_config()
    with opened_store(config) as engine:
        settings = ServeSettings(config, engine, periods or DEFAULT_PERIODS, tz, token)
        Site(config, engine, datetime.now(UTC), settings.periods, tz)  # bad periods: now
        try:
            sock = listen_socket(host, port)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            click.echo(f"xpulse: error: cannot listen on {host}:{port}: {reason}", err=True)
            sys.exit(failure.FAILED)
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"xpulse: dashboard on http://{shown}:{bound}/ (Ctrl-C stops it)", err=True)
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), log_level="warning", access_log=False)
        )
        server.run(sockets=[sock])

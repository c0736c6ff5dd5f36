"""The ``xsim`` command line: generate a world, serve it."""

from __future__ import annotations

import errno
import sys
from pathlib import Path

import click

from xsim.export_cli import export


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """xsim: a local X API v2 that behaves like the real one.

    Example:

        xsim world --seed 1 --users 3 --days 90 --out world.json

        xsim serve --host 127.0.0.1 --port 8787 --world world.json
    """


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8787, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--world",
    "world_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="World JSON file (see `xsim world`).",
)
@click.option(
    "--now",
    default=None,
    help="Fix the clock at this ISO instant (default: the world's `now`, if it has one); "
    "'real' for the wall clock.",
)
@click.option(
    "--faults",
    default=None,
    help='Fault rates, e.g. "429=0.05,500=0.02,slow=0.02,drop=0.01,seed=7".',
)
@click.option(
    "--token-lifetime",
    type=click.FloatRange(min=1, max=100 * 365 * 86400),
    default=None,
    help="Access-token lifetime in seconds (default 7200; at most 100 years).",
)
@click.option("--auto-approve", is_flag=True, help="Approve OAuth consent without a page.")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Keep issued tokens, the ledger and the clock in this file across restarts.",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
)
def serve(
    host: str,
    port: int,
    world_path: Path,
    now: str | None,
    faults: str | None,
    token_lifetime: float | None,
    auto_approve: bool,
    state_path: Path | None,
    log_level: str,
) -> None:
    """Serve a world as the X API v2 over HTTP.

    Example:

        xsim serve --host 127.0.0.1 --port 8787 --world world.json --now 2026-05-20T12:00:00Z
    """
    from xsim.clock import RealClock, in_range, parse_instant
    from xsim.server.http import listen_socket, run
    from xsim.server.state_file import StateError
    from xsim.v2.faults import FaultSpecError, parse_faults
    from xsim.world.document import WorldError, load_world

    try:
        fixed = parse_instant(now) if now and now != "real" else None
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 instant: {now!r}", param_hint="--now") from None
    try:
        fixed = in_range(fixed) if fixed is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None
    try:
        spec = parse_faults(faults) if faults else None
    except FaultSpecError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    try:
        world = load_world(world_path)
    except WorldError as exc:
        click.echo(f"xsim: error: {exc}", err=True)
        sys.exit(2)
    # Bind before the banner: a port in use is one line and exit 1, with no race between a
    # check and uvicorn's own bind.
    try:
        sock = listen_socket(host, port)
    except OSError as exc:
        click.echo(
            f"xsim: error: cannot listen on {_address(host, port)}: {_reason(exc)}", err=True
        )
        sys.exit(1)
    bound = _address(host, sock.getsockname()[1])  # --port 0 shows the port it got
    click.echo(f"xsim: serving {world_path} on http://{bound}", err=True)
    # Client ids and usernames are public identifiers; secrets stay in the world file.
    # Public clients first: they are the ones `xpulse init --client-id` takes as they are
    # (the README's walk-through uses the public one); a confidential one also needs its
    # secret (in the world file) in XPULSE_CLIENT_SECRET, or sign-in fails invalid_client.
    for app in sorted(world.apps.values(), key=lambda a: a.confidential):
        if app.confidential:
            kind = "confidential: needs XPULSE_CLIENT_SECRET, its secret in the world file"
        else:
            kind = "public: no secret; the README's `xpulse init --client-id` uses this one"
        owner = world.users.get(app.owner) if app.owner else None
        if owner is not None:  # only the owner's own posts cost the owned-read price
            kind += f"; owned by @{owner.username}"
        click.echo(f"  app {app.name!r}: client id {app.client_id} ({kind})", err=True)
    names = ", ".join(f"@{user.username}" for user in world.users.values())
    click.echo(f"  users: {names}", err=True)
    try:
        started = run(
            world,
            sock,
            log_level=log_level,
            state=state_path,
            now=fixed,
            faults=spec,
            token_lifetime_seconds=token_lifetime,
            auto_approve=auto_approve,
            clock=RealClock() if now == "real" else None,
        )
    except StateError as exc:
        click.echo(f"xsim: error: {exc}", err=True)
        sys.exit(2)
    if not started:
        sys.exit(3)  # uvicorn's start-up failure code; it has logged the reason


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _reason(exc: OSError) -> str:
    """The OS's reason, lower-case as in the rest of the line: 'permission denied'."""
    if exc.errno == errno.EADDRINUSE:
        return "address in use"
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


@cli.command("world")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same world.")
@click.option("--users", type=click.IntRange(min=1), default=3, show_default=True, help="Accounts.")
@click.option(
    "--days", type=click.IntRange(min=1), default=90, show_default=True, help="Days of posts."
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the world JSON.",
)
@click.option(
    "--now",
    default=None,
    help="The world's clock, an ISO instant; posts end here (default: now, to the minute).",
)
@click.option(
    "--posts-per-week",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Average posts a week per user (users vary around it).",
)
def world_command(
    seed: int, users: int, days: int, out_path: Path, now: str | None, posts_per_week: float
) -> None:
    """Generate a realistic world, deterministic by seed (given --now).

    Users post with a weekly and daily rhythm in their own time zones, in a mix of text,
    link, photo, video, gif, poll, thread, reply, quote and retweet; each has a planted best
    weekday, hour and content type, and a few posts spike, are promoted or are deleted. The
    ground truth is written under "planted".

    Example:

    \b
        xsim world --seed 1 --users 3 --days 90 --now 2026-05-20T12:00:00Z --out world.json
    """
    from datetime import UTC, datetime

    from xsim.clock import parse_instant
    from xsim.world.document import dump_world
    from xsim.world.generate import GenerateOptions, generate_world

    try:
        moment = parse_instant(now) if now else datetime.now(UTC).replace(second=0, microsecond=0)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 instant: {now!r}", param_hint="--now") from None
    world = generate_world(GenerateOptions(seed, users, days, moment, posts_per_week))
    try:
        dump_world(world, out_path)
    except OSError as exc:
        click.echo(f"xsim: error: cannot write {out_path}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    click.echo(
        f"xsim: wrote {out_path}: {len(world.users)} users, {len(world.posts)} posts, "
        f"{len(world.media)} media, {len(world.tokens)} pre-issued tokens, "
        f"now {moment.isoformat().replace('+00:00', 'Z')}",
        err=True,
    )


cli.add_command(export)  # xsim export archive|analytics-csv


def main() -> None:
    sys.exit(cli.main(standalone_mode=True))

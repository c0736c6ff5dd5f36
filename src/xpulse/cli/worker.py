"""``xpulse worker``, ``xpulse enqueue`` and ``xpulse workers status``: many accounts over
PostgreSQL, on as many machines as needed (see docs/workers.md)."""

from __future__ import annotations

import click

from xpulse.cli import failure
from xpulse.cli.options import RUN_PERIOD, accounts_option, opened_store, period_option


@click.command()
@click.option(
    "--concurrency", "-c", type=click.IntRange(1, 256), default=8, show_default=True,
    help="Jobs this worker runs at once (each one account).",
)  # fmt: skip
@click.option(
    "--stalled-after", type=click.FloatRange(5, 3600), default=30.0, show_default=True,
    metavar="SECONDS",
    help="Requeue the jobs of a worker silent this long (killed, or its machine lost).",
)  # fmt: skip
@click.option(
    "--shared-tokens", is_flag=True,
    help="Keep the accounts' tokens in the database (workers on several machines); "
    "fill it with `xpulse workers import-tokens`.",
)  # fmt: skip
def worker(concurrency: int, stalled_after: float, shared_tokens: bool) -> None:
    """Run a worker: take collect and run jobs from the queue in PostgreSQL, and start runs
    on the configured cadence. Start one or more per machine, all on the same XPULSE_DB;
    SIGTERM or Ctrl-C lets the jobs in hand finish.

    Example:

    \b
        XPULSE_DB=postgresql+psycopg://xpulse@db/xpulse xpulse worker --concurrency 16
        xpulse worker --shared-tokens     # on each of several machines
    """
    import logging

    from xpulse.config.settings import load_config
    from xpulse.jobs.worker import work

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    work(
        load_config(),
        concurrency=concurrency,
        stalled_after=stalled_after,
        shared_tokens=shared_tokens,
    )


@click.group()
def enqueue() -> None:
    """Queue jobs for the workers: one per account, none twice while one is waiting.

    Example:

    \b
        xpulse enqueue collect
        xpulse enqueue run --account main --period 2026-W21
    """


@enqueue.command("collect")
@accounts_option()
def enqueue_collect(accounts: tuple[str, ...]) -> None:
    """Queue a collect job per account (what `xpulse collect` does, on the workers).

    Example:

    \b
        xpulse enqueue collect --account main --account brand
    """
    _enqueue("collect", accounts, None)


@enqueue.command("run")
@accounts_option()
@period_option(RUN_PERIOD)
def enqueue_run(accounts: tuple[str, ...], period: str | None) -> None:
    """Queue a run job per account: collect, report, deliver, alert (`xpulse run`).

    Example:

    \b
        xpulse enqueue run --period last-week
    """
    _enqueue("run", accounts, period)


def _enqueue(kind: str, names: tuple[str, ...], period: str | None) -> None:
    from xpulse.config.settings import load_config
    from xpulse.errors import NoAccounts
    from xpulse.jobs.app import make_app
    from xpulse.jobs.engine import ensure_schema
    from xpulse.jobs.queue import enqueue_all

    config = load_config()
    accounts = [config.account(n) for n in dict.fromkeys(names)] if names else config.accounts
    if not accounts:
        raise NoAccounts(config.path)
    app = make_app(config.db_url())
    with opened_store(config) as engine:
        ensure_schema(engine)
    with app.open():
        for queued in enqueue_all(app, "run" if kind == "run" else "collect", accounts, period):
            click.echo(queued.line())


@click.group()
def workers() -> None:
    """What the workers are doing.

    Example:

    \b
        xpulse workers status
    """


@workers.command("status")
@click.option("--failed", "failed_limit", type=click.IntRange(0, 1000), default=20,
              show_default=True, help="How many failed jobs to list.")  # fmt: skip
def workers_status(failed_limit: int) -> None:
    """Jobs queued, running, succeeded, failed and retried per account; each failed job's
    error in one line. Exits 1 when a job has failed.

    Example:

    \b
        xpulse workers status --failed 5
    """
    from xpulse.config.settings import load_config
    from xpulse.jobs.engine import conninfo, ensure_schema
    from xpulse.jobs.status import read_status

    config = load_config()
    conninfo(config.db_url())  # workers need PostgreSQL: say so in one line
    with opened_store(config) as engine:
        ensure_schema(engine)
        status = read_status(engine, failed_limit=failed_limit)
    for line in status.lines():
        click.echo(line)
    if status.failed:
        raise SystemExit(failure.FAILED)


@workers.command("import-tokens")
@accounts_option()
def workers_import_tokens(accounts: tuple[str, ...]) -> None:
    """Copy accounts' sign-ins from this machine's token store (`xpulse auth login`) into
    the database, for workers started with --shared-tokens. Exits 1 when an account has
    no sign-in here.

    Example:

    \b
        xpulse auth login --account main && xpulse workers import-tokens --account main
    """
    from xpulse.accounts.token_table import DatabaseTokenStore
    from xpulse.accounts.tokens import default_store
    from xpulse.config.settings import load_config
    from xpulse.jobs.engine import conninfo

    config = load_config()
    chosen = [config.account(n) for n in dict.fromkeys(accounts)] if accounts else config.accounts
    conninfo(config.db_url())
    here = default_store()
    missing = 0
    with opened_store(config) as engine:
        shared = DatabaseTokenStore(engine)
        for account in chosen:
            if account.auth != "oauth2":
                click.echo(f"{account.name}: app bearer token, nothing to copy")
                continue
            record = here.load(account.name)
            if record is None or record.needs_sign_in:
                missing += 1
                click.echo(
                    f"{account.name}: not signed in on this machine; run: "
                    f"xpulse auth login --account {account.name}"
                )
                continue
            shared.save(record)
            click.echo(f"{account.name}: copied from {here.where} to the database")
    if missing:
        raise SystemExit(failure.FAILED)

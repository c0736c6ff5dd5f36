"""The ``xsim`` command line: generate a world, serve it."""

from __future__ import annotations

import sys

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """xsim: a local X API v2 that behaves like the real one.

    Example:

        xsim world --seed 1 --users 3 --days 90 --out world.json

        xsim serve --host 127.0.0.1 --port 8787 --world world.json
    """


def main() -> None:
    sys.exit(cli.main(standalone_mode=True))

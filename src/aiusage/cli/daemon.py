"""``aiusage daemon``: keep collecting until stopped (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from aiusage.app import App, parse_interval
from aiusage.cli import options as o
from aiusage.cli.common import with_app


def register(app: typer.Typer) -> None:
    app.command(name="daemon")(daemon)


def daemon(
    logs_interval: Annotated[
        str,
        typer.Option("--logs-interval", help="How often to read new agent log lines: 30s, 1m."),
    ] = "1m",
    no_logs: Annotated[
        bool, typer.Option("--no-logs", help="Collect provider accounts only, not agent logs.")
    ] = False,
    backfill: Annotated[
        int,
        typer.Option("--backfill", help="Days of history to read on an account's first run."),
    ] = 30,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Log only problems, not every collection.")
    ] = False,
    database: o.Database = None,
) -> None:
    """Keep collecting every enabled account and agent logs, until Ctrl-C or SIGTERM.

    Each account runs on its own interval with jitter, backs off when it fails and honours
    Retry-After; accounts added or disabled meanwhile are picked up within 30 s; alert
    rules are evaluated after collections. One daemon per database."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )

    def body(application: App) -> None:
        every = 0 if no_logs else parse_interval(logs_interval, "--logs-interval")
        application.daemon(logs_interval_s=float(every), backfill_days=backfill).run_forever()

    with_app(database, body)

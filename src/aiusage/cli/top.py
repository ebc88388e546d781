"""``aiusage top``: the live terminal monitor (extra ``tui``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from aiusage.app import App, parse_interval
from aiusage.cli import options as o
from aiusage.cli.common import err, with_app


def register(app: typer.Typer) -> None:
    app.command(name="top")(top)


def top(
    tz: o.Tz = None,
    interval: Annotated[
        float,
        typer.Option(
            "--interval",
            "-n",
            min=0.2,
            help="Seconds between looks at the store for new data (countdowns tick every "
            "second regardless).",
        ),
    ] = 2.0,
    collect: Annotated[
        bool,
        typer.Option(
            "--collect/--no-collect",
            help="Collect in this process, like `aiusage daemon` (agent logs and provider "
            "accounts on their intervals). Idle when a daemon or `aiusage serve` already "
            "collects into this store. --no-collect only shows what others write.",
        ),
    ] = True,
    logs_interval: Annotated[
        str,
        typer.Option("--logs-interval", help="How often to read new agent log lines."),
    ] = "10s",
    database: o.Database = None,
) -> None:
    """A live monitor in the terminal: each source's spend today and this month, tokens,
    limits with reset countdowns and burn rate, the active 5-hour block with its
    projection, budgets, recent alerts and a chart. Keys: p period, m cost/tokens,
    s source, o sort, r refresh now, ? help, q quit."""
    try:
        from aiusage.tui.monitor import TopApp
    except ImportError as exc:
        err.print(f"[red]error:[/] the terminal monitor is not installed ({escape(str(exc))})")
        err.print("  [dim]hint:[/] pip install 'aiusage[tui]'")
        raise typer.Exit(2) from None
    every: list[int] = []

    def check(application: App) -> None:
        """A bad --tz, interval or database fails here, as a message, before the screen."""
        application.use_timezone(tz)
        every.append(parse_interval(logs_interval, "--logs-interval"))

    with_app(database, check)
    TopApp(
        o.app_context(database),
        tz=tz,
        interval=interval,
        collect=collect,
        logs_interval_s=float(every[0]),
    ).run()

"""``aiusage blocks``: five-hour blocks per agent, token limits, and a live view."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from aiusage.app import App, Block, block_json, resolve_token_limit
from aiusage.cli import options as o
from aiusage.cli.common import Shown, dump, err, iso_in, out, refresh, shown_in, with_app

RECENT_MS = 3 * 86_400_000  # --recent: blocks of the last 3 days (ccusage's default)

TokenLimit = Annotated[
    str | None,
    typer.Option(
        "--token-limit",
        "-t",
        help="Tokens per block to measure against: a number, or 'max' (your largest "
        "earlier block). Warns at 80%, judged on the active block's projection.",
    ),
]
Live = Annotated[
    bool, typer.Option("--live", help="Keep reading the logs and redraw the active blocks.")
]
Interval = Annotated[
    float, typer.Option("--refresh-interval", help="Seconds between redraws with --live.")
]
Active = Annotated[bool, typer.Option("--active", help="Only the active block(s).")]
Recent = Annotated[bool, typer.Option("--recent", help="Only blocks of the last 3 days.")]
MaxRefreshes = Annotated[int, typer.Option("--max-refreshes", hidden=True)]


def register(app: typer.Typer) -> None:
    app.command(name="blocks")(blocks)


def blocks(
    since: o.Since = None,
    until: o.Until = None,
    tz: o.Tz = None,
    agent: o.Agent = None,
    project: o.Project = None,
    mode: o.Mode = None,
    order: o.Order = "asc",
    token_limit: TokenLimit = None,
    active: Active = False,
    recent: Recent = False,
    live: Live = False,
    refresh_interval: Interval = 5.0,
    max_refreshes: MaxRefreshes = 0,
    no_refresh: o.NoRefresh = False,
    json_out: o.Json = False,
    database: o.Database = None,
    verbose: o.Verbose = False,
) -> None:
    """Five-hour usage blocks per agent, with burn rate and projection for the active one."""
    opts = o.report_options(since, until, tz, None, agent, project, False, mode, order)
    if live and json_out:
        raise typer.BadParameter("--live draws a table; leave out --json")

    def select(application: App) -> tuple[list[Block], dict[str, int], int]:
        now_ms = int(time.time() * 1000)
        result = application.blocks(opts, now_ms=now_ms)
        try:
            limits = resolve_token_limit(token_limit, result)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
        if active or live:
            result = [b for b in result if b.is_active]
        elif recent:
            result = [b for b in result if b.is_active or b.start_ms >= now_ms - RECENT_MS]
        return result, limits, now_ms

    def body(application: App) -> None:
        zone = application.tz(tz)
        if live:
            _live(application, opts.agents, select, shown_in(zone), refresh_interval, max_refreshes)
            return
        scan = refresh(application, opts.agents, json_out, no_refresh)
        result, limits, now_ms = select(application)
        if json_out:
            dump(
                {
                    "blocks": [
                        block_json(b, now_ms, iso_in(zone), limits.get(b.agent)) for b in result
                    ],
                    "token_limits": limits or None,
                }
            )
            return
        from aiusage.cli.render import render_scan_notes
        from aiusage.cli.render_blocks import render_blocks

        render_blocks(out, result, shown_in(zone), limits, now_ms)
        render_scan_notes(err, scan, verbose)

    with_app(database, body)


def _live(
    application: App,
    agents: tuple[str, ...],
    select: Any,
    shown: Shown,
    interval: float,
    max_refreshes: int,
) -> None:
    """Read new log lines and redraw in place until Ctrl-C (or ``max_refreshes``)."""
    from rich.live import Live

    from aiusage.cli.render_blocks import live_view

    refreshes = 0
    with Live(console=out, auto_refresh=False, transient=False) as screen:
        while True:
            application.refresh(agents=agents)
            result, limits, now_ms = select(application)
            screen.update(live_view(result, shown, limits, now_ms, interval), refresh=True)
            refreshes += 1
            if max_refreshes and refreshes >= max_refreshes:
                return
            time.sleep(max(interval, 0.2))

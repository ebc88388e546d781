"""Entry point: the Typer app, the bare-command summary, and error handling."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from aiusage.app import (
    AiusageError,
    App,
    Period,
    ScanReport,
    block_json,
    open_app,
)
from aiusage.cli import options as o
from aiusage.cli.progress import ScanProgress

app = typer.Typer(
    name="aiusage",
    help="How much you use and spend on AI, how close you are to your limits.",
    no_args_is_help=False,
    add_completion=True,
    rich_markup_mode="rich",
)
out = Console(soft_wrap=False)
err = Console(stderr=True)


def _fail(exc: AiusageError) -> None:
    err.print(f"[red]error:[/] {exc.args[0] if exc.args else exc}")
    if exc.hint:
        err.print(f"  [dim]hint:[/] {exc.hint}")
    raise typer.Exit(2)


def _refresh(application: App, agents: tuple[str, ...], quiet: bool) -> ScanReport:
    with ScanProgress(err, enabled=not quiet) as progress:
        return application.refresh(progress=progress.update, agents=agents)


def _nothing_found(application: App, scan: ScanReport) -> bool:
    if scan.files_seen or application.store.db.scalar("SELECT 1 FROM usage_events LIMIT 1"):
        return False
    err.print("[yellow]No Claude Code or Codex usage found.[/] Looked in:")
    for path in application.looked_in():
        err.print(f"  {escape(path)}", soft_wrap=True)  # whole, so it can be copied
    err.print(
        "[dim]Set CLAUDE_CONFIG_DIR or CODEX_HOME if your agents keep their logs elsewhere.[/]"
    )
    return True


def _with_app(database: str | None, body: Callable[[App], None]) -> None:
    try:
        application = open_app(o.app_context(database))
        try:
            body(application)
        finally:
            application.close()
    except AiusageError as exc:
        _fail(exc)


def _dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@app.callback(invoke_without_command=True)
def summary(
    ctx: typer.Context,
    tz: o.Tz = None,
    json_out: o.Json = False,
    database: o.Database = None,
    verbose: o.Verbose = False,
) -> None:
    """Without a command: today, this week and this month per agent."""
    if ctx.invoked_subcommand is not None:
        return

    def body(application: App) -> None:
        scan = _refresh(application, (), json_out)
        if _nothing_found(application, scan):
            return
        result = application.summary(tz)
        if json_out:
            _dump(
                {
                    "date": result.today.isoformat(),
                    "timezone": result.tz,
                    "periods": {
                        p: {a: t.to_dict() for a, t in agents.items()}
                        for p, agents in result.periods.items()
                    },
                }
            )
            return
        from aiusage.cli.render import render_scan_notes, render_summary

        render_summary(out, result)
        render_scan_notes(err, scan, verbose)
        out.print(
            "[dim]More: aiusage daily | weekly | monthly | session | blocks "
            "(--breakdown, --json, --since, --help)[/]"
        )

    _with_app(database, body)


def _report_command(period: Period) -> Callable[..., None]:
    def command(
        since: o.Since = None,
        until: o.Until = None,
        tz: o.Tz = None,
        start_of_week: o.StartOfWeek = None,
        breakdown: o.Breakdown = False,
        agent: o.Agent = None,
        project: o.Project = None,
        instances: o.Instances = False,
        mode: o.Mode = None,
        order: o.Order = "asc",
        json_out: o.Json = False,
        database: o.Database = None,
        verbose: o.Verbose = False,
        no_refresh: o.NoRefresh = False,
    ) -> None:
        opts = o.report_options(
            since, until, tz, start_of_week, agent, project, instances, mode, order
        )

        def body(application: App) -> None:
            scan = ScanReport() if no_refresh else _refresh(application, opts.agents, json_out)
            if not no_refresh and _nothing_found(application, scan):
                if json_out:
                    _dump(application.report(period, opts).to_json(application.tz(tz), breakdown))
                return
            report = application.report(period, opts)
            if json_out:
                _dump(report.to_json(application.tz(tz), breakdown))
                return
            from aiusage.cli.render import render_report, render_scan_notes

            render_report(out, report, application.tz_name(tz), breakdown)
            render_scan_notes(err, scan, verbose)

        _with_app(database, body)

    command.__doc__ = {
        Period.DAILY: "Usage and cost per day.",
        Period.WEEKLY: "Usage and cost per week.",
        Period.MONTHLY: "Usage and cost per month.",
        Period.SESSION: "Usage and cost per agent session.",
    }[period]
    return command


for _period in (Period.DAILY, Period.WEEKLY, Period.MONTHLY, Period.SESSION):
    app.command(name=_period.value)(_report_command(_period))


@app.command()
def blocks(
    since: o.Since = None,
    until: o.Until = None,
    tz: o.Tz = None,
    agent: o.Agent = None,
    project: o.Project = None,
    mode: o.Mode = None,
    order: o.Order = "asc",
    json_out: o.Json = False,
    database: o.Database = None,
    verbose: o.Verbose = False,
) -> None:
    """Five-hour usage blocks, with burn rate and projection for the active one."""
    opts = o.report_options(since, until, tz, None, agent, project, False, mode, order)

    def body(application: App) -> None:
        scan = _refresh(application, opts.agents, json_out)
        zone = application.tz(tz)
        now_ms = int(datetime.now().timestamp() * 1000)

        def iso(ms: int) -> str:
            return datetime.fromtimestamp(ms / 1000, zone).isoformat(timespec="minutes")

        result = application.blocks(opts)
        if json_out:
            _dump({"blocks": [block_json(b, now_ms, iso) for b in result]})
            return
        from aiusage.cli.render import render_blocks, render_scan_notes

        render_blocks(out, result, iso)
        render_scan_notes(err, scan, verbose)

    _with_app(database, body)


@app.command()
def paths(database: o.Database = None) -> None:
    """Where aiusage looks for agent logs and keeps its data."""

    def body(application: App) -> None:
        out.print(f"config file: {application.config.path}")
        out.print(f"database:    {application.store.url}")
        for source in application.sources:
            for root in source.roots():
                state = "found" if root.is_dir() else "missing"
                out.print(f"{source.name:12} {root}  [dim]({state})[/]")

    _with_app(database, body)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("[dim]interrupted — what was read so far is saved[/]")
        sys.exit(130)

"""Entry point: the Typer app, the bare-command summary, and error handling."""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer
from rich.console import Console

from aiusage.app import App, Period
from aiusage.cli import options as o
from aiusage.cli.common import dump as _dump
from aiusage.cli.common import err, nothing_found, out, refresh, with_app
from aiusage.cli.watch import Watch, refuse_json, with_default_interval
from aiusage.cli.watch import watch as watch_redraw

app = typer.Typer(
    name="aiusage",
    help="How much you use and spend on AI, how close you are to your limits.",
    no_args_is_help=False,
    add_completion=True,
    rich_markup_mode="rich",
)


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
        scan = refresh(application, (), json_out)
        if nothing_found(application, scan):
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

    with_app(database, body)


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
        watch: Watch = None,
    ) -> None:
        opts = o.report_options(
            since, until, tz, start_of_week, agent, project, instances, mode, order
        )
        refuse_json(watch, json_out)

        def body(application: App) -> None:
            if watch is not None:
                from aiusage.cli.render import render_report

                def frame(console: Console) -> None:
                    refresh(application, opts.agents, True, no_refresh)
                    report = application.report(period, opts)
                    render_report(console, report, application.tz_name(tz), breakdown)

                watch_redraw(frame, watch, out)
                return
            scan = refresh(application, opts.agents, json_out, no_refresh)
            if not no_refresh and nothing_found(application, scan):
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

        with_app(database, body)

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
def paths(database: o.Database = None) -> None:
    """Where aiusage looks for agent logs and keeps its data."""

    def body(application: App) -> None:
        out.print(f"config file: {application.config.path}")
        out.print(f"database:    {application.store.shown_url}")
        for source in application.sources:
            for root in source.roots():
                state = "found" if root.is_dir() else "missing"
                out.print(f"{source.name:12} {root}  [dim]({state})[/]")

    with_app(database, body)


def _register_command_groups() -> None:
    """Commands that live in their own modules add themselves to ``app``."""
    from aiusage.cli import (
        accounts,
        advise,
        alerts,
        blocks,
        budgets,
        daemon,
        demo,
        insights,
        limits,
        notify,
        otel,
        prune,
        serve,
        sources,
        team,
        top,
        tray,
    )

    modules = (
        accounts,
        advise,
        alerts,
        blocks,
        budgets,
        daemon,
        demo,
        insights,
        limits,
        notify,
        otel,
        prune,
        serve,
        sources,
        team,
        top,
        tray,
    )
    for module in modules:
        module.register(app)

    @app.command(name="statusline", context_settings={"ignore_unknown_options": True})
    def statusline(database: o.Database = None) -> None:
        """Claude Code statusline: reads the hook JSON on stdin, prints one line (fast)."""
        from aiusage.cli.statusline import run

        raise typer.Exit(run(["--database", database] if database else []))


_register_command_groups()


def main() -> None:
    try:
        app(args=with_default_interval(sys.argv[1:]))
    except KeyboardInterrupt:
        err.print("[dim]interrupted — what was read so far is saved[/]")
        sys.exit(130)

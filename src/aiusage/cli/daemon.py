"""``aiusage daemon``: keep collecting until stopped (Ctrl-C or SIGTERM); or install it as
a background service (``--install``/``--uninstall``) and ask how it is (``--status``)."""

from __future__ import annotations

import logging
import sys
from typing import Annotated, Any

import typer
from rich.markup import escape

from aiusage.app import App, parse_interval
from aiusage.cli import options as o
from aiusage.cli.common import dump, out, with_app

LOGS_INTERVAL = "1m"
BACKFILL_DAYS = 30


def register(app: typer.Typer) -> None:
    app.command(name="daemon")(daemon)


def daemon(
    logs_interval: Annotated[
        str,
        typer.Option("--logs-interval", help="How often to read new agent log lines: 30s, 1m."),
    ] = LOGS_INTERVAL,
    no_logs: Annotated[
        bool, typer.Option("--no-logs", help="Collect provider accounts only, not agent logs.")
    ] = False,
    backfill: Annotated[
        int,
        typer.Option("--backfill", help="Days of history to read on an account's first run."),
    ] = BACKFILL_DAYS,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Log only problems, not every collection.")
    ] = False,
    push_every: Annotated[
        str | None,
        typer.Option(
            "--push-every",
            help="In a team: push to the team server at most this often (default: [team] "
            "push_every, 30s).",
        ),
    ] = None,
    install: Annotated[
        bool,
        typer.Option(
            "--install",
            help="Run it in the background from now on and at every login (systemd user "
            "unit; prints the launchd / Task Scheduler equivalent on macOS / Windows), "
            "with these options and this database.",
        ),
    ] = False,
    uninstall: Annotated[
        bool, typer.Option("--uninstall", help="Stop the background service and remove it.")
    ] = False,
    status: Annotated[
        bool,
        typer.Option(
            "--status", help="Is the service installed, is a daemon running, last collections."
        ),
    ] = False,
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Keep collecting every enabled account and agent logs, until Ctrl-C or SIGTERM.

    Each account runs on its own interval with jitter, backs off when it fails and honours
    Retry-After; accounts added or disabled meanwhile are picked up within 30 s; alert
    rules are evaluated after collections. One daemon per database."""
    if install + uninstall + status > 1:
        raise typer.BadParameter("give one of --install, --uninstall, --status")
    every = 0 if no_logs else parse_interval(logs_interval, "--logs-interval")
    push_s = parse_interval(push_every, "--push-every") if push_every else None
    if install:
        args = _daemon_args(logs_interval, no_logs, backfill, quiet)
        args += ["--push-every", push_every] if push_every else []
        with_app(database, lambda application: _installed(application.service.install(args)))
        return
    if uninstall:
        with_app(database, lambda application: _uninstalled(application.service.uninstall()))
        return
    if status:
        with_app(database, lambda application: _status(application.service.status(), json_out))
        return
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )
    # httpx logs every request at INFO: a line per push and per collection, saying less
    # than ours do (and the query string with it).
    logging.getLogger("httpx").setLevel(logging.WARNING)

    def body(application: App) -> None:
        application.daemon(
            logs_interval_s=float(every), backfill_days=backfill, push_every_s=push_s
        ).run_forever()

    with_app(database, body)


def _daemon_args(logs_interval: str, no_logs: bool, backfill: int, quiet: bool) -> list[str]:
    """The options the service's daemon gets: those given here that are not defaults."""
    args = []
    if no_logs:
        args.append("--no-logs")
    elif logs_interval != LOGS_INTERVAL:
        args += ["--logs-interval", logs_interval]
    if backfill != BACKFILL_DAYS:
        args += ["--backfill", str(backfill)]
    if quiet:
        args.append("--quiet")
    return args


def _commands(outcome: Any) -> None:
    for command in outcome.shown_commands():
        out.print(f"  {escape(command)}", soft_wrap=True)


def _installed(outcome: Any) -> None:
    if outcome.done:
        out.print(f"Installed and started the aiusage service: {escape(str(outcome.path))}")
        out.print("[dim]Ran:[/]")
        _commands(outcome)
        out.print(
            "[dim]Logs: journalctl --user -u aiusage -f · state: aiusage daemon --status · "
            "remove: aiusage daemon --uninstall. To keep it running while you are logged "
            "out: loginctl enable-linger[/]"
        )
    elif outcome.text:
        out.print(f"Save this as {escape(str(outcome.path))}:")
        out.print(outcome.text, markup=False, highlight=False, soft_wrap=True)
        out.print("then run:")
        _commands(outcome)
    else:
        out.print("Run these commands (in a terminal, as yourself):")
        _commands(outcome)
    for note in outcome.notes:
        out.print(f"[yellow]note:[/] {escape(note)}")


def _uninstalled(outcome: Any) -> None:
    if not outcome.done:
        out.print("Run these commands to remove the service:")
        _commands(outcome)
    elif outcome.commands:
        out.print(f"Stopped and removed the aiusage service ({escape(str(outcome.path))}).")
    for note in outcome.notes:
        out.print(f"[yellow]note:[/] {escape(note)}")


def _status(found: dict[str, Any], json_out: bool) -> None:
    if json_out:
        dump(found)
        return
    installed = {True: "installed", False: "not installed", None: "unknown on this system"}
    line = installed[found["installed"]]
    if found["path"]:
        line += f" ({found['path']})"
    manager = found["manager"]
    if manager:
        line += f", {manager.get('enabled', '?')}, {manager.get('active', '?')}"
    out.print(f"Service:  {escape(line)}")
    daemon = f"running (pid {found['pid'] or '?'})" if found["running"] else "not running"
    out.print(f"Daemon:   {daemon} on {escape(found['database'])}")
    if found["accounts"] or found["agents"]:
        from rich.table import Table

        table = Table("Source", "Kind", "Status", "Last attempt", "Last success")
        table.caption = "for an agent: its newest record read from the logs"
        for a in found["accounts"]:
            row = (a["status"], _when(a["last_attempt"]), _when(a["last_success"]))
            table.add_row(escape(a["name"]), "account", *row)
        for agent in found["agents"]:
            table.add_row(escape(agent["name"]), "agent", "", "", _when(agent["last_record"]))
        out.print(table)
    if not found["running"] and not found["installed"]:
        out.print("[dim]Nothing collects in the background: aiusage daemon --install[/]")


def _when(iso: str | None) -> str:
    """'2026-11-24 18:54' from ISO 8601 (already in the configured zone)."""
    return iso[:16].replace("T", " ") if iso else "never"

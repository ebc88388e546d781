"""``aiusage alerts``: the alert log; ``alerts check`` evaluates the rules now;
``alerts pause`` / ``resume`` silence notifications for a while."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from aiusage.app import App, parse_interval
from aiusage.cli import options as o
from aiusage.cli.common import dump, iso_in, out, refresh, shown_in, with_app

alerts_app = typer.Typer(
    help="Alerts on budgets, limits, failing or silent sources: the log, checks, pausing.",
    invoke_without_command=True,
)
COLOUR = {"info": "cyan", "warning": "yellow", "critical": "red"}


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")


@alerts_app.callback()
def show(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many to show.")] = 30,
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Every alert fired, newest first, with where it was delivered."""
    if ctx.invoked_subcommand is not None:
        return

    def body(application: App) -> None:
        entries = application.alerts.log(limit)
        zone = application.tz(None)
        if json_out:
            iso = iso_in(zone)
            dump({"alerts": [{**_plain(e), "fired_at": iso(int(e["ts_ms"]))} for e in entries]})
            return
        if not entries:
            out.print(
                "No alerts yet. Rules run after every collection (`aiusage daemon`) or with "
                "`aiusage alerts check`; set a budget with `aiusage budgets set`."
            )
            return
        shown = shown_in(zone)
        table = Table(title="Alerts", title_justify="left", header_style="bold")
        for column in ("When", "Severity", "Alert", "Delivery"):
            table.add_column(column)
        for e in entries:
            colour = COLOUR.get(str(e["severity"]), "white")
            text = escape(str(e["title"]))
            if e["body"]:
                text += f"\n[dim]{escape(str(e['body']))}[/]"
            table.add_row(
                shown(int(e["ts_ms"])),
                f"[{colour}]{e['severity']}[/]",
                text,
                _delivery(e),
            )
        out.print(table)

    with_app(database, body)


@alerts_app.command("check")
def check(
    json_out: o.Json = False,
    no_refresh: o.NoRefresh = False,
    database: o.Database = None,
) -> None:
    """Evaluate every rule now and notify what fires (safe to repeat: nothing is sent twice)."""

    def body(application: App) -> None:
        refresh(application, (), json_out, no_refresh)
        fired = application.alerts.check()
        active = [c for c in application.alerts.conditions() if c.active]
        if json_out:
            dump(
                {
                    "fired": [
                        {"key": f.condition.key, "severity": f.severity, "title": f.title}
                        for f in fired
                    ],
                    "active": [
                        {"key": c.key, "rule": c.rule, "severity": c.severity, "title": c.title}
                        for c in active
                    ],
                }
            )
            return
        for f in fired:
            out.print(f"[{COLOUR.get(f.severity, 'white')}]{f.severity}[/] {escape(f.title)}")
        if not fired:
            out.print(f"Nothing new to notify ({len(active)} alert(s) active, already notified).")

    with_app(database, body)


@alerts_app.command("pause")
def pause(
    duration: Annotated[str, typer.Argument(help="How long: 30m, 1h, 8h.")] = "1h",
    database: o.Database = None,
) -> None:
    """Send no notifications for a while (alerts are still logged when it ends)."""

    def body(application: App) -> None:
        until = application.alerts.pause(parse_interval(duration, "pause"))
        out.print(f"Alerts paused until {shown_in(application.tz(None))(until)}.")

    with_app(database, body)


@alerts_app.command("resume")
def resume(database: o.Database = None) -> None:
    """End a pause now."""

    def body(application: App) -> None:
        application.alerts.resume()
        out.print("Alerts resumed.")

    with_app(database, body)


def _plain(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "ts_ms"}


def _delivery(entry: dict[str, Any]) -> str:
    status = str(entry["status"])
    if status == "logged":
        return "[dim]log only[/]"
    channels = entry.get("delivery") or {}
    parts = [f"{name}: {'ok' if r == 'ok' else 'failed'}" for name, r in channels.items()]
    return escape(", ".join(parts) or status)

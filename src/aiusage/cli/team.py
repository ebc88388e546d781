"""``aiusage team …``: this machine as a member of a team (join, status, push, leave).

The token is read from standard input or a hidden prompt, never from an argument (shell
history, ``ps``), and goes to the OS keyring. The team server's admin commands register
themselves into the same group.
"""

from __future__ import annotations

import sys
import time
from typing import Annotated, Any

import typer
from rich.markup import escape

from aiusage.app import App
from aiusage.cli import options as o
from aiusage.cli.common import dump, err, iso_in, out, shown_in, with_app

team_app = typer.Typer(
    help="Team mode: push this machine's usage to your team's aiusage server, or (admins) "
    "manage the team's users and tokens.",
    no_args_is_help=True,
)

Machine = Annotated[
    str | None,
    typer.Option("--machine", help="How this machine is named on the server (default: host name)."),
]
NoShareProjects = Annotated[
    bool,
    typer.Option(
        "--no-share-projects",
        help="Send usage without project names: they never leave this machine.",
    ),
]
SinceDay = Annotated[
    str | None,
    typer.Option("--since", help="Send history from this day (YYYY-MM-DD) on; default: all."),
]


def register(app: typer.Typer) -> None:
    from aiusage.cli import team_admin

    team_admin.register(team_app)  # the team server's admin commands
    app.add_typer(team_app, name="team")


@team_app.command("join")
def join(
    url: Annotated[str, typer.Argument(help="The team server, e.g. https://aiusage.example.com")],
    machine: Machine = None,
    no_share_projects: NoShareProjects = False,
    since: SinceDay = None,
    database: o.Database = None,
) -> None:
    """Join a team server (the token is read from stdin or a hidden prompt).

    The token your team's admin made goes to the OS keyring, never to a file; the server
    is checked with it first. Your history is queued and pushed from now on."""
    first_day = o.parse_date(since)
    token = _read_token()

    def body(application: App) -> None:
        joined = application.team_member.join(
            url,
            token,
            machine=machine,
            share_projects=not no_share_projects,
            since=first_day,
        )
        for warning in joined.warnings:
            err.print(f"[yellow]warning:[/] {escape(warning)}")
        shared = "with project names" if joined.share_projects else "without project names"
        out.print(
            f"Joined [bold]{escape(joined.server)}[/] as machine "
            f"[bold]{escape(joined.machine)}[/], {shared}."
        )
        out.print(
            f"Queued {joined.queued_events:,} events and {joined.queued_observations:,} "
            "readings. `aiusage team push` sends them now; the daemon (`aiusage daemon`) "
            "keeps pushing after each collection."
        )

    with_app(database, body)


def _read_token() -> str | None:
    """A line from a pipe, else a hidden prompt; None lets AIUSAGE_TEAM_TOKEN stand in."""
    import os

    if not sys.stdin.isatty():
        return sys.stdin.readline().strip() or None
    if os.environ.get("AIUSAGE_TEAM_TOKEN", "").strip():
        return None
    token: str = typer.prompt("Team token", hide_input=True)
    return token.strip() or None


@team_app.command("status")
def status(json_out: o.Json = False, database: o.Database = None) -> None:
    """The team server, this machine's name, the last push, what waits to be sent."""

    def body(application: App) -> None:
        state = application.team_member.status()
        if json_out:
            iso = iso_in(application.tz(None))
            data = state.to_json()
            for key in ("last_push_ms", "last_attempt_ms", "error_ms"):
                data[key.removesuffix("_ms")] = iso(data.pop(key))
            dump(data)
            return
        if not state.joined:
            out.print("Not in a team. Join one: `aiusage team join URL` (token on stdin).")
            return
        shown = shown_in(application.tz(None), int(time.time() * 1000))
        rows: list[tuple[str, str]] = [
            ("Server", escape(state.server or "")),
            ("Machine", escape(state.machine or "")),
            ("Projects", "shared" if state.share_projects else "names kept on this machine"),
            ("Token", _token_line(state.token)),
            ("Last push", shown(state.last_push_ms) or "never"),
            ("Backlog", _backlog(state)),
            (
                "Pushed",
                f"{_counted(state.pushed_events, 'event')}, "
                f"{_counted(state.pushed_observations, 'reading')}",
            ),
        ]
        if state.dropped:
            rows.append(("Dropped", f"{state.dropped:,} rows the server refused as malformed"))
        if state.error:
            rows.append(("Last error", f"[red]{escape(state.error)}[/] ({shown(state.error_ms)})"))
            rows.append(("", f"[dim]hint: {escape(state.error_hint)}[/]"))
        for label, value in rows:
            out.print(f"{label:<11} {value}")

    with_app(database, body)


def _token_line(source: str) -> str:
    if source == "missing":
        return "[red]missing[/] — run `aiusage team join URL` again"
    return "OS keyring" if source == "keyring" else "AIUSAGE_TEAM_TOKEN"


def _backlog(state: Any) -> str:
    if not (state.backlog_events or state.backlog_observations):
        return "nothing waiting"
    events = _counted(state.backlog_events, "event")
    return f"{events}, {_counted(state.backlog_observations, 'reading')} waiting"


def _counted(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"


@team_app.command("push")
def push(json_out: o.Json = False, database: o.Database = None) -> None:
    """Push what is queued now (the daemon does it after each collection)."""

    def body(application: App) -> None:
        result = application.team_member.push_now()
        if json_out:
            dump(
                {
                    "ok": result.ok,
                    "events": result.events,
                    "observations": result.observations,
                    "batches": result.batches,
                    "dropped": result.dropped,
                    "error": result.error or None,
                    "hint": result.hint or None,
                }
            )
        else:
            if result.batches or result.ok:  # after a failure with nothing sent: the error
                out.print(
                    f"Pushed {_counted(result.events, 'event')} and "
                    f"{_counted(result.observations, 'reading')} in "
                    f"{result.batches} batch{'es' if result.batches != 1 else ''}."
                )
            if result.dropped:
                err.print(
                    f"[yellow]warning:[/] the server refused {result.dropped} malformed "
                    "rows; they were dropped (the log names them)"
                )
            if not result.ok:
                err.print(f"[red]error:[/] {escape(result.error)}")
                err.print(f"  [dim]hint:[/] {escape(result.hint)}")
                err.print(f"Still queued: {_backlog(application.team_member.status())}.")
        if not result.ok:
            raise typer.Exit(1)

    with_app(database, body)


@team_app.command("leave")
def leave(database: o.Database = None) -> None:
    """Stop pushing: forget the server and the token (the local history stays)."""

    def body(application: App) -> None:
        left = application.team_member.leave()
        out.print(f"Left {escape(left.server)}; nothing more is pushed.")
        if left.unsent:
            err.print(
                f"[yellow]warning:[/] {left.unsent:,} queued records were never sent "
                "(join again to send them)"
            )
        if not left.token_removed:
            out.print("[dim]No token was in the keyring (AIUSAGE_TEAM_TOKEN, if set, stays).[/]")

    with_app(database, body)

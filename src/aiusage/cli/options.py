"""Options shared by the report commands, declared once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from aiusage.app import AppContext, ReportOptions


def parse_date(value: str | None) -> date | None:
    """YYYY-MM-DD or YYYYMMDD (ccusage's form)."""
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD")


Since = Annotated[
    str | None, typer.Option("--since", "-s", help="First day to include (YYYY-MM-DD), local.")
]
Until = Annotated[
    str | None, typer.Option("--until", "-u", help="Last day to include (YYYY-MM-DD), local.")
]
Tz = Annotated[
    str | None,
    typer.Option("--tz", "--timezone", "-z", help="Time zone for days (default: the system's)."),
]
StartOfWeek = Annotated[
    str | None, typer.Option("--start-of-week", help="First day of a week: monday … sunday.")
]
Breakdown = Annotated[bool, typer.Option("--breakdown", "-b", help="Show a row per model.")]
Agent = Annotated[
    list[str] | None,
    typer.Option(
        "--agent",
        "--source",
        "-a",
        help="Only this agent (claude, codex, gemini, opencode, amp, qwen, kimi, droid) or "
        "provider account (its name); repeatable.",
    ),
]
Project = Annotated[str | None, typer.Option("--project", "-p", help="Only this project.")]
Instances = Annotated[bool, typer.Option("--instances", "-i", help="Group by project.")]
Mode = Annotated[
    str | None,
    typer.Option(
        "--mode",
        "-m",
        help="Cost: auto (logged cost where present, else calculated), calculate, display.",
    ),
]
Order = Annotated[str, typer.Option("--order", "-o", help="Sort order: asc or desc.")]
Json = Annotated[bool, typer.Option("--json", "-j", help="Print JSON instead of a table.")]
Database = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar="AIUSAGE_DATABASE_URL",
        help="Database URL (default: SQLite in the data directory).",
        show_envvar=True,
    ),
]
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Name skipped files and lines, show timings.")
]
NoRefresh = Annotated[
    bool, typer.Option("--no-refresh", help="Report from the store without reading logs first.")
]


def report_options(
    since: str | None,
    until: str | None,
    tz: str | None,
    start_of_week: str | None,
    agent: list[str] | None,
    project: str | None,
    instances: bool,
    mode: str | None,
    order: str,
) -> ReportOptions:
    if order.lower() not in ("asc", "desc"):
        raise typer.BadParameter("--order must be asc or desc")
    return ReportOptions(
        since=parse_date(since),
        until=parse_date(until),
        tz=tz,
        start_of_week=start_of_week,
        agents=tuple(agent or ()),
        project=project,
        instances=instances,
        mode=mode,
        descending=order.lower() == "desc",
    )


def app_context(database: str | None) -> AppContext:
    return AppContext(database_url=database)

"""``aiusage team overview | member NAME``: the team's figures in the terminal, on the
server's database (as its owner, an admin: every member's row).

The same views as ``GET /api/v1/team/overview`` and ``/members/{name}`` (App.team), so
the terminal, the dashboard and the API show one set of numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from aiusage.cli import options as o
from aiusage.cli.common import dump, out
from aiusage.cli.render import n, usd
from aiusage.cli.team_admin import run_as_owner

TOP = 10  # projects shown; --json has them all
Period = Annotated[str, typer.Option("--period", "-p", help="today, week or month (so far).")]


def register(team_app: typer.Typer) -> None:
    team_app.command("overview")(overview)
    team_app.command("member")(member)


def overview(
    period: Period = "month", json_out: o.Json = False, database: o.Database = None
) -> None:
    """The team this period: totals, every member, departments, projects, budgets."""

    def show(team: Any, owner: Any) -> None:
        seen = team.overview(owner, period)
        if json_out:
            dump(seen)
            return
        totals = seen["totals"]
        out.print(
            f"[bold]Team[/] {seen['first_day']} – {seen['last_day']} ({seen['timezone']}): "
            f"today {usd(totals['today_usd'])}, week {usd(totals['week_usd'])}, "
            f"month {usd(totals['month_usd'])}; {totals['members_active']} of "
            f"{totals['members']} members active, {n(totals['tokens'])} tokens"
        )
        if not seen["members"]:
            out.print("No members yet: `aiusage team users add NAME`, then `team join` on theirs.")
            return
        spent = sum(m["cost_usd"] for m in seen["members"]) or 1.0
        table = Table("member", "department", "role", "cost", "share", "tokens", "requests")
        for m in seen["members"]:
            name = m["name"] + ("" if m["active"] else " (disabled)")
            share = f"{m['cost_usd'] / spent:.0%}" if m["cost_usd"] else "—"
            table.add_row(
                escape(name), escape(m["department"] or "—"), m["role"], usd(m["cost_usd"]),
                share, n(m["tokens"]), n(m["requests"]),
            )  # fmt: skip
        out.print(table)
        _breakdown("department", seen["departments"])
        _breakdown("project", seen["projects"][:TOP], len(seen["projects"]))
        for b in seen["budgets"]:
            limit = f" of {usd(b['limit_usd'])}" if b["limit_usd"] is not None else ""
            used = f" ({b['percent']:.0f}%)" if b["percent"] is not None else ""
            out.print(
                f"budget [bold]{escape(b['name'])}[/] ({escape(b['scope'])}, {b['period']}): "
                f"{usd(b['spent_usd'])}{limit}{used}"
            )

    run_as_owner(database, show)


def _breakdown(kind: str, rows: list[dict[str, Any]], total: int | None = None) -> None:
    if not rows:
        return
    title = f"{kind}s" + (f" (top {len(rows)} of {total})" if total and total > len(rows) else "")
    table = Table(kind, "cost", "tokens", "requests", title=title, title_justify="left")
    for r in rows:
        name = escape(r[kind] or "(none)")
        table.add_row(name, usd(r["cost_usd"]), n(r["tokens"]), n(r["requests"]))
    out.print(table)


def member(
    name: Annotated[str, typer.Argument(help="The member's name.")],
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """One member: spend this day, week and month, machines, sources and projects."""

    def show(team: Any, owner: Any) -> None:
        seen = team.member(owner, name)
        if json_out:
            dump(seen)
            return
        user, totals = seen["user"], seen["totals"]
        out.print(
            f"[bold]{escape(user['name'])}[/] ({user['role']}, "
            f"{escape(user['department'] or 'no department')}): today "
            f"{usd(totals['today_usd'])}, week {usd(totals['week_usd'])}, "
            f"month {usd(totals['month_usd'])}"
        )
        machines = Table(
            "machine", "last event", "events (30 days)", title="machines", title_justify="left"
        )
        for m in seen["machines"]:
            when = datetime.fromtimestamp(m["last_seen_ms"] / 1000).strftime("%Y-%m-%d %H:%M")
            machines.add_row(escape(m["machine"] or "—"), when, n(m["events"]))
        out.print(machines if seen["machines"] else "Nothing pushed in the last 30 days.")
        sources = Table(
            "source", "model", "cost", "tokens", title="this month", title_justify="left"
        )
        for s in seen["sources"][:TOP]:
            sources.add_row(
                escape(s["source"]), escape(s["model"]), usd(s["cost_usd"]), n(s["tokens"])
            )
        if seen["sources"]:
            out.print(sources)
        _breakdown("project", seen["projects"][:TOP], len(seen["projects"]))

    run_as_owner(database, show)

"""``aiusage budgets``: where each budget stands; ``budgets set | list | remove``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aiusage.app import App
from aiusage.cli import options as o
from aiusage.cli.common import cli_actor, dump, out, refresh, with_app
from aiusage.cli.watch import Watch, refuse_json
from aiusage.cli.watch import watch as redraw

budgets_app = typer.Typer(
    help="Spend limits per scope and period: spent, left, pace and projection.",
    invoke_without_command=True,
)

ADD_ONE = "Add one: `aiusage budgets set monthly --limit 200 --period monthly`"
STATE_COLOUR = {"ok": "green", "warning": "yellow", "exceeded": "red"}


def register(app: typer.Typer) -> None:
    app.add_typer(budgets_app, name="budgets")


@budgets_app.callback()
def show(
    ctx: typer.Context,
    json_out: o.Json = False,
    no_refresh: o.NoRefresh = False,
    database: o.Database = None,
    watch: Watch = None,
) -> None:
    """Where every budget stands: spent, left, percent, pace and projected period spend."""
    if ctx.invoked_subcommand is not None:
        return
    refuse_json(watch, json_out)

    def body(application: App) -> None:
        if watch is not None:

            def frame(console: Console) -> None:
                refresh(application, (), True, no_refresh)
                _render(application.budgets.status(), console)

            redraw(frame, watch, out)
            return
        refresh(application, (), json_out, no_refresh)
        rows = application.budgets.status()
        if json_out:
            dump({"budgets": [application.budgets.as_json(s) for s in rows]})
            return
        _render(rows, out)

    with_app(database, body)


def _render(rows: list[Any], console: Console) -> None:
    """The budgets table (or how to add a budget)."""
    if not rows:
        console.print(f"No budgets yet. {ADD_ONE}")
        return
    table = Table(title="Budgets", title_justify="left", header_style="bold")
    table.add_column("Budget", no_wrap=True)
    table.add_column("Period", no_wrap=True)
    for column in ("Spent", "Left", "Used", "Pace", "Projected"):
        table.add_column(column, justify="right", no_wrap=column in ("Spent", "Projected"))
    for s in rows:
        b = s.budget
        colour = STATE_COLOUR[s.state]
        left = "" if s.left_usd is None else _usd(s.left_usd)
        if s.left_usd is not None and s.left_usd < 0:
            left = f"[red]over by {_usd(-s.left_usd)}[/]"
        pace = "[yellow]ahead[/]" if s.ahead else "on track"
        pace += f"\n[dim]line: {s.pace_percent:.0f}%[/]"
        projected = "" if s.projected_usd is None else _usd(s.projected_usd)
        if b.limit_usd and s.projected_usd and s.projected_usd > b.limit_usd:
            projected = f"[red]{projected}[/]"
        if s.exhausts_on is not None and s.percent < 100:
            projected += f"\n[dim]limit {s.exhausts_on:%b} {s.exhausts_on.day}[/]"
        table.add_row(
            f"{escape(b.name)}\n[dim]{escape(b.scope)}[/]",
            f"{b.period}\n[dim]{_days(s.first_day, s.last_day)}[/]",
            _spent_text(s),
            left,
            f"[{colour}]{s.percent:.0f}%[/]\n[{colour}]{_bar(s.percent)}[/]",
            pace,
            projected,
        )
    console.print(table)


@budgets_app.command("set")
def set_budget(
    name: Annotated[str, typer.Argument(help="A name, e.g. monthly or claude-weekly.")],
    limit: Annotated[float | None, typer.Option("--limit", help="Limit in USD.")] = None,
    tokens: Annotated[int | None, typer.Option("--tokens", help="Limit in tokens.")] = None,
    requests: Annotated[int | None, typer.Option("--requests", help="Limit in requests.")] = None,
    period: Annotated[
        str, typer.Option("--period", help="daily, weekly, monthly or custom.")
    ] = "monthly",
    scope: Annotated[
        str,
        typer.Option(
            "--scope",
            help="all, or provider:NAME, account:NAME, agent:NAME, source:NAME, project:NAME.",
        ),
    ] = "all",
    warn: Annotated[float, typer.Option("--warn", help="Warn at this percent.")] = 80.0,
    start: Annotated[str | None, typer.Option("--start", help="Custom period start.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Custom period end.")] = None,
    database: o.Database = None,
) -> None:
    """Add or change a budget (written to the config file)."""
    values: dict[str, Any] = {"period": period, "scope": scope, "warn": warn}
    for key, value in (
        ("limit", limit),
        ("tokens", tokens),
        ("requests", requests),
        ("start", start),
        ("end", end),
    ):
        if value is not None:
            values[key] = value

    def body(application: App) -> None:
        budget = application.budgets.set(name, values, actor=cli_actor())
        out.print(f"Budget {escape(budget.name)} set: {escape(budget.scope)}, {budget.period}.")

    with_app(database, body)


@budgets_app.command("list")
def list_budgets(json_out: o.Json = False, database: o.Database = None) -> None:
    """The budgets as declared (limits, period, scope, warning percent)."""

    def body(application: App) -> None:
        budgets = application.budgets.all()
        if json_out:
            dump({"budgets": [application.budgets.as_json(b) for b in budgets]})
            return
        if not budgets:
            out.print(f"No budgets yet. {ADD_ONE}")
        for b in budgets:
            limits = ", ".join(
                text
                for text in (
                    _usd(b.limit_usd) if b.limit_usd is not None else "",
                    f"{b.limit_tokens:,} tokens" if b.limit_tokens is not None else "",
                    f"{b.limit_requests:,} requests" if b.limit_requests is not None else "",
                )
                if text
            )
            out.print(
                f"{escape(b.name)}: {limits} {b.period}, scope {escape(b.scope)}, "
                f"warn at {b.warn_percent:g}%"
            )

    with_app(database, body)


@budgets_app.command("remove")
def remove(name: str, database: o.Database = None) -> None:
    """Remove a budget from the config file."""

    def body(application: App) -> None:
        application.budgets.remove(name, actor=cli_actor())
        out.print(f"Removed budget {escape(name)}.")

    with_app(database, body)


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _bar(percent: float, width: int = 10) -> str:
    filled = min(width, int(percent / 100 * width + 0.5))
    return "█" * filled + "░" * (width - filled)


def _spent_text(s: Any) -> str:
    """Each limited measure as 'used of limit' (dollars first)."""
    lines = []
    for key, (used, limit, _) in s.measures.items():
        if key == "usd":
            unknown = " + ?" if s.spent.unpriced else ""
            lines.append(f"{_usd(used)}{unknown}\n[dim]of {_usd(limit)}[/]")
        else:
            lines.append(f"{_count(used)}\n[dim]of {_count(limit)} {key}[/]")
    return "\n".join(lines)


def _days(first: Any, last: Any) -> str:
    """'Nov 24', 'Nov 23–29' or 'Nov 28–Dec 4'."""
    if first == last:
        return f"{first:%b} {first.day}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%b} {first.day}–{last.day}"
    return f"{first:%b} {first.day}–{last:%b} {last.day}"


def _count(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:,.1f}{suffix}"
    return f"{value:,.0f}"

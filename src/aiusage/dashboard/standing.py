"""Where the limits and budgets stand, for the dashboard: the core's pure functions fed
from the in-memory day sums instead of fresh aggregates.

Why not ``App.budgets.status()`` and ``App.limits()`` as they are: with a year of 20
sources they take ~0.8 s and ~0.35 s (a 70-day aggregate per budget for its forecast,
every event of the last 30 days for the 5-hour blocks), and a live dashboard asks after
every collection. The same inputs come from the day sums here (budgets), or from the
events of only the agents an estimate exists for (limits: Claude Code's P90 and agents
with a ``[plans]`` entry). The answers are the same; tests compare them with the CLI's.
Project-scoped budgets need per-project sums, so those go the core's way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from aiusage.analytics.budgets import (
    FORECAST_HISTORY_DAYS,
    TEAM_SCOPES,
    Budget,
    BudgetStatus,
    Spend,
    period_bounds,
    status,
    with_forecast,
)
from aiusage.analytics.limits import LimitRow
from aiusage.analytics.timezones import parse_start_of_week
from aiusage.dashboard.changes import Markers
from aiusage.dashboard.daily import DailyCells, daily_cells, day_number, day_of, memo
from aiusage.limits import limit_rows
from aiusage.store.queries import UsageFilter

if TYPE_CHECKING:
    from aiusage.app import App

DAY_MS = 86_400_000
P90_AGENTS = ("claude-code",)  # agents estimated from their own past blocks without a plan


def cached_limits(app: App, marks: Markers, now_ms: int) -> list[LimitRow]:
    return memo(
        app,
        "limits",
        # readings and records (not alerts or health), plans, and the clock
        (marks.events, marks.observations, marks.config_ns, now_ms // 30_000),
        lambda: limits(app, now_ms),
    )


def cached_budgets(app: App, marks: Markers, now_ms: int) -> list[BudgetStatus]:
    return memo(
        app,
        "budgets",
        (marks.events, marks.config_ns, now_ms // 60_000),  # records, the budgets, the clock
        lambda: budgets(app, now_ms),
    )


def limits(app: App, now_ms: int) -> list[LimitRow]:
    """``App.limits(fetch=False).rows``, reading the events of the estimated agents only."""
    agents = tuple(sorted({*P90_AGENTS, *app.plans()}))
    return limit_rows(app, now_ms, UsageFilter(since_ms=now_ms - 30 * DAY_MS, sources=agents))


def budgets(app: App, now_ms: int) -> list[BudgetStatus]:
    """``App.budgets.status()`` from the day sums (the core's way if a scope is a project
    or a team's: those need per-project or per-member sums)."""
    every = app.budgets.all()
    if any(b.scope_kind in ("project", *TEAM_SCOPES) for b in every):
        return app.budgets.status(now_ms=now_ms)
    cells = daily_cells(app, now_ms)
    zone = app.tz(None)
    today = datetime.fromtimestamp(now_ms / 1000, zone).date()
    week = parse_start_of_week(app.config.start_of_week)
    return [_status(app, cells, b, today, week) for b in every]


def _status(app: App, cells: DailyCells, budget: Budget, today: date, week: int) -> BudgetStatus:
    first, last = period_bounds(budget, today, week)
    sources = _scope(app, cells, budget)
    if sources is not None and not sources:  # a provider with no records yet
        return status(budget, Spend(), today, first, last)
    usd, tokens, requests, unpriced = 0.0, 0, 0, 0
    for per in cells.sources_between(day_number(first), day_number(last)).values():
        for source, s in per.items():
            if sources is None or source in sources:
                usd += s.cost
                tokens += s.tokens
                requests += s.requests
                unpriced += s.unpriced
    found = status(budget, Spend(usd, tokens, requests, unpriced), today, first, last)
    series: dict[date, float] = {}
    begin = min(today - timedelta(days=FORECAST_HISTORY_DAYS), first)
    for day, per in cells.sources_between(day_number(begin), day_number(today)).items():
        picked = [s.cost for source, s in per.items() if sources is None or source in sources]
        if picked:
            series[day_of(day)] = sum(picked)
    return with_forecast(found, series)


def _scope(app: App, cells: DailyCells, budget: Budget) -> set[str] | None:
    """The sources a budget counts (None: all of them)."""
    kind, value = budget.scope_kind, budget.scope_value
    if kind == "all":
        return None
    if kind == "provider":
        return {source for (source, _), p in cells.providers.items() if p == value}
    from aiusage.app import normalize_agents

    return set(normalize_agents([value]))

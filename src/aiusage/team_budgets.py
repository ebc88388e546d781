"""Budgets over a team: ``user:NAME`` (a member's quota), ``department:NAME`` and
``team`` (shared pools), spent from team_member_daily, and who hears about them.

Why team_member_daily: a pool of 1,000 members is a sum over their day rows, already per
local day in the server's zone, so a budget's period and its forecast history are one
grouped query. Alerts of a member's quota go to every channel the server has (the
admins') and, when the member has an email address and the server an email channel,
to the member too, through that channel with the member as the only recipient.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

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
from aiusage.analytics.timezones import day_number, day_number_to_date, parse_start_of_week

if TYPE_CHECKING:
    from aiusage.alerts.notifiers import NotifierConfig
    from aiusage.alerts.rules import Condition
    from aiusage.app import App

__all__ = ["TEAM_SCOPES", "member_channels", "team_status"]


def _scope_sql(budget: Budget) -> tuple[str, dict[str, Any]]:
    kind, value = budget.scope_kind, budget.scope_value
    if kind == "user":
        return "user_name = :v", {"v": value}
    if kind == "department":
        return "user_name IN (SELECT name FROM team_users WHERE department = :v)", {"v": value}
    return "user_name <> ''", {}


def team_status(app: App, budget: Budget, now_ms: int | None = None) -> BudgetStatus:
    """Where a team-scoped budget stands: spent in its period, and the forecast."""
    app.team.refresh()
    zone = app.tz(None)
    now = datetime.fromtimestamp((time.time() * 1000 if now_ms is None else now_ms) / 1000, zone)
    today = now.date()
    first, last = period_bounds(budget, today, parse_start_of_week(app.config.start_of_week))
    history = min(today - timedelta(days=FORECAST_HISTORY_DAYS), first)
    where, params = _scope_sql(budget)
    rows = app.store.db.query(
        "SELECT day, SUM(cost_usd), SUM(tokens), SUM(requests) FROM team_member_daily "
        f"WHERE day >= :a AND day <= :b AND {where} GROUP BY day",
        {**params, "a": day_number(history), "b": day_number(max(last, today))},
    )
    app.store.db.commit()
    usd, tokens, requests = 0.0, 0, 0
    series: dict[date, float] = {}
    for day, cost, toks, reqs in rows:
        on = day_number_to_date(int(day))
        if on <= today:
            series[on] = float(cost or 0)
        if first <= on <= last:
            usd += float(cost or 0)
            tokens += int(toks or 0)
            requests += int(reqs or 0)
    found = status(budget, Spend(usd, tokens, requests), today, first, last)
    return with_forecast(found, series)


def member_channels(app: App, condition: Condition) -> dict[str, NotifierConfig]:
    """The extra channel for a member's own quota alert: the server's first enabled email
    channel, addressed to the member only (none when either is missing)."""
    if condition.rule not in ("budget", "forecast"):
        return {}
    budget = app.config.budgets.get(condition.key.partition(":")[2])
    if budget is None or budget.scope_kind != "user":
        return {}
    email = app.store.db.scalar(
        "SELECT email FROM team_users WHERE name = :n AND disabled_ms IS NULL",
        {"n": budget.scope_value},
    )
    app.store.db.commit()
    channel = next(
        (c for c in app.config.notifiers.values() if c.kind == "email" and c.enabled), None
    )
    if not email or channel is None:
        return {}
    name = f"{channel.name}:{budget.scope_value}"
    return {name: replace(channel, name=name, options={**channel.options, "to": str(email)})}

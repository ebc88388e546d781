"""Budgets: a limit on spend (and optionally tokens or requests) per scope and period.

Why pure: the budget page, ``aiusage budgets``, the alert rules and the forecasts all ask
the same questions — where does this period start and end, how much is spent, is that
ahead of a straight line to the limit, where will it end — so they are answered once,
here, from plain numbers the facade reads from the store.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from aiusage.analytics.timezones import week_start as week_start_of
from aiusage.errors import ConfigError

PERIODS = ("daily", "weekly", "monthly", "custom")
#: on a team server: a member's quota, a department's pool, everyone pushed (team_budgets)
TEAM_SCOPES = ("user", "department", "team")
SCOPES = ("all", "provider", "account", "agent", "source", "project", *TEAM_SCOPES)
BARE_SCOPES = ("all", "team")  # scopes without a NAME
DEFAULT_WARN = 80.0
#: Days of spend a budget's projection looks back on (weekday seasonality wants >= 21).
FORECAST_HISTORY_DAYS = 70


@dataclass(frozen=True, slots=True)
class Budget:
    """One budget as the config file declares it. ``scope`` is 'all' or 'kind:value'
    ('provider:anthropic', 'account:openai-work', 'agent:claude-code', 'project:shop')."""

    name: str
    limit_usd: float | None = None
    limit_tokens: int | None = None
    limit_requests: int | None = None
    period: str = "monthly"
    scope: str = "all"
    warn_percent: float = DEFAULT_WARN
    start: date | None = None  # custom periods
    end: date | None = None  # custom periods, inclusive

    @property
    def scope_kind(self) -> str:
        return self.scope.split(":", 1)[0]

    @property
    def scope_value(self) -> str:
        return self.scope.split(":", 1)[1] if ":" in self.scope else ""


@dataclass(frozen=True, slots=True)
class Spend:
    """What the scope used in the period so far."""

    usd: float = 0.0
    tokens: int = 0
    requests: int = 0
    unpriced: int = 0  # requests whose cost is unknown (the USD figure is a floor)


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    budget: Budget
    first_day: date
    last_day: date  # inclusive
    today: date
    spent: Spend
    #: per measure ('usd', 'tokens', 'requests'): (used, limit, percent)
    measures: dict[str, tuple[float, float, float]]
    percent: float  # the highest of the measures: what the budget's state follows
    pace_percent: float  # where a straight line to the limit would be today
    projected_usd: float | None  # expected end-of-period spend
    state: str  # 'ok', 'warning', 'exceeded'
    projected_low: float | None = None  # the forecast's interval, when there is one
    projected_high: float | None = None
    method: str = "run rate"  # how projected_usd was made
    exhausts_on: date | None = None  # the day the USD limit is expected to be reached

    @property
    def left_usd(self) -> float | None:
        if self.budget.limit_usd is None:
            return None
        return self.budget.limit_usd - self.spent.usd

    @property
    def ahead(self) -> bool:
        """Spending faster than a straight line to the limit."""
        return self.percent > self.pace_percent


def period_bounds(budget: Budget, today: date, week_start: int = 0) -> tuple[date, date]:
    """The first and last day (inclusive) of the budget's period containing ``today``;
    ``week_start`` is 0 for Monday … 6 for Sunday."""
    if budget.period == "daily":
        return today, today
    if budget.period == "weekly":
        first = week_start_of(today, week_start)
        return first, first + timedelta(days=6)
    if budget.period == "monthly":
        last = calendar.monthrange(today.year, today.month)[1]
        return today.replace(day=1), today.replace(day=last)
    if budget.start is None or budget.end is None:
        raise ConfigError(f"budget {budget.name}: a custom period needs start and end")
    return budget.start, budget.end


def status(budget: Budget, spent: Spend, today: date, first: date, last: date) -> BudgetStatus:
    """Spent, percentages, pace and projection of one budget on ``today``."""
    measures: dict[str, tuple[float, float, float]] = {}
    for key, used, limit in (
        ("usd", spent.usd, budget.limit_usd),
        ("tokens", float(spent.tokens), budget.limit_tokens),
        ("requests", float(spent.requests), budget.limit_requests),
    ):
        if limit is not None:
            percent = used / limit * 100 if limit > 0 else (math.inf if used > 0 else 0.0)
            measures[key] = (used, float(limit), percent)
    percent = max((m[2] for m in measures.values()), default=0.0)
    days = (last - first).days + 1
    elapsed = min(max((today - first).days + 1, 0), days)  # today counts as begun
    pace = elapsed / days * 100 if days > 0 else 100.0
    projected = spent.usd / elapsed * days if elapsed > 0 else None
    if today > last:
        projected = spent.usd
    state = "exceeded" if percent >= 100 else "warning" if percent >= budget.warn_percent else "ok"
    return BudgetStatus(
        budget=budget,
        first_day=first,
        last_day=last,
        today=today,
        spent=spent,
        measures=measures,
        percent=percent,
        pace_percent=pace,
        projected_usd=projected,
        state=state,
    )


def with_forecast(found: BudgetStatus, series: Mapping[date, float]) -> BudgetStatus:
    """The status with its projection from the scope's daily spend (weekday seasonality,
    trend, an interval) and the day the USD limit would be reached; unchanged when the
    history is too short or the period is over (the run rate stands)."""
    from aiusage.analytics.forecast import forecast_exhaustion, forecast_period

    forecast = forecast_period(series, found.first_day, found.last_day, found.today)
    if forecast.expected is None or found.today > found.last_day:
        return found
    limit = found.budget.limit_usd
    return replace(
        found,
        projected_usd=max(forecast.expected, found.spent.usd),
        projected_low=forecast.low,
        projected_high=forecast.high,
        method=forecast.method,
        exhausts_on=None if limit is None else forecast_exhaustion(forecast, limit),
    )


def parse_budget(name: str, raw: object, where: str) -> Budget:
    """One ``[budgets.NAME]`` table (or the CLI's values) checked into a Budget."""
    hint = 'e.g. [budgets.team] then limit = 200, period = "monthly", scope = "provider:openai"'
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: budget {name} must be a table", hint=hint)
    known = {"limit", "tokens", "requests", "period", "scope", "warn", "start", "end"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(
            f"{where}: budget {name} has unknown keys: {', '.join(sorted(unknown))}", hint=hint
        )
    limit = _number(raw.get("limit"), name, "limit", where)
    tokens = _number(raw.get("tokens"), name, "tokens", where)
    requests = _number(raw.get("requests"), name, "requests", where)
    if limit is None and tokens is None and requests is None:
        raise ConfigError(
            f"{where}: budget {name} needs a limit (USD), tokens or requests", hint=hint
        )
    period = str(raw.get("period", "monthly")).lower()
    if period not in PERIODS:
        raise ConfigError(
            f"{where}: budget {name}: period {period!r} is not one of {', '.join(PERIODS)}",
            hint="custom periods also need start and end (YYYY-MM-DD)",
        )
    scope = str(raw.get("scope", "all"))
    kind = scope.split(":", 1)[0]
    if kind not in SCOPES or (kind not in BARE_SCOPES and not scope.partition(":")[2]):
        raise ConfigError(
            f"{where}: budget {name}: scope {scope!r} is not 'all', 'team' or KIND:NAME",
            hint="KIND is provider, account, agent, source, project, or on a team server "
            "user or department, e.g. agent:claude-code",
        )
    warn = _number(raw.get("warn", DEFAULT_WARN), name, "warn", where)
    start, end = _day(raw.get("start"), name, where), _day(raw.get("end"), name, where)
    if period == "custom" and (start is None or end is None or end < start):
        raise ConfigError(
            f"{where}: budget {name}: a custom period needs start <= end (YYYY-MM-DD)"
        )
    return Budget(
        name=name,
        limit_usd=limit,
        limit_tokens=None if tokens is None else int(tokens),
        limit_requests=None if requests is None else int(requests),
        period=period,
        scope=scope,
        warn_percent=DEFAULT_WARN if warn is None else warn,
        start=start,
        end=end,
    )


def budget_table(budget: Budget) -> dict[str, object]:
    """A Budget as its ``[budgets.NAME]`` table (for writing the config file)."""
    table: dict[str, object] = {"period": budget.period, "scope": budget.scope}
    for key, value in (
        ("limit", budget.limit_usd),
        ("tokens", budget.limit_tokens),
        ("requests", budget.limit_requests),
        ("start", budget.start),
        ("end", budget.end),
    ):
        if value is not None:
            table[key] = value
    if budget.warn_percent != DEFAULT_WARN:
        table["warn"] = budget.warn_percent
    return table


def _number(value: object, name: str, key: str, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{where}: budget {name}: {key} must be a number")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise ConfigError(f"{where}: budget {name}: {key} = {value!r} is not a number >= 0")
    return number


def _day(value: object, name: str, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: budget {name}: {value!r} is not a date (YYYY-MM-DD)") from None

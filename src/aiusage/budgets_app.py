"""The facade's budgets side: declare, list and remove budgets, and where each one stands.

Reached as ``App.budgets``. Budgets live in the config file (``[budgets.NAME]``), like
accounts, so they can be written by hand, kept in dotfiles and reviewed; what they have
spent is always computed from the store, never kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from aiusage.accounts import NAME, read_toml, write_toml
from aiusage.analytics.budgets import (
    FORECAST_HISTORY_DAYS,
    TEAM_SCOPES,
    Budget,
    BudgetStatus,
    Spend,
    budget_table,
    parse_budget,
    period_bounds,
    status,
    with_forecast,
)
from aiusage.analytics.timezones import local_midnight_ms, parse_start_of_week
from aiusage.errors import ConfigError
from aiusage.records import CostMode
from aiusage.store.queries import AggRow, UsageFilter, aggregate

if TYPE_CHECKING:
    from aiusage.app import App


@dataclass(frozen=True, slots=True)
class Scope:
    """What a budget's scope selects in the store."""

    sources: tuple[str, ...] = ()
    project: str | None = None
    empty: bool = False  # a provider with no records yet: nothing can be spent


class BudgetsApi:
    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def _path(self) -> Path:
        from aiusage.paths import config_file

        return self.app.config.path or config_file()

    def all(self) -> list[Budget]:
        return sorted(self.app.config.budgets.values(), key=lambda b: b.name)

    def set(self, name: str, values: dict[str, object], actor: str = "owner") -> Budget:
        """Add or replace a budget in the config file (checked before it is written);
        ``actor`` is who the audit log names."""
        if not NAME.match(name):
            raise ConfigError(
                f"budget name {name!r} is not allowed", hint="use a-z, 0-9, '.', '_' and '-'"
            )
        budget = parse_budget(name, values, "budgets set")
        doc = read_toml(self._path)
        doc.setdefault("budgets", {})[name] = budget_table(budget)
        write_toml(self._path, doc)
        self.app.config.budgets[name] = budget
        self._audit(actor, "budget.set", name, budget_table(budget))
        return budget

    def remove(self, name: str, actor: str = "owner") -> None:
        doc = read_toml(self._path)
        if name not in doc.get("budgets", {}):
            raise ConfigError(f"no budget named {name!r}", hint="`aiusage budgets list` shows them")
        del doc["budgets"][name]
        write_toml(self._path, doc)
        self.app.config.budgets.pop(name, None)
        self._audit(actor, "budget.remove", name, {})

    def _audit(self, actor: str, action: str, name: str, detail: dict[str, object]) -> None:
        """A team server's audit log records every budget change (in any store: cheap)."""
        from aiusage.store.team import audit

        db = self.app.store.db
        with db.transaction():
            audit(db, actor, action, name, detail)

    def status(self, now_ms: int | None = None, tz_name: str | None = None) -> list[BudgetStatus]:
        """Where every budget stands now: spent, left, pace, projection."""
        self.app.store.refresh_rollup()
        tz = self.app.tz(tz_name)
        now = datetime.now(tz) if now_ms is None else datetime.fromtimestamp(now_ms / 1000, tz)
        week = parse_start_of_week(self.app.config.start_of_week)
        mode = CostMode((self.app.config.cost_mode or "auto").lower())
        out = []
        for budget in self.all():
            if budget.scope_kind in TEAM_SCOPES:  # a team server's pools and quotas
                from aiusage.team_budgets import team_status

                out.append(team_status(self.app, budget, now_ms))
                continue
            first, last = period_bounds(budget, now.date(), week)
            scope = self.scope(budget)
            spent = Spend()
            if not scope.empty:
                flt = UsageFilter(
                    since_ms=local_midnight_ms(first, tz),
                    until_ms=local_midnight_ms(last + timedelta(days=1), tz),  # DST-safe
                    sources=scope.sources,
                    project=scope.project,
                )
                spent = _spend(aggregate(self.app.store.db, flt, mode, by_day=False))
            found = status(budget, spent, now.date(), first, last)
            out.append(found if scope.empty else self._forecast(found, scope, tz))
        return out

    def _forecast(self, found: BudgetStatus, scope: Scope, tz: tzinfo) -> BudgetStatus:
        """The projection from the scope's daily history (weekday seasonality, trend), and
        the day the USD limit would be reached; the run rate when history is too short."""
        today = found.today
        history = today - timedelta(days=FORECAST_HISTORY_DAYS)
        per_source = self.app.insights.daily_spend(
            scope.sources, scope.project, min(history, found.first_day), today, tz, None
        )
        series: dict[date, float] = {}
        for days in per_source.values():
            for day, usd in days.items():
                series[day] = series.get(day, 0.0) + usd
        return with_forecast(found, series)

    @staticmethod
    def as_json(item: Budget | BudgetStatus) -> dict[str, object]:
        """A budget (or where it stands) as ``aiusage budgets --json`` and the web API
        show it: one shape for both."""
        from aiusage.dashboard.shapes import budget_json, budget_status_json

        return budget_status_json(item) if isinstance(item, BudgetStatus) else budget_json(item)

    def scope(self, budget: Budget) -> Scope:
        """The store filter for a budget's scope (a provider: the sources it has records in)."""
        kind, value = budget.scope_kind, budget.scope_value
        if kind == "all":
            return Scope()
        if kind == "project":
            return Scope(project=value)
        if kind == "provider":
            rows = self.app.store.db.query(
                "SELECT DISTINCT source FROM usage_events WHERE provider = :p", {"p": value}
            )
            self.app.store.db.commit()
            sources = tuple(sorted(str(r[0]) for r in rows))
            return Scope(sources=sources, empty=not sources)
        from aiusage.app import normalize_agents

        return Scope(sources=normalize_agents([value]))


def _spend(rows: list[AggRow]) -> Spend:
    """Sum of the scope's rows: dollars, all tokens, requests, unpriced requests."""
    return Spend(
        usd=sum(r.cost_usd for r in rows),
        tokens=sum(
            r.input_tokens
            + r.output_tokens
            + r.cache_read_tokens
            + r.cache_write_5m_tokens
            + r.cache_write_1h_tokens
            for r in rows
        ),
        requests=sum(r.requests for r in rows),
        unpriced=sum(r.unpriced for r in rows),
    )

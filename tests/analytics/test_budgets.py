"""Budgets as pure functions: periods, pace, projection, state, and config checking."""

from __future__ import annotations

from datetime import date

import pytest

from aiusage.analytics.budgets import (
    Budget,
    Spend,
    budget_table,
    parse_budget,
    period_bounds,
    status,
)
from aiusage.errors import ConfigError

WED = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("period", "week_start", "bounds"),
    [
        ("daily", 0, (WED, WED)),
        ("weekly", 0, (date(2026, 11, 23), date(2026, 11, 29))),  # Monday weeks
        ("weekly", 6, (date(2026, 11, 22), date(2026, 11, 28))),  # Sunday weeks
        ("monthly", 0, (date(2026, 11, 1), date(2026, 11, 30))),
    ],
)
def test_period_bounds(period: str, week_start: int, bounds: tuple[date, date]) -> None:
    assert period_bounds(Budget("b", 10, period=period), WED, week_start) == bounds


def test_february_and_custom_periods() -> None:
    assert period_bounds(Budget("b", 1), date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
    custom = Budget("b", 1, period="custom", start=date(2026, 11, 10), end=date(2026, 12, 9))
    assert period_bounds(custom, WED) == (date(2026, 11, 10), date(2026, 12, 9))


def test_pace_projection_and_state() -> None:
    budget = Budget("m", limit_usd=300.0)
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    s = status(budget, Spend(usd=150.0), WED, first, last)
    assert s.percent == 50.0 and s.state == "ok" and s.left_usd == 150.0
    assert s.pace_percent == pytest.approx(25 / 30 * 100)  # 25 days of 30 begun
    assert not s.ahead  # 50% spent with 83% of the month gone
    assert s.projected_usd == pytest.approx(150.0 / 25 * 30)
    warn = status(budget, Spend(usd=260.0), WED, first, last)
    assert warn.state == "warning" and warn.ahead
    over = status(budget, Spend(usd=301.0), WED, first, last)
    assert over.state == "exceeded" and over.left_usd == pytest.approx(-1.0)
    ended = status(budget, Spend(usd=100.0), date(2026, 12, 3), first, last)
    assert ended.projected_usd == 100.0 and ended.pace_percent == 100.0


def test_the_fullest_measure_sets_the_state() -> None:
    budget = Budget("t", limit_usd=100.0, limit_tokens=1_000_000, warn_percent=50)
    s = status(budget, Spend(usd=10.0, tokens=600_000), WED, WED, WED)
    assert s.measures["usd"] == (10.0, 100.0, 10.0)
    assert s.measures["tokens"] == (600_000.0, 1_000_000.0, 60.0)
    assert s.percent == 60.0 and s.state == "warning"
    zero = status(Budget("z", limit_usd=0.0), Spend(usd=0.01), WED, WED, WED)
    assert zero.state == "exceeded"


def test_parse_round_trips_and_refuses_with_hints() -> None:
    raw = {"limit": 200, "period": "weekly", "scope": "provider:openai", "warn": 70}
    budget = parse_budget("team", raw, "config.toml")
    assert (budget.limit_usd, budget.period, budget.scope_kind, budget.scope_value) == (
        200.0,
        "weekly",
        "provider",
        "openai",
    )
    assert parse_budget("team", budget_table(budget), "x") == budget
    bad = [
        ({"period": "monthly"}, "needs a limit"),
        ({"limit": -1}, "not a number >= 0"),
        ({"limit": "lots"}, "not a number >= 0"),
        ({"limit": 1, "period": "yearly"}, "is not one of"),
        ({"limit": 1, "scope": "galaxy:far"}, "KIND:NAME"),
        ({"limit": 1, "scope": "agent:"}, "KIND:NAME"),
        ({"limit": 1, "period": "custom", "start": "2026-12-01"}, "start <= end"),
        ({"limit": 1, "colour": "red"}, "unknown keys: colour"),
    ]
    for values, message in bad:
        with pytest.raises(ConfigError, match=message):
            parse_budget("b", values, "config.toml")

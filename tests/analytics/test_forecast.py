"""Forecasts on known series: lines are forecast exactly, a weekly rhythm is picked up,
intervals hold the truth at about their stated rate on seeded noise, and too little
history says so. Exhaustion of budgets and windows."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from aiusage.analytics.forecast import (
    ACTUAL,
    LINEAR,
    NONE,
    SEASONAL,
    exhaustion_day,
    forecast_exhaustion,
    forecast_period,
    window_exhaustion,
)
from aiusage.analytics.limits import Reading, official_rows

TODAY = date(2026, 3, 12)  # a Thursday
MONTH = (date(2026, 3, 1), date(2026, 3, 31))
HOUR = 3_600_000
T0 = 1_794_000_000_000 - 1_794_000_000_000 % HOUR


def days_back(values: list[float], today: date = TODAY) -> dict[date, float]:
    """``values`` for the days ending yesterday (oldest first)."""
    return {today - timedelta(days=len(values) - i): v for i, v in enumerate(values)}


@pytest.mark.parametrize(("days", "method"), [(10, LINEAR), (40, SEASONAL)])
def test_a_linear_series_is_forecast_exactly(days: int, method: str) -> None:
    line = [2.0 + 0.5 * t for t in range(days + 1 + 19)]  # history, today, rest of March
    series = days_back(line[:days])
    series[TODAY] = line[days] / 3  # a third of today so far
    fc = forecast_period(series, *MONTH, TODAY)
    march = max(days - 11, 0)  # March 1, or the first day of history if later
    truth = sum(line[march : days + 20])
    assert fc.method == method and fc.history_days == days
    assert fc.expected == pytest.approx(truth, abs=1e-6)
    assert fc.low == pytest.approx(truth, abs=1e-6)
    assert fc.high == pytest.approx(truth, abs=1e-6)
    assert fc.spent == pytest.approx(sum(line[march:days]) + line[days] / 3)
    assert len(fc.daily) == 20 and fc.daily[0] == pytest.approx(line[days] * 2 / 3)


def test_a_weekly_pattern_is_picked_up() -> None:
    rng = random.Random(7)
    pattern = [10.0, 10.0, 10.0, 10.0, 10.0, 2.0, 2.0]  # Monday … Sunday
    start = TODAY - timedelta(days=56)
    series = {
        start + timedelta(days=i): pattern[(start + timedelta(days=i)).weekday()]
        + rng.gauss(0, 0.3)
        for i in range(56)
    }
    monday = TODAY + timedelta(days=(7 - TODAY.weekday()) % 7)
    fc = forecast_period(series, monday, monday + timedelta(days=6), TODAY)
    assert fc.method == SEASONAL
    assert fc.expected == pytest.approx(54.0, rel=0.05)
    week = fc.daily[(monday - TODAY).days :]
    assert all(v == pytest.approx(10.0, abs=1.0) for v in week[:5])
    assert all(v == pytest.approx(2.0, abs=1.0) for v in week[5:])
    # a straight line cannot see it: the same history cut to 20 days forecasts a flat week
    short = {d: v for d, v in series.items() if d >= TODAY - timedelta(days=20)}
    flat = forecast_period(short, monday, monday + timedelta(days=6), TODAY)
    assert flat.method == LINEAR
    assert max(flat.daily) - min(v for v in flat.daily if v) < 3.0


@pytest.mark.parametrize("days", [0, 1, 2])
def test_too_little_history_cannot_forecast(days: int) -> None:
    series = days_back([4.0] * days)
    series[TODAY] = 1.0
    fc = forecast_period(series, *MONTH, TODAY)
    assert (fc.method, fc.expected, fc.low, fc.high) == (NONE, None, None, None)
    assert fc.note == f"not enough history: {days} days; forecasts need 3"
    assert fc.spent == pytest.approx(4.0 * min(days, 11) + 1.0)
    assert forecast_exhaustion(fc, 1.0) == TODAY  # already reached: known without a model
    assert forecast_exhaustion(fc, 100.0) is None


def test_days_before_the_first_spend_are_not_history() -> None:
    series = days_back([0.0] * 30 + [3.0, 3.0, 3.0])
    fc = forecast_period(series, *MONTH, TODAY)
    assert (fc.method, fc.history_days) == (LINEAR, 3)
    assert fc.expected == pytest.approx(9.0 + 3.0 * 20)  # 3 days spent, 3 a day to come


def test_a_period_that_is_over_is_its_actual_total() -> None:
    series = days_back([1.0] * 60)
    fc = forecast_period(series, date(2026, 2, 1), date(2026, 2, 28), TODAY)
    assert (fc.method, fc.expected, fc.low, fc.high) == (ACTUAL, 28.0, 28.0, 28.0)


def test_a_future_period_counts_only_its_own_days() -> None:
    series = days_back([5.0] * 30)
    fc = forecast_period(series, date(2026, 4, 1), date(2026, 4, 30), TODAY)
    assert fc.spent == 0.0
    assert fc.expected == pytest.approx(150.0)
    assert fc.daily[: (date(2026, 4, 1) - TODAY).days] == (0.0,) * 20


def test_a_falling_series_never_forecasts_negative_days() -> None:
    series = days_back([max(20.0 - 1.5 * t, 0.0) for t in range(12)])
    fc = forecast_period(series, *MONTH, TODAY)
    assert all(v >= 0 for v in fc.daily)
    assert fc.low is not None and fc.expected is not None
    assert fc.low >= fc.spent and fc.expected >= fc.spent


def _coverage(history: int, runs: int, seed: int) -> float:
    """How often the 90% interval held the true month total on Gaussian noise with a
    weekly rhythm."""
    held = 0
    for run in range(runs):
        rng = random.Random(seed + run)
        first = TODAY - timedelta(days=history)
        truth: dict[date, float] = {}
        for i in range(history + 20):
            day = first + timedelta(days=i)
            base = 12.0 if day.weekday() < 5 else 5.0
            truth[day] = max(rng.gauss(base if history >= 21 else 10.0, 2.0), 0.0)
        series = {d: v for d, v in truth.items() if d < TODAY}
        series[TODAY] = truth[TODAY] / 2
        fc = forecast_period(series, *MONTH, TODAY)
        actual = sum(v for d, v in truth.items() if MONTH[0] <= d <= MONTH[1])
        assert fc.low is not None and fc.high is not None
        held += fc.low <= actual <= fc.high
    return held / runs


@pytest.mark.parametrize(("history", "seed"), [(10, 100), (63, 200)])
def test_intervals_hold_the_truth_at_a_sane_rate(history: int, seed: int) -> None:
    rate = _coverage(history, 150, seed)
    assert 0.8 <= rate <= 0.995, rate  # nominal 90%


def test_exhaustion_day() -> None:
    first = date(2026, 3, 12)
    assert exhaustion_day(50.0, [10.0, 10.0, 10.0], 75.0, first) == date(2026, 3, 14)
    assert exhaustion_day(50.0, [10.0, 10.0], 70.0, first) == date(2026, 3, 13)
    assert exhaustion_day(50.0, [10.0, 10.0], 71.0, first) is None
    assert exhaustion_day(80.0, [1.0], 75.0, first) == first
    fc = forecast_period(days_back([4.0] * 30), *MONTH, TODAY)
    assert fc.expected == pytest.approx(124.0)
    assert forecast_exhaustion(fc, 100.0) == date(2026, 3, 25)  # 44 + 4 a day from the 12th
    assert forecast_exhaustion(fc, 200.0) is None


def test_window_exhaustion_is_the_limits_answer() -> None:
    resets = T0 + 5 * HOUR
    burn = window_exhaustion(20.0, resets, [(T0, 10.0)], T0 + 30 * 60_000)
    assert burn.burn_rate == 20.0
    assert burn.exhausts_at_ms == T0 + 30 * 60_000 + 4 * HOUR
    readings = [Reading("a", "5h", T0, 10.0, resets, "x")]
    readings.append(Reading("a", "5h", T0 + 30 * 60_000, 20.0, resets, "x"))
    (row,) = official_rows(readings, T0 + 30 * 60_000)
    assert (burn.burn_rate, burn.exhausts_at_ms) == (row.burn_rate, row.exhausts_at_ms)
    # resets first; no readings yet; already full
    assert window_exhaustion(12.0, T0 + HOUR, [(T0, 10.0)], T0 + 31 * 60_000).exhausts_at_ms is None
    assert window_exhaustion(30.0, resets, [], T0).burn_rate is None
    assert window_exhaustion(100.0, resets, [], T0).exhausts_at_ms == T0

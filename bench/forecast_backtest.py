#!/usr/bin/env python3
"""Backtest the month-end spend forecast on synthetic daily histories.

Usage: ``python bench/forecast_backtest.py [--seeds 8] [--months 4]``

Each shape is a daily spend history built from a level, a trend, a weekly pattern
(weekends lighter), noise and spikes, for several seeds. Rolling origin: for each of the
last ``--months`` months and each forecast day in ``POINTS``, the forecast sees only the
days before (and half of the forecast day, as a partial today) and predicts the month's
total. Printed per shape and overall: MAPE of ``aiusage.analytics.forecast`` next to the
naive run rate (month-to-date / days elapsed x days in month), and how often the 90%
interval held the true total.
"""

from __future__ import annotations

import argparse
import calendar
import math
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from aiusage.analytics.forecast import forecast_period

POINTS = (3, 8, 15, 22, 28)  # days of the month the forecast is made on
START = date(2025, 6, 2)  # a Monday; histories run ~7 months from here
END = date(2026, 1, 31)
WEEKLY = (1.15, 1.2, 1.2, 1.15, 1.05, 0.6, 0.5)  # Monday … Sunday, mean ≈ 0.98

Shape = Callable[[random.Random, int, date], float]


def flat(rng: random.Random, t: int, d: date) -> float:
    return max(rng.gauss(12.0, 2.5), 0.0)


def trend(rng: random.Random, t: int, d: date) -> float:
    return max(rng.gauss(4.0 + 0.08 * t, 2.0), 0.0)


def weekly(rng: random.Random, t: int, d: date) -> float:
    return max(rng.gauss(14.0 * WEEKLY[d.weekday()], 1.8), 0.0)


def trend_weekly_spikes(rng: random.Random, t: int, d: date) -> float:
    base = (6.0 + 0.06 * t) * WEEKLY[d.weekday()]
    value = base + rng.gauss(0.0, 0.15 * base)
    if rng.random() < 0.04:  # an agent left running overnight
        value *= rng.uniform(3.0, 8.0)
    return max(value, 0.0)


def bursty(rng: random.Random, t: int, d: date) -> float:
    """Lognormal days, some idle: a heavy-tailed solo user."""
    if rng.random() < (0.5 if d.weekday() >= 5 else 0.12):
        return 0.0
    return rng.lognormvariate(math.log(9.0), 0.6)


def step(rng: random.Random, t: int, d: date) -> float:
    """A new plan or team member: spend doubles part-way through the history."""
    level = 8.0 if d < date(2025, 10, 20) else 16.0
    return max(rng.gauss(level * WEEKLY[d.weekday()], 2.0), 0.0)


SHAPES: dict[str, Shape] = {
    "flat": flat,
    "trend": trend,
    "weekly": weekly,
    "trend+weekly+spikes": trend_weekly_spikes,
    "bursty": bursty,
    "step": step,
}


@dataclass
class Score:
    ours: list[float] = field(default_factory=list)
    naive: list[float] = field(default_factory=list)
    held: int = 0

    def add(self, other: Score) -> None:
        self.ours += other.ours
        self.naive += other.naive
        self.held += other.held


def history(shape: Shape, seed: int) -> dict[date, float]:
    rng = random.Random(seed)
    days = (END - START).days + 1
    return {
        START + timedelta(days=t): shape(rng, t, START + timedelta(days=t)) for t in range(days)
    }


def backtest(series: dict[date, float], months: int, lead: int | None = None) -> Score:
    """``lead``: the history starts this many days before each month (a new user)."""
    score = Score()
    month_starts = sorted({d.replace(day=1) for d in series})[-months:]
    for first in month_starts:
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        actual = sum(v for d, v in series.items() if first <= d <= last)
        for day in POINTS:
            today = first.replace(day=day)
            origin = first - timedelta(days=lead) if lead is not None else START
            seen = {d: v for d, v in series.items() if origin <= d < today}
            seen[today] = series[today] / 2  # a partial day
            fc = forecast_period(seen, first, last, today)
            assert fc.expected is not None and fc.low is not None and fc.high is not None
            elapsed = (today - first).days
            mtd = sum(v for d, v in seen.items() if first <= d < today)
            naive = mtd / elapsed * last.day
            score.ours.append(abs(fc.expected - actual) / actual)
            score.naive.append(abs(naive - actual) / actual)
            score.held += fc.low <= actual <= fc.high
    return score


def pct(values: list[float]) -> str:
    return f"{100 * sum(values) / len(values):6.1f}%"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--months", type=int, default=4)
    args = parser.parse_args()
    total = run(args.seeds, args.months, None)
    print()
    print("New users: history starts 7 days before the month (linear fit until day 15)")
    run(args.seeds, args.months, 7)
    return 0 if total.ours else 1


def run(seeds: int, months: int, lead: int | None) -> Score:
    total = Score()
    print(f"{'shape':22} {'forecast MAPE':>14} {'naive MAPE':>11} {'90% interval held':>18}")
    for name, shape in SHAPES.items():
        score = Score()
        for seed in range(seeds):
            score.add(backtest(history(shape, seed), months, lead))
        total.add(score)
        held = f"{100 * score.held / len(score.ours):5.1f}%"
        print(f"{name:22} {pct(score.ours):>14} {pct(score.naive):>11} {held:>18}")
    held = f"{100 * total.held / len(total.ours):5.1f}%"
    print(f"{'overall':22} {pct(total.ours):>14} {pct(total.naive):>11} {held:>18}")
    print(f"({len(total.ours)} forecasts: {len(SHAPES)} shapes x {seeds} seeds x ", end="")
    print(f"{months} months x days {', '.join(map(str, POINTS))} of the month)")
    for day in POINTS:
        idx = [i for i in range(len(total.ours)) if i % len(POINTS) == POINTS.index(day)]
        ours = [total.ours[i] for i in idx]
        naive = [total.naive[i] for i in idx]
        print(f"  forecast made on day {day:2}: MAPE {pct(ours)}  naive {pct(naive)}")
    return total


if __name__ == "__main__":
    raise SystemExit(main())

"""Spike detection on known series, and its false-positive rate on pure noise.

The bounds below are what the default sensitivity (3.5) must stay under, per judged
point, measured over many seeded runs:

* Gaussian daily spend (mean $20, sd $3): below 0.2% of days;
* Poisson daily spend (whole dollars, mean 3): below 1.5% of days;
* realistic hourly spend (idle nights and weekends, lognormal busy hours): below 1% of
  hours (about one hour in two weeks).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from aiusage.analytics.anomalies import (
    DAILY,
    DEFAULT_SENSITIVITY,
    HOURLY,
    Settings,
    detect_spikes,
    robust_baseline,
)


def noise(seed: int, n: int, draw: Callable[[random.Random], float]) -> list[float]:
    rng = random.Random(seed)
    return [draw(rng) for _ in range(n)]


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method (random has no Poisson)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


def working_hours(seed: int, days: int) -> list[float]:
    """Spend per hour: weekdays 9-18 mostly busy (lognormal around $1.50), else idle."""
    rng = random.Random(seed)
    out = []
    for h in range(days * 24):
        busy = (h // 24) % 7 < 5 and 9 <= h % 24 < 18 and rng.random() < 0.8
        out.append(rng.lognormvariate(math.log(1.5), 0.5) if busy else 0.0)
    return out


def test_known_spikes_are_found_and_nothing_else() -> None:
    values = noise(3, 90, lambda r: r.gauss(10.0, 1.0))
    values[30] += 15.0
    values[61] *= 4
    values[62] *= 3  # two days running: the median does not move
    found = detect_spikes(values)
    assert [a.index for a in found] == [30, 61, 62]
    first = found[0]
    assert first.value == values[30]
    assert first.baseline == pytest.approx(10.0, abs=0.7)
    assert first.score > 10 and first.scale == pytest.approx(1.0, abs=0.5)


def test_an_earlier_spike_does_not_hide_the_next() -> None:
    values = noise(5, 60, lambda r: r.gauss(10.0, 1.0))
    values[30] = 500.0
    values[35] = 25.0
    assert [a.index for a in detect_spikes(values)] == [30, 35]


def test_dips_are_not_spikes() -> None:
    values = noise(9, 60, lambda r: r.gauss(10.0, 1.0))
    values[40] = 0.0
    assert detect_spikes(values) == []


def test_flat_zero_series() -> None:
    assert detect_spikes([0.0] * 60) == []
    assert detect_spikes([0.0] * 60, HOURLY) == []
    cents = [0.0] * 30 + [0.05] + [0.0] * 10
    assert detect_spikes(cents) == []  # five cents is not a spike, whatever its score
    jump = [0.0] * 30 + [50.0]
    (spike,) = detect_spikes(jump)
    assert (spike.index, spike.baseline) == (30, 0.0)
    assert math.isfinite(spike.score)


def test_small_dollar_series_never_spike() -> None:
    values = noise(11, 60, lambda r: abs(r.gauss(0.01, 0.002)))
    values[40] = 0.05  # five times the usual, four cents
    assert detect_spikes(values) == []
    assert [a.index for a in detect_spikes(values, Settings(21, 7, min_usd=0.01))] == [40]


def test_a_small_rise_on_a_big_steady_bill_is_not_a_spike() -> None:
    values = noise(13, 60, lambda r: r.gauss(100.0, 0.5))
    values[40] = 110.0  # 20 sigmas, but 10% more
    assert detect_spikes(values) == []
    assert [a.index for a in detect_spikes(values, Settings(21, 7, 1.0, min_ratio=1.0))] == [40]


def test_short_series() -> None:
    assert detect_spikes([]) == []
    assert detect_spikes([100.0]) == []
    assert detect_spikes([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 50.0]) == []  # 6 points of history
    assert [a.index for a in detect_spikes([1.0] * 7 + [50.0])] == [7]


def test_sensitivity_orders_what_is_found() -> None:
    values = noise(17, 200, lambda r: r.lognormvariate(math.log(9.0), 0.6))
    counts = [len(detect_spikes(values, Settings(21, 7, 1.0, sensitivity=k))) for k in (2, 3.5, 6)]
    assert counts[0] > counts[1] > counts[2]
    assert DAILY.sensitivity == DEFAULT_SENSITIVITY == 3.5


def _false_positive_rate(series: list[list[float]], settings: Settings) -> float:
    judged = sum(len(s) - settings.min_history for s in series)
    return sum(len(detect_spikes(s, settings)) for s in series) / judged


def test_false_positive_rate_on_gaussian_noise() -> None:
    runs = [noise(seed, 120, lambda r: max(r.gauss(20.0, 3.0), 0.0)) for seed in range(300)]
    assert _false_positive_rate(runs, DAILY) < 0.002


def test_false_positive_rate_on_poisson_noise() -> None:
    runs = [noise(seed, 120, lambda r: float(poisson(r, 3.0))) for seed in range(300)]
    assert _false_positive_rate(runs, DAILY) < 0.015


def test_false_positive_rate_on_working_hours() -> None:
    runs = [working_hours(seed, 42) for seed in range(40)]
    rate = sum(len(detect_spikes(r, HOURLY)) for r in runs) / sum(len(r) for r in runs)
    assert rate < 0.01
    # … while a $15 hour on a $1.50 habit is found in every run
    for run in runs[:10]:
        run[24 * 30 + 11] = 15.0
        assert 24 * 30 + 11 in [a.index for a in detect_spikes(run, HOURLY)]


def test_robust_baseline() -> None:
    assert robust_baseline([1.0, 2.0, 3.0, 4.0, 100.0]) == (3.0, pytest.approx(1.4826))
    # more than half equal: the MAD is 0, the mean absolute deviation steps in
    median, scale = robust_baseline([0.0, 0.0, 0.0, 4.0])
    assert (median, scale) == (0.0, pytest.approx(1.2533))
    assert robust_baseline([]) == (0.0, 0.01)

"""Spend spikes: points far above the median of the points just before them.

Robust on purpose: the baseline is the trailing median and the spread the trailing MAD
(scaled to a normal sigma), so earlier spikes neither raise the bar nor hide the next
one. When more than half the trailing points are equal (idle hours at $0), the MAD is 0
and the spread falls back to the mean absolute deviation (Iglewicz and Hoaglin's rule, as
SPSS does). Hourly spend is mostly idle hours, so an hour is judged against the hours
that had spend (the usual busy hour), not against a median of $0. Only rises count, and
only when they are large in dollars too (``min_usd``) and a real multiple of the
baseline (``min_ratio``): going from $0.01 to $0.05 is five times the usual but nobody's
problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_SENSITIVITY = 3.5  # robust z-score: Iglewicz and Hoaglin's outlier threshold
MAD_SIGMA = 1.4826  # MAD x this estimates a normal sigma
MEAN_AD_SIGMA = 1.2533  # mean absolute deviation x this estimates a normal sigma
MIN_SCALE_USD = 0.01  # a spread below a cent is no spread: a spike on flat $0 scores finite


@dataclass(frozen=True, slots=True)
class Settings:
    """How the detector looks at one kind of series."""

    window: int  # trailing points the baseline is taken over
    min_history: int  # points (with spend, if active_only) needed in the window to judge
    min_usd: float  # a spike rises at least this much above the baseline
    min_ratio: float = 1.5  # … and to at least this multiple of it
    sensitivity: float = DEFAULT_SENSITIVITY
    active_only: bool = False  # baseline over the points with spend only


DAILY = Settings(window=21, min_history=7, min_usd=1.0)
HOURLY = Settings(window=7 * 24, min_history=8, min_usd=0.5, active_only=True)


@dataclass(frozen=True, slots=True)
class Anomaly:
    index: int  # position in the series
    value: float
    baseline: float  # trailing median
    scale: float  # trailing spread, as a normal sigma
    score: float  # (value - baseline) / scale


def detect_spikes(values: Sequence[float], settings: Settings = DAILY) -> list[Anomaly]:
    """Every point of ``values`` (evenly spaced, oldest first, zeros included) that is a
    spike against the ``settings.window`` points before it."""
    found = []
    for i in range(1, len(values)):
        trailing = values[max(0, i - settings.window) : i]
        if settings.active_only:
            trailing = [v for v in trailing if v > 0]
        if len(trailing) < settings.min_history:
            continue
        baseline, scale = robust_baseline(trailing)
        value = values[i]
        rise = value - baseline
        if rise < settings.min_usd or value < settings.min_ratio * baseline:
            continue
        score = rise / scale
        if score > settings.sensitivity:
            found.append(Anomaly(i, value, baseline, scale, score))
    return found


def robust_baseline(values: Sequence[float]) -> tuple[float, float]:
    """(median, spread as a normal sigma) of ``values``; the spread is never below a cent."""
    median = _median(values)
    deviations = [abs(v - median) for v in values]
    scale = MAD_SIGMA * _median(deviations)
    if scale == 0 and deviations:
        scale = MEAN_AD_SIGMA * sum(deviations) / len(deviations)
    return median, max(scale, MIN_SCALE_USD)


def _median(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

"""End-of-period spend forecasts with an interval, budget and window exhaustion.

Spend has a weekly rhythm (less at weekends) and drifts, so with three weeks of history or
more we use additive Holt-Winters (damped trend, weekday seasonals) in error-correction
form; its interval is the model's exact variance of a *sum* of future days. With less, a
straight line by least squares with the regression's prediction interval. Two days or
fewer cannot say anything honest, so we say so instead.

Today is a partial day: models are fitted on complete days (before today), and today is
expected to end at the larger of its forecast and what is already spent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import product
from typing import Any

from aiusage.analytics.limits import Reading, official_rows

SEASONAL = "holt-winters"
LINEAR = "linear"
NONE = "none"  # not enough history
ACTUAL = "actual"  # the period is over: nothing left to forecast
MIN_HISTORY = 3
SEASONAL_HISTORY = 21
MAX_HISTORY = 182  # older days say little about next week and slow the parameter search
LEVEL = 0.90  # the interval's nominal coverage
_Z = 1.6449  # two-sided 90% normal quantile
# Student t 0.95 quantiles (two-sided 90%) for small degrees of freedom.
_T = (
    *(6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812),
    *(1.796, 1.782, 1.771, 1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725),
)
_ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5)
_BETAS = (0.0, 0.05, 0.15)  # as a fraction of alpha (ETS form)
_GAMMAS = (0.0, 0.1, 0.2, 0.35)
_PHIS = (0.9, 0.98, 1.0)
_SLOPE_T = 2.0  # a line's slope is kept when it is this many standard errors from zero
_CLIP = 3.0  # errors beyond this many robust sigmas update the state as if this large


@dataclass(frozen=True, slots=True)
class Forecast:
    """Spend of one period: what is spent and where it is expected to end."""

    start: date
    end: date
    today: date
    spent: float  # spent in the period so far, today included
    expected: float | None  # expected total at the end of the period; None: cannot forecast
    low: float | None
    high: float | None
    method: str  # SEASONAL | LINEAR | NONE | ACTUAL
    history_days: int  # complete days of history the model saw
    daily: tuple[float, ...] = ()  # expected spend still to come per day, today first
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        def money(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "spent_usd": money(self.spent),
            "expected_usd": money(self.expected),
            "low_usd": money(self.low),
            "high_usd": money(self.high),
            "level": LEVEL,
            "method": self.method,
            "history_days": self.history_days,
            "note": self.note,
        }


def forecast_period(series: Mapping[date, float], start: date, end: date, today: date) -> Forecast:
    """Forecast the total of ``start``..``end`` (inclusive) seen from ``today``.

    ``series`` is spend per local day in USD; days absent are days without spend. History
    counts complete days from the first day with spend up to yesterday.
    """
    if end < start:
        raise ValueError("the period ends before it starts")
    spent = sum(v for d, v in series.items() if start <= d <= min(end, today))
    first = min((d for d, v in series.items() if v > 0 and d < today), default=None)
    days = 0 if first is None else (today - first).days
    if end < today:
        return Forecast(start, end, today, spent, spent, spent, spent, ACTUAL, days)
    if days < MIN_HISTORY:
        note = f"not enough history: {days} days; forecasts need {MIN_HISTORY}"
        return Forecast(start, end, today, spent, None, None, None, NONE, days, note=note)
    assert first is not None
    origin = max(first, today - timedelta(days=MAX_HISTORY))
    history = [series.get(origin + timedelta(days=i), 0.0) for i in range((today - origin).days)]
    horizon = (end - today).days + 1
    weights = [1.0 if today + timedelta(days=h) >= start else 0.0 for h in range(horizon)]
    if len(history) >= SEASONAL_HISTORY:
        means, sd = _holt_winters(history, origin.weekday(), weights)
        method = SEASONAL
    else:
        means, sd = _linear(history, weights)
        method = LINEAR
    daily = [max(m, 0.0) * w for m, w in zip(means, weights, strict=True)]
    if weights[0]:  # today: what is left of its forecast after what is already spent
        daily[0] = max(daily[0] - series.get(today, 0.0), 0.0)
    expected = spent + sum(daily)
    return Forecast(
        start,
        end,
        today,
        spent,
        expected,
        max(expected - sd, spent),
        expected + sd,
        method,
        days,
        tuple(daily),
    )


def exhaustion_day(
    spent: float, daily: Sequence[float], limit_usd: float, first_day: date
) -> date | None:
    """The first day the cumulative spend is expected to reach ``limit_usd``: ``first_day``
    if ``spent`` already has, None if the expected days never do. ``daily[i]`` is the
    spend expected on ``first_day + i`` (``Forecast.daily`` from ``Forecast.today``)."""
    total = spent
    if total >= limit_usd:
        return first_day
    for i, amount in enumerate(daily):
        total += amount
        if total >= limit_usd:
            return first_day + timedelta(days=i)
    return None


def forecast_exhaustion(forecast: Forecast, limit_usd: float) -> date | None:
    """``exhaustion_day`` for a forecast: when its period's spend is expected to cross the
    limit (None when it cannot forecast and the limit is not yet reached)."""
    if forecast.method == ACTUAL and forecast.spent < limit_usd:
        return None
    return exhaustion_day(forecast.spent, forecast.daily, limit_usd, forecast.today)


@dataclass(frozen=True, slots=True)
class WindowBurn:
    burn_rate: float | None  # percent of the window per hour
    exhausts_at_ms: int | None  # None: not before the reset, or no usable rate


def window_exhaustion(
    used_percent: float,
    resets_at_ms: int | None,
    readings: Sequence[tuple[int, float]],
    now_ms: int,
) -> WindowBurn:
    """When a subscription window reaches 100% at the pace of its recent readings
    ((ts_ms, percent) of the current window). The rate and the reset rule are
    ``analytics.limits``' own, so a window never gets two different answers."""
    series = [
        Reading("", "window", ts, value, resets_at_ms, "")
        for ts, value in sorted(readings)
        if ts < now_ms
    ]
    series.append(Reading("", "window", now_ms, used_percent, resets_at_ms, ""))
    (row,) = official_rows(series, now_ms)
    return WindowBurn(row.burn_rate, row.exhausts_at_ms)


# -- models ---------------------------------------------------------------------------------


def _t_quantile(df: int) -> float:
    if df < 1:
        return _T[0]
    if df <= len(_T):
        return _T[df - 1]
    return _Z + (_Z**3 + _Z) / (4 * df)  # Cornish-Fisher: close enough beyond 20


def _linear(y: Sequence[float], weights: Sequence[float]) -> tuple[list[float], float]:
    """Least squares line through the history; the forecast of each future day and the
    interval half-width of their weighted sum (the regression's prediction interval)."""
    n = len(y)
    xbar = (n - 1) / 2
    ybar = sum(y) / n
    sxx = sum((x - xbar) ** 2 for x in range(n))
    slope = sum((x - xbar) * (v - ybar) for x, v in enumerate(y)) / sxx
    ssr = sum((v - ybar - slope * (x - xbar)) ** 2 for x, v in enumerate(y))
    sigma2 = ssr / (n - 2)
    if slope * slope * sxx < _SLOPE_T**2 * sigma2:
        slope = 0.0  # a slope the noise could make: projecting it weeks ahead costs more
        sigma2 = sum((v - ybar) ** 2 for v in y) / (n - 1)
    means = [ybar + slope * (n - 1 + h - xbar) for h in range(1, len(weights) + 1)]
    total = sum(weights)
    xsum = sum(w * (n - 1 + h - xbar) for h, w in enumerate(weights, start=1))
    var = sigma2 * (total + total**2 / n + xsum**2 / sxx)
    return means, _t_quantile(n - 2) * math.sqrt(var)


@dataclass(frozen=True, slots=True)
class _Fit:
    sse: float
    level: float
    trend: float
    seasonals: tuple[float, ...]
    errors: tuple[float, ...]
    alpha: float
    beta: float
    gamma: float
    phi: float


def _holt_winters(
    y: Sequence[float], first_weekday: int, weights: Sequence[float]
) -> tuple[list[float], float]:
    """Additive damped Holt-Winters with weekday seasonals; parameters by grid search on
    one-step errors (clipped, so one spike neither drags the level nor wins the search)."""
    best = _best_fit(tuple(y), first_weekday)
    weekday = (first_weekday + len(y)) % 7
    means, damp = [], 0.0
    for h in range(1, len(weights) + 1):
        damp += best.phi**h
        means.append(best.level + damp * best.trend + best.seasonals[(weekday + h - 1) % 7])
    burn_in = 7
    errors = best.errors[burn_in:]
    sigma2 = sum(e * e for e in errors) / max(len(errors) - 3, 1)
    # Coefficient of each future error in the weighted sum (Hyndman et al., class 1 ETS).
    horizon = len(weights)
    c = [0.0] * (horizon + 1)
    damp = 0.0
    for k in range(1, horizon + 1):
        damp += best.phi**k
        c[k] = best.alpha + best.alpha * best.beta * damp + (best.gamma if k % 7 == 0 else 0)
    var = 0.0
    for j in range(horizon):
        coef = weights[j] + sum(weights[h] * c[h - j] for h in range(j + 1, horizon))
        var += coef * coef
    return means, _t_quantile(len(errors) - 3) * math.sqrt(sigma2 * var)


@lru_cache(maxsize=512)
def _best_fit(y: tuple[float, ...], first_weekday: int) -> _Fit:
    """The grid search, remembered: history is complete days only, so a source's fit
    holds all day while today's spend moves (a dashboard refits 20 series per write)."""
    level, trend, seasonals = _initial_state(y, first_weekday)
    scale = _robust_sigma(y)
    best: _Fit | None = None
    for alpha, beta, gamma, phi in product(_ALPHAS, _BETAS, _GAMMAS, _PHIS):
        fit = _run(y, first_weekday, level, trend, seasonals, alpha, beta, gamma, phi, scale)
        if best is None or fit.sse < best.sse - 1e-12:
            best = fit
    assert best is not None
    return best


def _initial_state(y: Sequence[float], first_weekday: int) -> tuple[float, float, list[float]]:
    """Level and trend from a line through the first four weeks (three at least), weekday
    seasonals from the median residual of each weekday, centred: a pure line starts
    with no seasonality, a weekly pattern with no trend. A slope the noise could have
    made starts at zero (as in ``_linear``)."""
    window = list(y[: min(len(y), 28)])
    n = len(window)
    xbar, ybar = (n - 1) / 2, sum(window) / n
    sxx = sum((x - xbar) ** 2 for x in range(n))
    slope = sum((x - xbar) * (v - ybar) for x, v in enumerate(window)) / sxx
    for _ in range(2):
        intercept = ybar - slope * xbar
        residuals: list[list[float]] = [[] for _ in range(7)]
        for x, v in enumerate(window):
            residuals[(first_weekday + x) % 7].append(v - intercept - slope * x)
        seasonals = [_median(r) for r in residuals]
        centre = sum(seasonals) / 7
        seasonals = [s - centre for s in seasonals]
        noise = [
            v - intercept - slope * x - seasonals[(first_weekday + x) % 7]
            for x, v in enumerate(window)
        ]
        sigma2 = sum(e * e for e in noise) / (n - 9)
        if slope * slope * sxx >= _SLOPE_T**2 * sigma2:
            break
        slope = 0.0
    return intercept - slope, slope, seasonals


def _run(
    y: Sequence[float],
    first_weekday: int,
    level: float,
    trend: float,
    seasonals: Sequence[float],
    alpha: float,
    beta: float,
    gamma: float,
    phi: float,
    scale: float,
) -> _Fit:
    s = list(seasonals)
    errors = []
    sse = 0.0
    bound = _CLIP * scale
    for t, value in enumerate(y):
        w = (first_weekday + t) % 7
        error = value - (level + phi * trend + s[w])
        errors.append(error)
        if bound > 0:
            error = min(max(error, -bound), bound)
        if t >= 7:
            sse += error * error
        level = level + phi * trend + alpha * error
        trend = phi * trend + alpha * beta * error
        s[w] += gamma * error
    return _Fit(sse, level, trend, tuple(s), tuple(errors), alpha, beta, gamma, phi)


def _robust_sigma(y: Sequence[float]) -> float:
    """Noise scale from week-on-week differences (immune to trend and weekday pattern)."""
    diffs = [b - a for a, b in zip(y, y[7:], strict=False)]
    if not diffs:
        return 0.0
    mid = _median(diffs)
    return 1.4826 * _median([abs(d - mid) for d in diffs]) / math.sqrt(2)


def _median(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
